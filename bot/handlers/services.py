"""What every handler needs, without importing ``bot.app``: the services built once in
``build_application`` (kept in ``bot_data``), and who is asking (their language and choices),
looked up once per update and passed down."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import cast

from telegram import Update, User
from telegram.ext import ContextTypes

from bot.config import Settings
from bot.i18n import (
    Catalogs,
    Translator,
    chosen_recognition,
    recognition_default,
    ui_language,
)
from bot.ocr.recognizer import Recognizer
from bot.reading import PhotoReader
from bot.shared import SharedState
from bot.shutdown import Drain
from bot.storage.db import Database

SERVICES_KEY = "services"
# Photos of open reviews kept in memory for the review card's crops; older ones are fetched
# again by their file_id when needed.
PHOTOS_KEPT = 32


@dataclass
class Services:
    """What handlers need, built once in build_application and kept in bot_data."""

    settings: Settings
    recognizer: Recognizer
    catalogs: Catalogs
    # Opened in post_init (it needs the running event loop).
    db: Database = field(init=False)
    # Limits, albums and handled updates (Redis, or this process): opened in post_init too.
    shared: SharedState = field(init=False)
    # Album id -> file_id -> its download, started as the page arrived here.
    album_downloads: dict[str, dict[str, asyncio.Future[list[bytes]]]] = field(
        default_factory=dict
    )
    # SIGTERM: how long photos in flight may still take, and which were lost (``drain.guard``).
    drain: Drain = field(init=False)
    # Review id -> the photos' bytes (see PHOTOS_KEPT).
    photos: OrderedDict[str, list[bytes]] = field(default_factory=OrderedDict)

    @property
    def reader(self) -> PhotoReader:
        """Reading photos (limits, in flight, download, pages, recognition): the use-case."""
        return PhotoReader(
            self.settings, self.recognizer, self.shared, self.drain, self.db.words.of
        )

    def keep_photos(self, review_id: str, images: list[bytes]) -> None:
        self.photos[review_id] = images
        self.photos.move_to_end(review_id)
        while len(self.photos) > PHOTOS_KEPT:
            self.photos.popitem(last=False)


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return cast(Services, context.bot_data[SERVICES_KEY])


@dataclass(frozen=True, slots=True)
class Asker:
    """The user behind an update: the interface language they read, the recognition language
    and strictness their photos are read with (their choice, or what follows from their
    language and the server's defaults)."""

    user_id: int
    t: Translator
    language: str
    language_chosen: bool
    threshold: int


async def asker(context: ContextTypes.DEFAULT_TYPE, user: User) -> Asker:
    """One database read: the stored choices, else Telegram's ``language_code``."""
    svc = services(context)
    prefs = await svc.db.users.get_settings(user.id)
    ui = ui_language(prefs.interface or user.language_code)
    if prefs.language is not None:
        language = chosen_recognition(prefs.language, ui, svc.settings.default_language)
    else:
        language = recognition_default(
            ui, svc.settings.default_language, svc.recognizer.available_languages
        )
    threshold = svc.settings.default_threshold if prefs.threshold is None else prefs.threshold
    return Asker(
        user_id=user.id,
        t=svc.catalogs.get(ui),
        language=language,
        language_chosen=prefs.language is not None,
        threshold=int(threshold),
    )


async def asker_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Asker:
    assert update.effective_user
    return await asker(context, update.effective_user)


def translator_of(update: object, context: ContextTypes.DEFAULT_TYPE) -> Translator:
    """Telegram's language alone, no database: for the rare replies that must not wait for
    one (refusals, unexpected errors)."""
    user = update.effective_user if isinstance(update, Update) else None
    return services(context).catalogs.get(user.language_code if user else None)
