"""API v1: readings (upload, poll, check lines, save the note) and notes (search, export, fix,
delete). Reading goes through the same use-case as chat (``bot.reading``: per-user limits,
in-flight record, pages, recognition, the shutdown's bound) and a reading under review is the
same stored review chat shows (``ReviewStore``), with one revision counter.

A reading's id is its review's id. While it is queued or being read, or when it failed, its
state is known to the instance that took it; once read, every instance finds it in the
database.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import secrets
from collections import OrderedDict
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Protocol

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, Response, UploadFile
from PIL import Image

from bot.api import auth
from bot.api.models import (
    InitData,
    LineChange,
    LineOut,
    NoteItem,
    NoteLine,
    NoteLineChange,
    NoteOut,
    NoteSaved,
    NotesPage,
    Reading,
    ReadingList,
    ReadingRef,
    ReadingsStarted,
    ReadingStatus,
    Session,
)
from bot.api.problems import ApiProblem, Problem
from bot.config import Settings
from bot.documents.pdf import is_pdf
from bot.documents.sources import SourcePage
from bot.errors import (
    BotError,
    DecompressionBomb,
    ImageTooLarge,
    InputError,
    PageTooLarge,
    PhotoRefused,
    ServiceUnavailable,
    TooManyPages,
)
from bot.export.pages import gather
from bot.export.pdf import write_pdf
from bot.i18n import Catalogs, Translator, chosen_recognition
from bot.message_keys import N_
from bot.reading import PhotoReader
from bot.review import fix
from bot.review.render import confidence_words
from bot.review.session import ReviewError, ReviewSession
from bot.review.store import LostRace, Record, ReviewStore
from bot.shared import LostPhoto
from bot.storage.db import Database
from bot.storage.export import export_notes

log = logging.getLogger(__name__)

MAX_FILES = 50
# A review started through the API belongs to no chat: chat's typed text never lands in it.
API_CHAT = 0
NOTES_PAGE = 20
# Page images of this many readings are kept in memory (a batch's worth).
IMAGES_KEPT = MAX_FILES


class Backend(Protocol):
    """What the API needs of the app (the bot's Services, or the API alone's)."""

    settings: Settings
    catalogs: Catalogs
    db: Database

    @property
    def reader(self) -> PhotoReader: ...


class ChatSide(Protocol):
    """The chat of a review started there, when the bot runs in this process: a change made
    through the API is written and shown on the review's card (its final note sent to chat
    when none is left to check), as if made in chat. LostRace if another change came first."""

    async def refresh(self, rec: Record) -> None: ...

    async def show(self, rec: Record, images: list[bytes] | None) -> None:
        """A reading sent through the API shown in its owner's chat as a review card (then
        checked there, or here, or both)."""


@dataclass
class _Pending:
    user_id: int
    status: ReadingStatus
    language: str
    error: str | None = None


@dataclass
class Api:
    backend: Backend
    bot_token: str = ""
    chat: ChatSide | None = None

    def __post_init__(self) -> None:
        self.pending: dict[str, _Pending] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        # Reading id -> its page images, for GET .../pages/{n} (the newest IMAGES_KEPT).
        self.images: OrderedDict[str, list[bytes]] = OrderedDict()

    def keep_images(self, reading_id: str, images: list[bytes]) -> None:
        self.images[reading_id] = images
        while len(self.images) > IMAGES_KEPT:
            self.images.popitem(last=False)

    async def finish(self) -> None:
        """Wait for the readings in flight (each bounded by the shutdown's grace)."""
        if self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)


# ----------------------------------------------------------------------------- callers

_401 = {"model": Problem, "description": "no token, or a revoked or malformed one"}
_404 = {"model": Problem, "description": "no such reading or note of yours"}
_409 = {"model": Problem, "description": "changed since that revision: `current` is it now"}


def _api(request: Request) -> Api:
    api: Api = request.app.state.api
    return api


async def caller(request: Request) -> int:
    """The user behind the request's Bearer token (401 without a valid one); their chosen
    interface language becomes the language of the errors."""
    api = _api(request)
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


def _t(request: Request) -> Translator:
    from bot.api.problems import translator

    return translator(request, _api(request).backend.catalogs)


router = APIRouter(
    prefix="/v1",
    responses={
        400: {"model": Problem, "description": "a body that is not JSON"},
        401: _401,
        422: {"model": Problem},
    },
)


# ----------------------------------------------------------------------------- readings

_KINDS = (
    (b"\xff\xd8\xff", "image"),
    (b"\x89PNG\r\n\x1a\n", "image"),
    (b"II*\x00", "image"),
    (b"MM\x00*", "image"),
    (b"BM", "image"),
    (b"%PDF", "pdf"),
)


def _kind(data: bytes) -> str | None:
    """What the bytes are: an image or PDF the engines read, else None (415)."""
    if is_pdf(data):
        return "pdf"
    for magic, kind in _KINDS:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
        return "image"
    return None


def _too_many_pixels(data: bytes, max_pixels: int) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
    except Image.DecompressionBombError:
        return True
    except Exception:
        return False  # not for this check to say: the reading will
    return width * height > max_pixels


_TOO_LARGE = (TooManyPages, PageTooLarge, DecompressionBomb, ImageTooLarge)


async def _language(api: Api, user_id: int, ui: str, asked: str | None) -> str:
    s = api.backend.settings
    if asked:
        return chosen_recognition(asked, ui, s.default_language)
    prefs = await api.backend.db.users.get_settings(user_id)
    if prefs.language is not None:
        return chosen_recognition(prefs.language, ui, s.default_language)
    return s.default_language


@router.post(
    "/readings",
    status_code=202,
    response_model=ReadingsStarted,
    responses={
        413: {"model": Problem},
        415: {"model": Problem},
        429: {"model": Problem},
        503: {"model": Problem},
    },
)
async def start_readings(
    request: Request,
    user_id: User,
    files: Annotated[list[UploadFile], File(description="photos, HEIC, TIFF or PDF; up to 50")],
    language: Annotated[str | None, Form(max_length=16)] = None,
    strictness: Annotated[int | None, Form(ge=0, le=100)] = None,
) -> ReadingsStarted:
    """Read each file (a PDF or multi-page TIFF: one reading of its pages); 202 at once with
    one reading id per file, then poll ``GET /v1/readings/{id}``."""
    api, s = _api(request), _api(request).backend.settings
    if not files:
        raise ApiProblem(422, N_("api-no-files"))
    if len(files) > MAX_FILES:
        raise ApiProblem(413, N_("api-too-many-files"), params={"limit": MAX_FILES})
    ui = _t(request).language
    lang = await _language(api, user_id, ui, language)
    prefs = await api.backend.db.users.get_settings(user_id)
    threshold = strictness if strictness is not None else prefs.threshold
    threshold = s.default_threshold if threshold is None else threshold
    uploads: list[tuple[str, bytes]] = []
    for upload in files:
        data = await upload.read(s.max_image_bytes + 1)
        name = upload.filename or "file"
        if len(data) > s.max_image_bytes:
            raise ApiProblem(413, N_("error-too-large"))
        if not data or _kind(data) is None:
            raise ApiProblem(415, N_("api-unsupported-type"), params={"name": name})
        if _kind(data) == "image" and _too_many_pixels(data, s.max_pixels):
            raise ApiProblem(413, N_("error-too-many-pixels"))
        uploads.append((name, data))
    reader = api.backend.reader
    stack = AsyncExitStack()
    lost = LostPhoto(chat_id=user_id, reply_to=None, language=ui)
    try:
        await stack.enter_async_context(reader.admit(user_id, lost))
    except PhotoRefused as exc:
        retry = "60" if exc.key == "photo-too-fast" else "5"
        raise ApiProblem(429, exc.key, headers={"Retry-After": retry}) from None
    except ServiceUnavailable:
        raise ApiProblem(503, N_("error-unavailable"), headers={"Retry-After": "5"}) from None
    try:
        jobs: list[tuple[str, list[SourcePage]]] = []
        for _name, data in uploads:
            reading_id = secrets.token_urlsafe(6)
            try:
                pages = await reader.pages([(f"api:{reading_id}", data)], lang)
            except _TOO_LARGE as exc:
                raise ApiProblem(413, exc.key, params=exc.params) from None
            except InputError as exc:
                raise ApiProblem(415, exc.key, params=exc.params) from None
            jobs.append((reading_id, pages))
    except BaseException:
        await stack.aclose()
        raise
    refs = []
    for (reading_id, _), (name, _) in zip(jobs, uploads, strict=True):
        api.pending[reading_id] = _Pending(user_id, ReadingStatus.QUEUED, lang)
        refs.append(ReadingRef(id=reading_id, filename=name))
    task = asyncio.create_task(_read_all(api, stack, user_id, jobs, lang, int(threshold), ui))
    api.tasks.add(task)
    task.add_done_callback(api.tasks.discard)
    return ReadingsStarted(readings=refs)


async def _read_all(
    api: Api,
    stack: AsyncExitStack,
    user_id: int,
    jobs: list[tuple[str, list[SourcePage]]],
    language: str,
    threshold: int,
    ui: str,
) -> None:
    """The files of one request, one after the other, under the one admitted job."""
    reader = api.backend.reader
    t = api.backend.catalogs.get(ui)
    async with stack:
        for reading_id, sources in jobs:
            state = api.pending[reading_id]
            state.status = ReadingStatus.READING
            try:
                note = await reader.recognize(sources, language)
                if not note.has_text:
                    raise ApiProblem(422, N_("photo-no-text"))
                session = ReviewSession.from_pages(
                    note.pages, owner=user_id, chat_id=API_CHAT, threshold=threshold,
                    file_ids=note.refs,
                )  # fmt: skip
                session.id = reading_id
                await ReviewStore(api.backend.db.reviews).save(Record(session, summary=0))
                api.keep_images(reading_id, note.images)
                api.pending.pop(reading_id, None)
            except ApiProblem as exc:
                state.status, state.error = ReadingStatus.FAILED, t(exc.key)
            except BotError as exc:
                state.status, state.error = ReadingStatus.FAILED, t.error(exc)
            except Exception:
                log.exception("api: reading %s failed", reading_id)
                state.status, state.error = ReadingStatus.FAILED, t("error-generic")


def _line_out(session: ReviewSession, t: Translator) -> list[LineOut]:
    return [
        LineOut(
            number=line.index + 1,
            page=line.page + 1,
            text=line.text,
            box=None if line.box is None else list(line.box),
            confidence=line.confidence,
            confidence_words=confidence_words(line, t),
            flagged=line.flagged,
            state=line.state.value,
        )
        for line in session.lines
    ]


def _reading_of(rec: Record, t: Translator) -> Reading:
    s = rec.session
    return Reading(
        id=s.id, status=ReadingStatus.READY, language=s.language, revision=rec.revision,
        pages=len(s.pages), lines=_line_out(s, t), lines_to_check=len(s.pending),
    )  # fmt: skip


async def _open_review(api: Api, user_id: int, reading_id: str) -> Record | None:
    rec = await ReviewStore(api.backend.db.reviews).load(reading_id)
    if rec is None or rec.session.owner_user_id != user_id:
        return None
    return rec


@router.get("/readings", response_model=ReadingList)
async def open_readings(request: Request, user_id: User) -> ReadingList:
    """Your readings waiting to be checked or saved: those sent here, and those sent in chat
    (a review in chat can be finished here)."""
    api = _api(request)
    ids = [rid for rid, state in api.pending.items() if state.user_id == user_id]
    return ReadingList(ids=ids + await api.backend.db.reviews.open_ids_of(user_id))


@router.get("/readings/{reading_id}", response_model=Reading, responses={404: _404})
async def get_reading(request: Request, user_id: User, reading_id: ReadingId) -> Reading:
    """Where a reading is: queued, reading, failed (``error``), ready (its lines) or saved."""
    api, t = _api(request), _t(request)
    state = api.pending.get(reading_id)
    if state is not None and state.user_id == user_id:
        return Reading(
            id=reading_id, status=state.status, error=state.error, language=state.language
        )
    rec = await _open_review(api, user_id, reading_id)
    if rec is not None:
        return _reading_of(rec, t)
    note_id = await api.backend.db.notes.note_for_key(user_id, reading_id)
    if note_id is not None:
        return Reading(id=reading_id, status=ReadingStatus.SAVED, note_id=note_id)
    raise ApiProblem(404, N_("api-not-found"))


@router.get(
    "/readings/{reading_id}/pages/{n}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}, 404: _404},
)
async def get_page(request: Request, user_id: User, reading_id: ReadingId, n: LineNo) -> Response:
    """Page ``n`` (1-based) of the reading as sent (while this instance keeps it)."""
    api = _api(request)
    rec = await _open_review(api, user_id, reading_id)
    images = api.images.get(reading_id)
    if rec is None or images is None or not 1 <= n <= len(images) or not images[n - 1]:
        raise ApiProblem(404, N_("api-not-found"))
    data = images[n - 1]
    media = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return Response(data, media_type=media)


async def _write(api: Api, rec: Record) -> None:
    """The change written (LostRace if another came first) and, for a review of a chat, shown
    there as if made in chat."""
    if rec.card is not None and rec.session.chat_id != API_CHAT and api.chat is not None:
        await api.chat.refresh(rec)
    else:
        await ReviewStore(api.backend.db.reviews).save(rec)


async def _after_change(api: Api, user_id: int, reading_id: str, t: Translator) -> Reading:
    """The reading after a change: still open, or saved (finished in chat's way: the note is
    stored and shown there)."""
    after = await _open_review(api, user_id, reading_id)
    if after is None:
        note_id = await api.backend.db.notes.note_for_key(user_id, reading_id)
        return Reading(id=reading_id, status=ReadingStatus.SAVED, note_id=note_id)
    return _reading_of(after, t)


@router.patch(
    "/readings/{reading_id}/lines/{n}",
    response_model=Reading,
    responses={404: _404, 409: _409},
)
async def change_line(
    request: Request, user_id: User, reading_id: ReadingId, n: LineNo, change: LineChange
) -> Reading:
    """Confirm, replace or drop line ``n`` of the reading at ``revision``; 409 with the reading
    as it is now if it changed since."""
    api, t = _api(request), _t(request)
    rec = await _open_review(api, user_id, reading_id)
    if rec is None:
        raise ApiProblem(404, N_("api-not-found"))
    if change.revision != rec.revision:
        raise ApiProblem(409, N_("api-stale"), current=_reading_of(rec, t).model_dump(mode="json"))
    s = rec.session
    try:
        if change.action == "confirm":
            s.confirm(n - 1)
        elif change.action == "drop":
            s.drop(n - 1)
        else:
            s.replace(n - 1, change.text or "")
    except ReviewError as exc:
        if exc.key == "review-no-such-line":
            raise ApiProblem(404, N_("api-not-found")) from None
        raise ApiProblem(422, exc.key, params=exc.params) from None
    try:
        await _write(api, rec)
    except LostRace:
        now = await _open_review(api, user_id, reading_id)
        current = None if now is None else _reading_of(now, t).model_dump(mode="json")
        raise ApiProblem(409, N_("api-stale"), current=current) from None
    return await _after_change(api, user_id, reading_id, t)


@router.post(
    "/readings/{reading_id}/chat",
    response_model=Reading,
    responses={404: _404, 409: _409},
)
async def show_in_chat(request: Request, user_id: User, reading_id: ReadingId) -> Reading:
    """Show a ready reading in your Telegram chat with the bot as a review card: it can then
    be finished there (or here, or both; one review). 409 where no chat can be reached (the
    API alone, or a user without Telegram)."""
    api, t = _api(request), _t(request)
    rec = await _open_review(api, user_id, reading_id)
    if rec is None:
        raise ApiProblem(404, N_("api-not-found"))
    if api.chat is None or user_id <= 0:
        raise ApiProblem(409, N_("api-no-chat"))
    if rec.session.chat_id == API_CHAT:
        # LostRace: shown meanwhile by another request; it is in chat either way.
        with contextlib.suppress(LostRace):
            await api.chat.show(rec, api.images.get(reading_id))
    return await _after_change(api, user_id, reading_id, t)


@router.post(
    "/readings/{reading_id}/note",
    response_model=NoteSaved,
    status_code=201,
    responses={404: _404, 409: _409},
)
async def save_note(request: Request, user_id: User, reading_id: ReadingId) -> NoteSaved:
    """Save the checked reading as a note (409 while lines are left to check)."""
    api, t = _api(request), _t(request)
    rec = await _open_review(api, user_id, reading_id)
    if rec is None:
        note_id = await api.backend.db.notes.note_for_key(user_id, reading_id)
        if note_id is not None:
            return NoteSaved(note_id=note_id)
        raise ApiProblem(404, N_("api-not-found"))
    s = rec.session
    if not s.is_done:
        current = _reading_of(rec, t).model_dump(mode="json")
        raise ApiProblem(
            409, N_("api-lines-left"), current=current, params={"count": len(s.pending)}
        )
    notes = api.backend.db.notes
    if rec.fix is not None:
        note_id = (await fix.save(notes, s, rec.fix)).note_id
    else:
        note_id = await notes.add_note(
            user_id, text=s.final_text(), language=s.language, engine=s.engine,
            file_ids=list(s.pages), lines=fix.line_records(s), idempotency_key=s.id,
        )  # fmt: skip
    # Closed meanwhile by the same save elsewhere: the note is stored once (its key).
    with contextlib.suppress(LostRace):
        await ReviewStore(api.backend.db.reviews).claim(rec)
    api.images.pop(reading_id, None)
    return NoteSaved(note_id=note_id)


# ----------------------------------------------------------------------------- notes


@router.get("/notes", response_model=NotesPage)
async def list_notes(
    request: Request,
    user_id: User,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=20, pattern=r"^[0-9]+$")] = None,
) -> NotesPage:
    """Your notes, newest first (``q``: those matching the words, best first), a page at a
    time: pass ``next_cursor`` back as ``cursor``."""
    notes = _api(request).backend.db.notes
    offset = int(cursor or 0)
    if q and q.strip():
        hits = await notes.search(user_id, q, limit=offset + NOTES_PAGE + 1)
        chosen = hits[offset : offset + NOTES_PAGE]
        items = [
            NoteItem(id=h.note_id, created_at=h.created_at, preview=h.snippet.text, language="")
            for h in chosen
        ]
        more = len(hits) > offset + NOTES_PAGE
    else:
        summaries, total = await notes.list_notes(user_id, offset, NOTES_PAGE)
        items = [
            NoteItem(id=n.id, created_at=n.created_at, preview=n.preview, language=n.language)
            for n in summaries
        ]
        more = offset + NOTES_PAGE < total
    return NotesPage(items=items, next_cursor=str(offset + NOTES_PAGE) if more else None)


def _note_out(note: Any) -> NoteOut:
    lines = fix.stored_lines(note)
    return NoteOut(
        id=note.id, created_at=note.created_at, updated_at=note.updated_at, text=note.text,
        language=note.language, engine=note.engine, revision=note.revision,
        lines=[
            NoteLine(
                number=k + 1,
                text=str(line.get("text") or ""),
                state=str(line.get("state") or "accepted"),
                page=int(line.get("page") or 0) + 1,
            )
            for k, line in enumerate(lines)
        ],
    )  # fmt: skip


_FORMATS: dict[int | str, dict[str, Any]] = {
    200: {
        "model": NoteOut,
        "content": {"text/markdown": {}, "text/plain": {}, "application/pdf": {}},
    },
    404: _404,
}


@router.get("/notes/{note_id}", response_model=None, responses=_FORMATS)
async def get_note(
    request: Request,
    user_id: User,
    note_id: NoteId,
    format: Annotated[Literal["json", "md", "txt", "pdf"], Query()] = "json",
) -> Response | NoteOut:
    """One note: JSON (its lines too), Markdown, plain text, or a searchable PDF."""
    api = _api(request)
    note = await api.backend.db.notes.get_note(user_id, note_id)
    if note is None:
        raise ApiProblem(404, N_("api-not-found"))
    if format == "json":
        return _note_out(note)
    if format == "pdf":

        async def no_image(file_id: str) -> bytes:
            from bot.errors import DownloadFailed

            raise DownloadFailed(detail="the API keeps no page images")

        got = await gather([note], no_image, max_pixels=api.backend.settings.max_pixels)
        pdf = await asyncio.to_thread(write_pdf, got.pages, title=f"Note {note.id}")
        return Response(pdf, media_type="application/pdf")
    body, _ = export_notes([note], format)
    media = "text/markdown" if format == "md" else "text/plain"
    return Response(body, media_type=f"{media}; charset=utf-8")


@router.patch(
    "/notes/{note_id}/lines/{n}",
    response_model=NoteOut,
    responses={404: _404, 409: _409},
)
async def change_note_line(
    request: Request, user_id: User, note_id: NoteId, n: LineNo, change: NoteLineChange
) -> NoteOut:
    """Fix line ``n`` of a saved note (as chat's "Fix a line"): replace its text or drop it,
    at the note's ``revision`` (409 with the note as it is now if it changed since)."""
    notes = _api(request).backend.db.notes
    note = await notes.get_note(user_id, note_id)
    if note is None:
        raise ApiProblem(404, N_("api-not-found"))
    lines = fix.stored_lines(note)
    if not 1 <= n <= len(lines):
        raise ApiProblem(404, N_("api-not-found"))
    if change.revision != note.revision:
        raise ApiProblem(409, N_("api-stale"), current=_note_out(note).model_dump(mode="json"))
    line = lines[n - 1]
    if change.action == "drop":
        line["state"] = "dropped"
    else:
        text = " ".join((change.text or "").split())
        if not text:
            raise ApiProblem(422, N_("review-empty-replacement"), params={"line": n})
        line["text"], line["state"] = text, "replaced"
    if not await notes.update_note(
        user_id, note_id, text=fix.note_text(lines), lines=lines, expected_revision=note.revision
    ):
        now = await notes.get_note(user_id, note_id)
        current = None if now is None else _note_out(now).model_dump(mode="json")
        raise ApiProblem(409, N_("api-stale"), current=current)
    saved = await notes.get_note(user_id, note_id)
    assert saved is not None
    return _note_out(saved)


@router.delete("/notes/{note_id}", status_code=204, response_class=Response, responses={404: _404})
async def delete_note(request: Request, user_id: User, note_id: NoteId) -> Response:
    if not await _api(request).backend.db.notes.delete_note(user_id, note_id):
        raise ApiProblem(404, N_("api-not-found"))
    return Response(status_code=204)


# ----------------------------------------------------------------------------- Mini App


@router.post("/sessions", response_model=Session, responses={401: _401})
async def start_session(request: Request, body: InitData) -> Session:
    """A short-lived session for a Telegram Mini App: send ``Telegram.WebApp.initData``
    (signed by Telegram for this bot, at most an hour old); use the token as a Bearer token."""
    api = _api(request)
    user_id = auth.user_of_init_data(body.init_data, api.bot_token)
    if user_id is None:
        raise ApiProblem(401, N_("api-unauthorized"))
    token = auth.new_session(user_id, api.bot_token)
    return Session(token=token, expires_in=auth.SESSION_SECONDS, user_id=user_id)
