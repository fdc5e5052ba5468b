"""The fake's HTTP side: a ``ThreadingHTTPServer`` on 127.0.0.1 in a daemon thread (nothing
beyond the stdlib; blocking long-polls cannot stall the test's event loop), file downloads,
and the thread that delivers updates to a webhook."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, unquote, urlsplit

from testkit.fake_bot_api.errors import ApiError, bad_request
from testkit.fake_bot_api.methods import BotMethods
from testkit.fake_bot_api.params import Params, parse_body
from testkit.fake_bot_api.records import WebhookDelivery


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default listen backlog is 5: a burst of new connections (a load test's
    # users all starting at once) overflows it, the kernel drops SYNs and clients stall 1 s.
    request_queue_size = 128
    # Long-polls may still be parked when we stop; they are woken, but do not wait for them.
    block_on_close = False

    def __init__(self, fake: ApiServer) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes; on a kept-alive connection Nagle's
    # algorithm would hold the body until the client's delayed ACK (~40 ms per request).
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        self.server.fake._serve(self)

    def do_POST(self) -> None:
        self.server.fake._serve(self)

    def log_message(self, format: str, *args: Any) -> None:
        # Quiet: pytest output should show test failures, not an access log.
        return

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def respond(
        self, status: int, body: bytes, content_type: str, *, truncate_to: int | None = None
    ) -> None:
        # Connections are kept alive, as Telegram's are: a new TCP connection (and server
        # thread) per request would be this fake's cost, not the bot's. A cut-off body must
        # end its connection, or the client would wait for the rest.
        cut = truncate_to is not None
        self.close_connection = cut
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if cut:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body if truncate_to is None else body[:truncate_to])
        self.wfile.flush()

    def respond_json(self, status: int, payload: Any) -> None:
        self.respond(status, json.dumps(payload).encode(), "application/json")


class ApiServer(BotMethods):
    """Starts and stops the HTTP server; ``base_url`` and ``base_file_url`` are for PTB."""

    def __init__(
        self, token: str = "123456:TEST-token", *, bot_username: str = "notes_test_bot"
    ) -> None:
        super().__init__(token, bot_username=bot_username)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._delivery_thread: threading.Thread | None = None

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("FakeBotApi already started")
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-bot-api",
            daemon=True,
        )
        self._thread.start()
        self._delivery_thread = threading.Thread(
            target=self._deliver_loop, name="fake-bot-api-webhook", daemon=True
        )
        self._delivery_thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()  # release parked getUpdates long-polls
        self._server.shutdown()
        self._server.server_close()
        self._deliveries.put(None)
        for thread in (self._thread, self._delivery_thread):
            if thread is not None:
                thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return self.start()

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        # shutdown() waits for serve_forever's poll loop: keep that off the event loop.
        await asyncio.to_thread(self.stop)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeBotApi not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def _serve(self, handler: _Handler) -> None:
        try:
            path = urlsplit(handler.path)
            # PTB percent-quotes download URLs (the token's ':' becomes %3A).
            route = unquote(path.path)
            if route.startswith("/file/bot"):
                self._serve_file(handler, route[len("/file/bot") :])
                return
            if not route.startswith("/bot"):
                raise ApiError(404, "Not Found")
            token, _, method = route[len("/bot") :].partition("/")
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            body = handler.read_body()
            raw = dict(parse_qsl(path.query, keep_blank_values=True))
            try:
                raw.update(parse_body(handler.headers.get("Content-Type", ""), body))
            except (ValueError, UnicodeDecodeError) as exc:
                raise bad_request(f"can't parse request: {exc}") from exc
            result = self._call(method, Params(raw))
            handler.respond_json(200, {"ok": True, "result": result})
        except ApiError as err:
            handler.respond_json(err.error_code, err.payload())
        except (BrokenPipeError, ConnectionResetError):
            return  # the client gave up (e.g. its timeout); nothing to answer

    def _serve_file(self, handler: _Handler, rest: str) -> None:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        with self._lock:
            self._calls.append(("<download>", {"file_path": file_path}))
            stored = self._files_by_path.get(file_path)
            truncate_to: int | None = None
            if stored is not None and self._truncation is not None:
                truncate_to = self._truncation.keep_bytes
                if self._truncation.remaining is not None:
                    self._truncation.remaining -= 1
                    if self._truncation.remaining <= 0:
                        self._truncation = None
            self._changed()
        if stored is None:
            raise ApiError(404, "Not Found")
        handler.respond(200, stored.data, "application/octet-stream", truncate_to=truncate_to)

    def _deliver_loop(self) -> None:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while True:
            update = self._deliveries.get()
            if update is None:
                return
            with self._lock:
                url, secret = self._webhook_url, self._webhook_secret
            if url is None:  # webhook deleted meanwhile: fall back to getUpdates
                with self._lock:
                    self._updates.append(update)
                    self._changed()
                continue
            headers = {"Content-Type": "application/json"}
            if secret:
                headers["X-Telegram-Bot-Api-Secret-Token"] = secret
            status: int | None = None
            error: str | None = None
            # Telegram retries failed deliveries; a few quick tries cover a server still binding.
            for attempt in range(3):
                request = urllib.request.Request(
                    url, data=json.dumps(update).encode(), headers=headers, method="POST"
                )
                try:
                    with opener.open(request, timeout=10) as response:
                        status, error = response.status, None
                    break
                except urllib.error.HTTPError as exc:
                    status, error = exc.code, exc.reason
                    break
                except OSError as exc:
                    status, error = None, str(exc)
                    if self._stopping.wait(0.2 * (attempt + 1)):
                        break
            with self._lock:
                self._webhook_log.append(WebhookDelivery(update["update_id"], status, error))
                self._changed()
