"""The health endpoint for a load balancer (webhook mode): ``GET /health`` on HEALTH_PORT answers
200 while this instance takes updates, 503 from the moment it stops taking them (SIGTERM: the
webhook server closes, then in-flight updates are finished) so the balancer sends no more."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


class HealthServer:
    def __init__(self, healthy: Callable[[], bool]) -> None:
        self._healthy = healthy
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> None:
        self._server = await asyncio.start_server(self._answer, host, port)
        log.info("health endpoint on %s:%s/health", host, port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), 5)
            # The rest of the request head is read and ignored.
            while (await asyncio.wait_for(reader.readline(), 5)) not in (b"\r\n", b"\n", b""):
                pass
            parts = request.split()
            if len(parts) < 2 or parts[1] != b"/health":
                status, body = "404 Not Found", b"not found\n"
            elif self._healthy():
                status, body = "200 OK", b"ok\n"
            else:
                status, body = "503 Service Unavailable", b"draining\n"
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()
