"""``notes-ocr-bot api``: the API alone, without a bot token, for an app that only uses the
API. It reads through the same engine, or the same Redis queue and workers, as the bot."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from bot.api.server import Intake, WebServer, create_web
from bot.api.v1 import Api
from bot.config import Settings
from bot.i18n import Catalogs, load_catalogs
from bot.ocr.recognizer import Recognizer
from bot.reading import PhotoReader
from bot.shared import LostPhoto, SharedState, open_shared_state
from bot.shutdown import Drain
from bot.storage.db import Database, open_database

log = logging.getLogger(__name__)

DEFAULT_PORT = 8080


@dataclass
class ApiServices:
    """What the API needs, without the bot."""

    settings: Settings
    catalogs: Catalogs
    recognizer: Recognizer
    db: Database
    shared: SharedState
    drain: Drain

    @property
    def reader(self) -> PhotoReader:
        return PhotoReader(
            self.settings, self.recognizer, self.shared, self.drain, self.db.words.of
        )


async def open_services(settings: Settings, recognizer: Recognizer | None = None) -> ApiServices:
    from bot.documents.heif import enable_heif
    from bot.ocr.engines import build_recognizer

    enable_heif()
    recognizer = recognizer or build_recognizer(settings)
    await recognizer.start()
    shared = await open_shared_state(settings)

    async def tell_lost(photo: LostPhoto) -> None:
        log.warning("api: a reading of user %s was lost with its instance", photo.chat_id)

    shared.inflight.start(tell_lost)
    db = await open_database(settings.effective_database_url, cache_settings=not shared.shared)
    drain = Drain(settings.shutdown_grace_seconds)
    return ApiServices(settings, load_catalogs(), recognizer, db, shared, drain)


async def close_services(svc: ApiServices) -> None:
    for close in (svc.recognizer.close(), svc.db.close(), svc.shared.close()):
        try:
            await asyncio.wait_for(close, 2.0)
        except Exception as exc:
            log.warning("shutdown: a connection did not close cleanly: %r", exc)


async def serve_api(settings: Settings, stopping: asyncio.Event) -> int:
    """Serve the API on WEBHOOK_LISTEN:API_PORT (8080) until ``stopping``; the readings in
    flight get SHUTDOWN_GRACE_SECONDS. The exit code: 0, or 1 when some were lost."""
    svc = await open_services(settings)
    intake = Intake()
    # With the bot's token set, Mini App sessions work here too (initData is signed with it).
    api = Api(svc, settings.telegram_bot_token.get_secret_value())
    server = WebServer(
        create_web(lambda: intake.open, api), settings.webhook_listen,
        settings.api_port or DEFAULT_PORT,
    )  # fmt: skip
    try:
        await server.start()
        intake.open = True
        await stopping.wait()
        intake.open = False
        svc.drain.begin()
        await server.stop()
        await api.finish()
    finally:
        await close_services(svc)
    return svc.drain.report()
