"""The Telegram webhook as a route of the bot's ASGI app (PTB's ``customwebhookbot`` pattern):
each update Telegram POSTs is checked, parsed and put on ``application.update_queue``; the
Application handles it as it would one from long polling."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


def webhook_router(
    app: Application,  # type: ignore[type-arg]
    path: str,
    secret: str | None,
    taking: Callable[[], bool],
) -> APIRouter:
    """``POST /{path}``: 403 without the secret token (when one is set), 503 once ``taking()``
    is false (SIGTERM: Telegram or the balancer sends the update again, elsewhere), 400 for a
    body that is no update, else 200 once the update is queued."""
    router = APIRouter()

    @router.post(f"/{path}", include_in_schema=False)
    async def webhook(request: Request) -> Response:
        if secret is not None:
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), secret.encode()):
                log.debug("webhook: an update without the right secret token was refused")
                return Response(status_code=403)
        if not taking():
            return Response(status_code=503)
        try:
            data: Any = json.loads(await request.body())
            update = Update.de_json(data, app.bot)
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("webhook: a body that is no update was refused: %r", exc)
            return Response(status_code=400)
        if update is None:
            return Response(status_code=400)
        await app.update_queue.put(update)
        return Response(status_code=200)

    return router
