"""Who calls API v1 (Bearer token or Mini App session), what the API needs of the app, and the
seam to chat. The API keeps no state of its own: a reading not read yet is in the shared state
(``bot/shared/readings.py``: Redis when deployed), a read one is its review and its page images
in the database, so any instance answers for any reading."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

from fastapi import Depends, Path, Request

from bot.api import auth
from bot.api.problems import ApiProblem, Problem
from bot.config import Settings
from bot.i18n import Catalogs, Translator
from bot.message_keys import N_
from bot.reading import PhotoReader
from bot.review.store import Record
from bot.shared import SharedState
from bot.storage.db import Database

log = logging.getLogger(__name__)

MAX_FILES = 50
# A review started through the API belongs to no chat: chat's typed text never lands in it.
API_CHAT = 0
NOTES_PAGE = 20


class Backend(Protocol):
    """What the API needs of the app (the bot's Services, or the API alone's)."""

    settings: Settings
    catalogs: Catalogs
    db: Database
    shared: SharedState

    @property
    def reader(self) -> PhotoReader: ...


class ChatSide(Protocol):
    """The chat of a review started there, when the bot runs in this process: a change made
    through the API is written and shown on the review's card (its final note sent to chat
    when none is left to check), as if made in chat. LostRace if another change came first."""

    async def refresh(self, rec: Record) -> None: ...

    async def pages(self, rec: Record) -> list[bytes]:
        """The review's page images as chat has them (fetched again from Telegram when no
        longer kept): for the whole-page review page."""

    async def show(self, rec: Record, images: list[bytes] | None) -> None:
        """A reading sent through the API shown in its owner's chat as a review card (then
        checked there, or here, or both)."""


@dataclass
class Api:
    backend: Backend
    bot_token: str = ""
    chat: ChatSide | None = None

    def __post_init__(self) -> None:
        # The readings this instance has taken and reads in the background.
        self.tasks: set[asyncio.Task[None]] = set()

    async def finish(self) -> None:
        """Wait for the readings in flight (each bounded by the shutdown's grace)."""
        if self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)


# ----------------------------------------------------------------------------- callers

UNAUTHORIZED = {"model": Problem, "description": "no token, or a revoked or malformed one"}
NOT_FOUND = {"model": Problem, "description": "no such reading or note of yours"}
STALE = {"model": Problem, "description": "changed since that revision: `current` is it now"}
# What a change at a revision may be answered instead of 200.
CHANGE_REFUSED: dict[int | str, dict[str, Any]] = {404: NOT_FOUND, 409: STALE}


def api_of(request: Request) -> Api:
    api: Api = request.app.state.api
    return api


async def caller(request: Request) -> int:
    """The user behind the request's Bearer token (401 without a valid one); their chosen
    interface language becomes the language of the errors."""
    api = api_of(request)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    user_id: int | None = None
    if scheme.lower() == "bearer" and token:
        if token.startswith(auth.SESSION_PREFIX):
            user_id = auth.user_of_session(token, api.bot_token)
        else:
            user_id = await api.backend.db.tokens.user_of(token)
    if user_id is None:
        raise ApiProblem(401, N_("api-unauthorized"), headers={"WWW-Authenticate": "Bearer"})
    prefs = await api.backend.db.users.get_settings(user_id)
    if prefs.interface:
        request.state.ui = prefs.interface
    return user_id


User = Annotated[int, Depends(caller)]
ReadingId = Annotated[str, Path(min_length=1, max_length=64)]
NoteId = Annotated[int, Path(ge=1, le=2**53)]
LineNo = Annotated[int, Path(ge=1, le=100_000, description="1-based")]


def translator_of(request: Request) -> Translator:
    from bot.api.problems import translator

    return translator(request, api_of(request).backend.catalogs)
