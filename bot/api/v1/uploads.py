"""POST /v1/readings: files in (checked for kind and size before any reading), one reading
each, read in the background through the read-photos use-case."""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
from contextlib import AsyncExitStack
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from PIL import Image

from bot.api.models import (
    ReadingRef,
    ReadingsStarted,
    ReadingStatus,
)
from bot.api.problems import ApiProblem, Problem
from bot.api.v1.calls import (
    API_CHAT,
    MAX_FILES,
    Api,
    User,
    api_of,
    translator_of,
)
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
from bot.i18n import chosen_recognition
from bot.message_keys import N_
from bot.review.session import ReviewSession
from bot.review.store import Record, ReviewStore
from bot.shared import LostPhoto
from bot.shared.readings import ReadingState
from bot.storage.users import UserSettings

log = logging.getLogger(__name__)


router = APIRouter()


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


def _language(api: Api, prefs: UserSettings, ui: str, asked: str | None) -> str:
    s = api.backend.settings
    if asked:
        return chosen_recognition(asked, ui, s.default_language)
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
    api, s = api_of(request), api_of(request).backend.settings
    if not files:
        raise ApiProblem(422, N_("api-no-files"))
    if len(files) > MAX_FILES:
        raise ApiProblem(413, N_("api-too-many-files"), params={"limit": MAX_FILES})
    ui = translator_of(request).language
    prefs = await api.backend.db.users.get_settings(user_id)
    lang = _language(api, prefs, ui, language)
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
    readings, instance = api.backend.shared.readings, api.backend.shared.inflight.instance
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
        for reading_id, _ in jobs:
            queued = ReadingState(user_id, ReadingStatus.QUEUED, lang, instance=instance)
            await readings.put(reading_id, queued)
    except ServiceUnavailable:
        await stack.aclose()
        raise ApiProblem(503, N_("error-unavailable"), headers={"Retry-After": "5"}) from None
    except BaseException:
        await stack.aclose()
        raise
    refs = [
        ReadingRef(id=reading_id, filename=name)
        for (reading_id, _), (name, _) in zip(jobs, uploads, strict=True)
    ]
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
    """The files of one request, one after the other, under the one admitted job. A file
    read becomes its page images and its review in the database (pages first: a reading is
    ready when its review is there), then its record in the shared state goes."""
    reader, db = api.backend.reader, api.backend.db
    readings, instance = api.backend.shared.readings, api.backend.shared.inflight.instance
    t = api.backend.catalogs.get(ui)

    async def state(reading_id: str, status: ReadingStatus, error: str | None = None) -> None:
        try:
            await readings.put(
                reading_id, ReadingState(user_id, status, language, error, instance)
            )
        except ServiceUnavailable:
            log.warning("api: the state of reading %s could not be written", reading_id)

    async with stack:
        words = await reader.words_of(user_id)  # once for the request's files
        for reading_id, sources in jobs:
            await state(reading_id, ReadingStatus.READING)
            try:
                note = await reader.recognize(sources, language, words=words)
                if not note.has_text:
                    raise ApiProblem(422, N_("photo-no-text"))
                session = ReviewSession.from_pages(
                    note.pages, owner=user_id, chat_id=API_CHAT, threshold=threshold,
                    file_ids=note.refs,
                )  # fmt: skip
                session.id = reading_id
                await db.pages.put(reading_id, user_id, note.images)
                await ReviewStore(db.reviews).save(Record(session, summary=0))
            except ApiProblem as exc:
                await state(reading_id, ReadingStatus.FAILED, t(exc.key))
            except BotError as exc:
                await state(reading_id, ReadingStatus.FAILED, t.error(exc))
            except Exception:
                log.exception("api: reading %s failed", reading_id)
                await state(reading_id, ReadingStatus.FAILED, t("error-generic"))
            else:
                try:
                    await readings.drop(reading_id)
                except ServiceUnavailable:
                    log.warning("api: reading %s is read but still listed as not", reading_id)
