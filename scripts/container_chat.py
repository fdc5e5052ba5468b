"""The host side of scripts/container-check.sh: Telegram, played by the project's fake Bot API,
and users who send drawn notes to the bot deployed by deploy/compose.yaml in containers.

``chat STATE_DIR``: the containers reach the fake through a relay on all interfaces (the fake
listens on 127.0.0.1 only; containers see the host as host.containers.internal); its port goes
to ``STATE_DIR/api_port`` for the script. The fake posts Telegram's updates to the webhook URL
the instances register, https://PUBLIC_HOST/telegram: the compose proxy (Caddy), whose local
CA the script copies to ``STATE_DIR/proxy-ca.pem`` once the proxy has made it. When both
instances have registered and the proxy reaches one, each user sends one photo and must get
their note's lines back. Exit status 0 when every user did, 1 otherwise.

``note PATH`` draws the note the check reads in a single container, and prints its lines.

The only file of the check that imports the test helpers (testkit/).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from testkit.drawing import errand_note, note_png
from testkit.fake_bot_api import FakeBotApi

USERS = {8101: ("Alice", "fresh bread"), 8102: ("Bruno", "green apples")}
NOTE = ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm", "Read chapter five again")


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def relay(target_port: int) -> asyncio.Server:
    """Every interface -> 127.0.0.1:target_port, so the containers' bridge reaches the fake."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            writer.close()
            return
        # The bots keep their connections alive: at exit these are cancelled, not ended.
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    return await asyncio.start_server(handle, "0.0.0.0", 0)  # noqa: S104 - for the containers


async def until(what: str, check: Callable[[], bool], timeout: float) -> None:  # noqa: ASYNC109
    """Poll ``check`` (a blocking callable, run in a thread) once a second until it is true."""
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(check):
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(1)


def trust_proxy_ca(state_dir: Path) -> bool:
    """Once the proxy's CA is there, trust it besides the usual ones (this process's HTTPS:
    the fake's webhook deliveries and the probe below)."""
    ca = state_dir / "proxy-ca.pem"
    if not ca.exists():
        return False
    usual = os.environ.get("SSL_CERT_FILE") or ssl.get_default_verify_paths().cafile
    bundle = state_dir / "trust.pem"
    bundle.write_bytes((Path(usual).read_bytes() if usual else b"") + b"\n" + ca.read_bytes())
    os.environ["SSL_CERT_FILE"] = str(bundle)
    return True


def proxy_reaches_a_bot(url: str) -> bool:
    """A GET through the proxy that a bot answers (its webhook takes POSTs only: 405); 502 is
    the proxy finding no instance up."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=5):
            return True
    except urllib.error.HTTPError as exc:
        return exc.code not in (502, 503)
    except OSError:
        return False


def api_through_proxy(base: str) -> str | None:
    """The REST API on the same public host: its OpenAPI document, and a call without a
    token refused as problem+json. None when both hold, else what went wrong."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{base}/openapi.json", timeout=10) as answer:
        paths = json.loads(answer.read())["paths"]
    if "/v1/readings" not in paths:
        return f"/openapi.json has no /v1/readings: {sorted(paths)}"
    try:
        opener.open(f"{base}/v1/notes", timeout=10)
    except urllib.error.HTTPError as exc:
        kind = exc.headers.get("content-type", "")
        if exc.code == 401 and kind.startswith("application/problem+json"):
            return None
        return f"GET /v1/notes without a token: {exc.code} {kind}"
    return "GET /v1/notes without a token was answered 200"


async def chat(args: argparse.Namespace) -> int:
    async with FakeBotApi(args.token) as fake:
        server = await relay(fake.port)
        try:
            port = server.sockets[0].getsockname()[1]
            (args.state_dir / "api_port").write_text(str(port))
            print(f"fake Bot API on port {port}; updates go to {args.webhook}", flush=True)
            await until("the proxy's CA", lambda: trust_proxy_ca(args.state_dir), args.timeout)
            await fake.wait_for(
                lambda: fake.webhook_url == args.webhook and fake.call_count("setWebhook") >= 2,
                args.timeout,
            )
            await until("a bot behind the proxy", lambda: proxy_reaches_a_bot(args.webhook), 60)
            started = time.monotonic()
            for uid, (name, item) in USERS.items():
                fake.user_sends_photo(
                    chat_id=uid, user_id=uid, image_bytes=note_png(errand_note(name, item))
                )
            for uid, (name, item) in USERS.items():
                lines = errand_note(name, item)

                def seen(uid: int = uid, lines: tuple[str, str] = lines) -> bool:
                    screen = "\n".join(m.visible for m in fake.bot_messages(uid))
                    return all(line in screen for line in lines)

                try:
                    await fake.wait_for(seen, timeout=args.timeout)
                except TimeoutError:
                    screen = [m.visible for m in fake.bot_messages(uid)]
                    print(f"FAIL: {name} did not get {lines!r} back; the chat: {screen}")
                    print(f"Bot API calls: {[method for method, _ in fake.calls]}")
                    print(f"webhook deliveries: {fake.webhook_deliveries}")
                    return 1
                print(f"{name}: the bot answered with {lines!r}")
            problem = api_through_proxy(args.webhook.rsplit("/", 1)[0])
            if problem is not None:
                print(f"FAIL: the REST API through the proxy: {problem}")
                return 1
            print("the REST API answers through the proxy (OpenAPI; 401 without a token)")
            deliveries = [d.status for d in fake.webhook_deliveries]
            print(
                f"both photos answered in {time.monotonic() - started:.1f} s; "
                f"webhook deliveries through the proxy (HTTP status): {deliveries}"
            )
            return 0
        finally:
            server.close()
            with contextlib.suppress(Exception):
                await server.wait_closed()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    note = sub.add_parser("note", help="draw the note to read; print its lines")
    note.add_argument("path", type=Path)
    talk = sub.add_parser("chat", help="the fake Bot API and two users")
    talk.add_argument("state_dir", type=Path)
    talk.add_argument("--token", required=True)
    talk.add_argument("--webhook", required=True, help="the URL the instances register")
    talk.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    if args.command == "note":
        args.path.write_bytes(note_png(NOTE))
        print("\n".join(NOTE))
        return 0
    return asyncio.run(chat(args))


if __name__ == "__main__":
    sys.exit(main())
