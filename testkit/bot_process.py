"""`python -m bot run` in a process of its own, as it is deployed, against the FakeBotApi of the
test process; its stdout/stderr go to a file (a pipe nobody drains would block the bot once
its log fills the pipe buffer). Used by the SIGTERM tests, the several-instance tests and
bench.queue.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from testkit.fake_bot_api import FakeBotApi
from testkit.settings import TOKEN

# Generous: the machine is shared by several engineers, and OCR plus interpreter start-up
# in a fresh process is seconds of CPU. These bound a hang, they do not measure anything.
EXIT_TIMEOUT = 60.0
REPLY_TIMEOUT = 90.0
REPO_ROOT = Path(__file__).resolve().parents[1]


def bot_env(fake: FakeBotApi, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a deployed bot: ours, minus any setting the caller's shell has set
    (a developer's TELEGRAM_BOT_TOKEN or DATA_DIR must not leak into the test)."""
    setting_names = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in setting_names}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=fake.base_url,
        TELEGRAM_FILE_BASE_URL=fake.base_file_url,
        OCR_ENGINE="tesseract",
        OCR_WORKERS="2",
        DATA_DIR=str(data_dir),
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        # The bot of this checkout, whatever the venv's editable install points at (several
        # worktrees share one venv; the process runs in a temporary folder).
        PYTHONPATH=os.pathsep.join(
            p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p
        ),
    )
    env.update(extra)
    return env


@dataclass
class BotProcess:
    proc: asyncio.subprocess.Process
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def terminate(self) -> int:
        """SIGTERM, then the exit code (a hang past EXIT_TIMEOUT fails the test)."""
        self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), EXIT_TIMEOUT)


@asynccontextmanager
async def bot_process(
    fake: FakeBotApi, workdir: Path, name: str, *, command: str = "run", **extra_env: str
) -> AsyncIterator[BotProcess]:
    """`python -m bot run` (or another ``command``: `api`) with stdout+stderr in
    ``workdir/name.log``; killed on the way out if the test left it running (a failing test
    must not leave a poller behind)."""
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log_file:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            command,
            # cwd without a .env: only the environment below configures the bot.
            cwd=workdir,
            env=bot_env(fake, workdir / "data", **extra_env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log_file,
            stderr=asyncio.subprocess.STDOUT,
        )
    try:
        yield BotProcess(proc, log_path)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def assert_clean_exit(bot: BotProcess, code: int) -> None:
    log = bot.log()
    assert code == 0, f"exit code {code}; log:\n{log[-3000:]}"
    assert "Traceback" not in log, log[-3000:]
    assert TOKEN not in log and TOKEN.split(":", 1)[1] not in log, "the token is in the log"
