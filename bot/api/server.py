"""The ASGI app and the uvicorn server it runs on (inside the bot's own event loop)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import PlainTextResponse

from bot.api import page, problems, v1

log = logging.getLogger(__name__)


class Intake:
    """Whether this instance takes new work (updates, API requests that start readings):
    true while its server runs, false from SIGTERM on (``/health`` then answers 503 so a load
    balancer sends no more, while the work in flight is finished)."""

    def __init__(self) -> None:
        self.open = False


def create_web(healthy: Callable[[], bool], api: v1.Api | None = None) -> FastAPI:
    """The app with ``GET /health``: 200 while ``healthy()``, else 503 ("draining"); with
    ``api``, API v1 too (its OpenAPI document at /openapi.json), and with a bot behind it the
    whole-page review page at /app/ (its sessions come from the bot's signed initData)."""
    web = FastAPI(
        title="notes-ocr-bot", version="1", docs_url=None, redoc_url=None,
        openapi_url="/openapi.json" if api is not None else None,
        description="Photos of notes in, text you can trust out: read, check, save, search.",
    )  # fmt: skip
    if api is not None:
        web.state.api = api
        web.include_router(v1.router)
        problems.install(web, api.backend.catalogs)
        web.openapi = lambda: _openapi(web)  # type: ignore[method-assign]
        if api.bot_token:
            web.include_router(page.router)

    @web.get("/health", response_class=PlainTextResponse, include_in_schema=False)
    async def health() -> PlainTextResponse:
        if healthy():
            return PlainTextResponse("ok\n")
        return PlainTextResponse("draining\n", status_code=503)

    return web


def _openapi(web: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with every error answered as what it is: problem+json."""
    if web.openapi_schema:
        return web.openapi_schema
    schema = get_openapi(
        title=web.title, version=web.version, description=web.description, routes=web.routes
    )
    problem = {"$ref": "#/components/schemas/Problem"}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for code, response in operation.get("responses", {}).items():
                if code[0] in "45":
                    response["content"] = {problems.PROBLEM_JSON: {"schema": problem}}
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    web.openapi_schema = schema
    return schema


class _Server(uvicorn.Server):
    # The bot handles SIGTERM/SIGINT itself (bot.app.run_application: the drain's grace).
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class WebServer:
    """uvicorn serving ``web`` on host:port as a task of the running loop."""

    def __init__(self, web: FastAPI, host: str, port: int) -> None:
        config = uvicorn.Config(
            web, host=host, port=port, lifespan="off", log_config=None, access_log=False,
            server_header=False,
        )  # fmt: skip
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None
        self._where = f"{host}:{port}"

    async def start(self) -> None:
        """Serve; return once the socket is listening (raise if it could not be opened)."""
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()  # the reason it ended (e.g. the port is taken)
                raise OSError(f"the web server on {self._where} did not start")
            await asyncio.sleep(0.01)
        log.info("web server on %s", self._where)

    async def stop(self) -> None:
        """Stop taking connections; the requests in progress are answered first."""
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(Exception):
            await self._task
        self._task = None
