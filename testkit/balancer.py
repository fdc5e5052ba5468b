"""A load balancer for webhook tests: the fake Bot API posts each update here, and it is passed
to the bot instances in turn (round robin), as a proxy in front of several instances would.
An instance that does not answer is skipped (a health-checking balancer stops sending there).
``fan_out(n)``: the next ``n`` updates go to every instance at once (Telegram delivering an
update again, to another instance). ``route``: picks the instance for an update (a bench
sends one chat to one instance and the others to the other); None falls back to the turn."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Balancer:
    def __init__(
        self, targets: list[str], route: Callable[[dict[str, Any]], int | None] | None = None
    ) -> None:
        self.targets = targets
        self._route = route
        self._lock = threading.Lock()
        self._next = 0
        self._fan_out = 0
        self.sent: list[tuple[str, int]] = []  # (target, HTTP status)
        balancer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                self.send_response(balancer.forward(body, headers))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/telegram"

    def start(self) -> Balancer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fan_out(self, n: int = 1) -> None:
        with self._lock:
            self._fan_out = n

    def _post(self, target: str, body: bytes, headers: dict[str, str]) -> int:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        request = urllib.request.Request(target, data=body, headers=headers, method="POST")
        try:
            with opener.open(request, timeout=10) as response:
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError:
            status = 0
        with self._lock:
            self.sent.append((target, status))
        return status

    def forward(self, body: bytes, headers: dict[str, str]) -> int:
        with self._lock:
            everywhere = self._fan_out > 0
            if everywhere:
                self._fan_out -= 1
            start, self._next = self._next, self._next + 1
        if self._route is not None and (chosen := self._route(json.loads(body))) is not None:
            start = chosen
        if everywhere:
            statuses: list[int] = []
            threads = [
                threading.Thread(target=lambda t=t: statuses.append(self._post(t, body, headers)))
                for t in self.targets
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return 200 if 200 in statuses else 502
        for k in range(len(self.targets)):
            status = self._post(self.targets[(start + k) % len(self.targets)], body, headers)
            if status == 200:
                return status
        return 502


def chat_of(update: dict[str, Any]) -> int | None:
    """The chat a message update comes from (for ``route``)."""
    return ((update.get("message") or {}).get("chat") or {}).get("id")
