"""Wires settings, the OCR recognizer and storage into a PTB Application."""

from __future__ import annotations

import asyncio
import logging
import signal

from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    InvalidCallbackData,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot.api import Api, Intake, WebServer, create_web
from bot.config import Settings
from bot.documents.heif import enable_heif
from bot.handlers import card, commands, errors, library, photos, review, webhook
from bot.handlers.services import SERVICES_KEY, Services
from bot.health import HealthServer
from bot.i18n import load_catalogs
from bot.ocr.recognizer import Recognizer
from bot.shared import LostPhoto, open_shared_state
from bot.shutdown import Drain
from bot.storage.db import open_database

log = logging.getLogger(__name__)

# The webhook's path on WEBHOOK_PORT (Telegram POSTs updates to WEBHOOK_URL, which ends so).
WEBHOOK_PATH = "telegram"
# bot_data: the ASGI app (webhook, API, /health) and whether it takes new work.
WEB_KEY = "web"
INTAKE_KEY = "intake"
API_KEY = "api"

# At shutdown each connection is closed within this long: what it talks to may be gone already
# (`compose down` stops Redis and PostgreSQL with the bot).
CLOSE_SECONDS = 2.0


def build_application(
    settings: Settings,
    *,
    recognizer: Recognizer | None = None,
    request: BaseRequest | None = None,
) -> Application:  # type: ignore[type-arg]
    """Build the bot. Pass ``recognizer`` or ``request`` to swap real parts for others."""
    # The engines' modules are heavy (numpy, tesserocr): imported only when a bot is built.
    from bot.ocr.engines import build_recognizer

    enable_heif()  # an iPhone photo sent as a file; Pillow's openers are per process
    recognizer = recognizer or build_recognizer(settings)
    health: HealthServer | None = None
    intake = Intake()
    api_server: WebServer | None = None
    svc = Services(settings=settings, recognizer=recognizer, catalogs=load_catalogs())
    svc.drain = Drain(settings.shutdown_grace_seconds)

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        await recognizer.start()
        svc.shared = await open_shared_state(settings)

        async def tell_lost(photo: LostPhoto) -> None:
            # The instance reading it is gone: the user is asked to send it again.
            t = svc.catalogs.get(photo.language)
            await app.bot.send_message(
                photo.chat_id,
                t("photo-lost"),
                reply_to_message_id=photo.reply_to,
                allow_sending_without_reply=True,
            )

        svc.shared.inflight.start(tell_lost)
        # Settings are cached in memory only when no other instance can change them.
        svc.db = await open_database(
            settings.effective_database_url, cache_settings=not svc.shared.shared
        )
        # The menu in each user's language (Telegram picks it by the client's language).
        for language_code, menu in commands.command_lists(svc.catalogs):
            await app.bot.set_my_commands(menu, language_code=language_code)
        if settings.webhook_url and settings.health_port:
            nonlocal health
            health = HealthServer(healthy)
            await health.start(settings.webhook_listen, settings.health_port)
        if not settings.webhook_url and settings.api_port:
            nonlocal api_server
            api_server = WebServer(web, settings.webhook_listen, settings.api_port)
            await api_server.start()
        log.info("bot ready: engine=%s", recognizer.engine_name)

    async def post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
        await api.finish()  # the API's readings in flight (bounded by the drain's grace)
        closing = [recognizer.close(), svc.db.close(), svc.shared.close()]
        if health is not None:
            closing.insert(0, health.close())
        if api_server is not None:
            closing.insert(0, api_server.stop())
        for close in closing:
            try:
                await asyncio.wait_for(close, CLOSE_SECONDS)
            except Exception as exc:
                log.warning("shutdown: a connection did not close cleanly: %r", exc)

    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        # Telegram's 429 (retry_after) is waited out and retried, and group chats keep their
        # 20/min limit; the client-side 30/s bucket for all chats is off: it queues every
        # call FIFO, so the progress edits of a few photos delayed a /start reply by 300 ms
        # (bench/e2e_bot_latency.py). The 30/s guidance is for broadcasts; this bot only
        # answers users who wrote to it, and a real 429 is still honoured.
        .rate_limiter(AIORateLimiter(overall_max_rate=0, max_retries=3))
        .concurrent_updates(True)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if request is not None:
        builder = builder.request(request)
    else:
        # Under a burst every photo's status edits compete for connections; PTB's 1 s wait
        # for a free one dropped replies in the load test, so wait longer with a larger pool.
        builder = builder.request(
            HTTPXRequest(connection_pool_size=32, read_timeout=30, pool_timeout=15)
        )
    app = builder.build()

    def healthy() -> bool:
        # False as soon as updates are no longer taken (SIGTERM), while the updates in flight
        # are still being finished.
        taking = intake.open or (app.updater is not None and app.updater.running)
        return app.running and taking

    api = Api(svc, settings.telegram_bot_token.get_secret_value(), card.ChatReviews(app))
    web = create_web(healthy, api)
    if settings.webhook_url:
        secret = settings.webhook_secret_token
        web.include_router(
            webhook.webhook_router(
                app, WEBHOOK_PATH, secret.get_secret_value() if secret else None,
                lambda: intake.open,
            )
        )  # fmt: skip
    app.bot_data[WEB_KEY] = web
    app.bot_data[API_KEY] = api
    app.bot_data[INTAKE_KEY] = intake
    # After telegram/httpx are imported: their loggers exist now and get the redactor.
    errors.redact_token_in_logs(settings.telegram_bot_token.get_secret_value())
    app.bot_data[SERVICES_KEY] = svc

    app.add_handler(TypeHandler(Update, commands.once), group=-2)
    app.add_handler(TypeHandler(Update, commands.gatekeeper), group=-1)
    app.add_handler(CommandHandler("start", commands.on_start))
    app.add_handler(CommandHandler("help", commands.on_help))
    app.add_handler(CommandHandler("language", commands.on_language))
    app.add_handler(CommandHandler(["threshold", "strictness"], commands.on_strictness))
    app.add_handler(CommandHandler("cancel", review.on_cancel))
    app.add_handler(CommandHandler("notes", library.on_notes))
    app.add_handler(CommandHandler("search", library.on_search))
    app.add_handler(CommandHandler("export", library.on_export))
    app.add_handler(CommandHandler("forget", library.on_forget))
    app.add_handler(CommandHandler("api", commands.on_api))
    app.add_handler(MessageHandler(filters.PHOTO, photos.on_photo))
    app.add_handler(MessageHandler(filters.Document.ALL, photos.on_document))
    app.add_handler(MessageHandler(filters.Sticker.ALL | filters.ANIMATION, photos.on_unsupported))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, review.on_text))
    app.add_handler(CallbackQueryHandler(commands.on_language_button, pattern=r"^[lu]1:"))
    app.add_handler(CallbackQueryHandler(library.on_library_button, pattern=r"^n1:"))
    app.add_handler(CallbackQueryHandler(review.on_button))
    app.add_handler(CallbackQueryHandler(review.on_expired_button, pattern=InvalidCallbackData))
    app.add_error_handler(errors.on_error)
    return app


def run_application(settings: Settings) -> int:
    """Run until SIGTERM/SIGINT: webhook when WEBHOOK_URL is set, long polling otherwise. The
    exit code: 0, or 1 when photos in flight were lost (SHUTDOWN_GRACE_SECONDS ran out)."""
    app = build_application(settings)
    drain: Drain = app.bot_data[SERVICES_KEY].drain
    # In place of PTB's stop signals (which stop the loop at once): the first also starts the
    # grace of the photos in flight, a second one ends it.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def stop() -> None:
        first = not drain.stopping
        drain.begin()
        if first:
            raise SystemExit  # PTB's way out of its loop: it then stops the application

    if settings.webhook_url:
        stopping = asyncio.Event()
        intake: Intake = app.bot_data[INTAKE_KEY]

        def stop_serving() -> None:
            drain.begin()
            intake.open = False  # /health says 503 and updates are refused from now on
            stopping.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop_serving)
        loop.run_until_complete(serve_webhook(app, settings, stopping))
    else:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop)
        app.run_polling(allowed_updates=Update.ALL_TYPES, stop_signals=None)
    return drain.report()


async def serve_webhook(
    app: Application,  # type: ignore[type-arg]
    settings: Settings,
    stopping: asyncio.Event,
    serving: asyncio.Event | None = None,
) -> None:
    """Webhook mode until ``stopping`` is set: the ASGI app (webhook, API, /health) on
    WEBHOOK_LISTEN:WEBHOOK_PORT, updates put on the Application's queue; then the server stops
    taking requests and the updates in flight are finished (as PTB's run_webhook does).
    ``serving`` is set once requests are taken."""
    assert settings.webhook_url is not None
    intake: Intake = app.bot_data[INTAKE_KEY]
    server = WebServer(app.bot_data[WEB_KEY], settings.webhook_listen, settings.webhook_port)
    secret = settings.webhook_secret_token
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        await app.start()
        try:
            await server.start()
            await app.bot.set_webhook(
                settings.webhook_url,
                secret_token=secret.get_secret_value() if secret else None,
                allowed_updates=Update.ALL_TYPES,
            )
            intake.open = not stopping.is_set()
            if serving is not None:
                serving.set()
            await stopping.wait()
            intake.open = False
            await server.stop()
            await app.bot_data[API_KEY].finish()
        finally:
            await app.stop()
            if app.post_stop:
                await app.post_stop(app)
    finally:
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)
