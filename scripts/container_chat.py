"""The host side of scripts/container-check.sh: Telegram, played by the project's fake Bot API,
and users who send drawn notes to the bot instances running in containers.

The containers reach the fake through a relay on all interfaces (the fake listens on
127.0.0.1 only; containers see the host as host.containers.internal), and Telegram's webhook
POSTs reach the instances through the tests' round-robin balancer, standing in for the compose
proxy. Writes ``api_port`` and ``webhook_url`` into the state directory for the script, waits
until both instances take updates, then each user sends one photo and must get its lines back.
Exit status 0 when every user read their own note, 1 otherwise.
``note PATH`` draws the note the check reads in a single container, and prints its lines.

The only file of the check that imports the test helpers (tests/fakes, tests/support).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.fakes.bot_api import FakeBotApi
from tests.support.balancer import Balancer
from tests.support.drawing import errand_note, note_png

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


def _answers(url: str) -> bool:
    """Any HTTP answer (a GET on the webhook path is refused) means the server listens."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=5):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


async def wait_listening(urls: list[str], timeout: float) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    for url in urls:
        while not await asyncio.to_thread(_answers, url):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no bot instance answers at {url}")
            await asyncio.sleep(1)


async def chat(args: argparse.Namespace) -> int:
    async with FakeBotApi(args.token) as fake:
        server = await relay(fake.port)
        balancer = Balancer(args.instance).start()
        try:
            port = server.sockets[0].getsockname()[1]
            (args.state_dir / "webhook_url").write_text(balancer.url)
            (args.state_dir / "api_port").write_text(str(port))
            print(f"fake Bot API on port {port}, webhook balancer at {balancer.url}", flush=True)
            await wait_listening(args.instance, args.timeout)
            await fake.wait_for(lambda: fake.webhook_url == balancer.url, args.timeout)
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
                except (TimeoutError, AssertionError):
                    screen = [m.visible for m in fake.bot_messages(uid)]
                    print(f"FAIL: {name} did not get {lines!r} back; the chat: {screen}")
                    return 1
                print(f"{name}: the bot answered with {lines!r}")
            served = sorted({target for target, status in balancer.sent if status == 200})
            print(
                f"both photos answered in {time.monotonic() - started:.1f} s; instances "
                f"that took updates: {served}"
            )
            return 0
        finally:
            balancer.stop()
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
    talk.add_argument("--instance", action="append", required=True, help="webhook URL")
    talk.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    if args.command == "note":
        args.path.write_bytes(note_png(NOTE))
        print("\n".join(NOTE))
        return 0
    return asyncio.run(chat(args))


if __name__ == "__main__":
    sys.exit(main())
