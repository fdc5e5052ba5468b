"""The API alone (`notes-ocr-bot api`, no bot token) as it is deployed, a token issued by
`notes-ocr-bot token create`, and schemathesis fuzzing every operation of its /openapi.json
with that token: no 5xx, and every response matches its documented status, type and schema."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx

from testkit.bot_process import REPO_ROOT, bot_env, bot_process
from testkit.drawing import note_png
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import free_port

CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    )
)


async def wait_up(client: httpx.AsyncClient, within: float = 60) -> None:
    """Until /health answers 200 (the process imports the engines first)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        try:
            if (await client.get("/health")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert loop.time() < deadline, "the API did not come up"
        await asyncio.sleep(0.2)


async def test_the_api_alone_passes_schemathesis(fake_api: FakeBotApi, tmp_path: Path) -> None:
    port = free_port()
    env = bot_env(
        fake_api, tmp_path / "data", API_PORT=str(port), WEBHOOK_LISTEN="127.0.0.1",
        TELEGRAM_BOT_TOKEN="",
    )  # fmt: skip
    issued = subprocess.run(  # noqa: ASYNC221 - a one-off CLI call before the server starts
        [sys.executable, "-m", "bot", "token", "create", "--user", "fuzzer"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    token = issued.stdout.strip()
    assert token.startswith("nob_") and len(token) == 47
    async with (
        bot_process(
            fake_api, tmp_path, "api", command="api", API_PORT=str(port),
            WEBHOOK_LISTEN="127.0.0.1", TELEGRAM_BOT_TOKEN="",
        ) as api,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client,
    ):  # fmt: skip
        await wait_up(client)
        auth = {"Authorization": f"Bearer {token}"}
        # Something to find, so the fuzzing reaches past 404 too.
        files = [("files", ("page.png", note_png(("Buy milk and eggs",)), "image/png"))]
        started = await client.post("/v1/readings", headers=auth, files=files)
        assert started.status_code == 202, started.text
        fuzz = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "schemathesis.cli", "run",
            f"http://127.0.0.1:{port}/openapi.json",
            "-H", f"Authorization: Bearer {token}", "-c", CHECKS,
            "-n", "25", "--seed", "19", "--workers", "1",
            cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(fuzz.communicate(), 600)
        report = out.decode(errors="replace")
        assert fuzz.returncode == 0, report[-6000:]
        assert "Tested: 12" in report or "Tested: 11" in report, report[-3000:]
        code = await api.terminate()
        log = api.log()
        assert code == 0, log[-3000:]
        assert token not in log and token[4:] not in log, "the API token is in the log"
        assert "Traceback" not in log, log[-3000:]
