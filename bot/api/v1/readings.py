"""A reading under review: its state and lines, its page images, a line confirmed, replaced or
dropped (at a revision), shown in chat, saved as a note."""

from __future__ import annotations

import contextlib
import logging

from fastapi import APIRouter, Request, Response

from bot.api.models import (
    LineChange,
    LineOut,
    NoteSaved,
    Reading,
    ReadingList,
    ReadingStatus,
)
from bot.api.problems import ApiProblem
from bot.api.v1.calls import (
    API_CHAT,
    CHANGE_REFUSED,
    NOT_FOUND,
    Api,
    LineNo,
    ReadingId,
    User,
    api_of,
    translator_of,
)
from bot.i18n import Translator
from bot.message_keys import N_
from bot.review import fix
from bot.review.render import confidence_words
from bot.review.session import ReviewError, ReviewSession
from bot.review.store import LostRace, Record, ReviewStore
from bot.review.taught import learn, taught

log = logging.getLogger(__name__)


router = APIRouter()


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
    api = api_of(request)
    ids = await api.backend.shared.readings.of_user(user_id)
    return ReadingList(ids=ids + await api.backend.db.reviews.open_ids_of(user_id))


@router.get("/readings/{reading_id}", response_model=Reading, responses={404: NOT_FOUND})
async def get_reading(request: Request, user_id: User, reading_id: ReadingId) -> Reading:
    """Where a reading is: queued, reading, failed (``error``), ready (its lines) or saved."""
    api, t = api_of(request), translator_of(request)
    shared = api.backend.shared
    state = await shared.readings.get(reading_id)
    if state is not None and state.user_id == user_id:
        status, error = ReadingStatus(state.status), state.error
        if status is not ReadingStatus.FAILED and not await shared.inflight.alive(state.instance):
            # The instance that took it stopped beating before it was read: nobody will.
            status, error = ReadingStatus.FAILED, t("api-reading-lost")
        return Reading(id=reading_id, status=status, error=error, language=state.language)
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
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}, 404: NOT_FOUND},
)
async def get_page(request: Request, user_id: User, reading_id: ReadingId, n: LineNo) -> Response:
    """Page ``n`` (1-based) of the reading as sent (until its note is saved), or of a review
    started in chat (the Mini App opened from its card: the photos chat has)."""
    api = api_of(request)
    data = await api.backend.db.pages.page(reading_id, user_id, n)
    if data is None and api.chat is not None:
        rec = await _open_review(api, user_id, reading_id)
        if rec is not None and rec.session.chat_id != API_CHAT:
            images = await api.chat.pages(rec)
            data = images[n - 1] if 1 <= n <= len(images) and images[n - 1] else None
    if data is None:
        raise ApiProblem(404, N_("api-not-found"))
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


@router.patch("/readings/{reading_id}/lines/{n}", response_model=Reading, responses=CHANGE_REFUSED)
async def change_line(
    request: Request, user_id: User, reading_id: ReadingId, n: LineNo, change: LineChange
) -> Reading:
    """Confirm, replace or drop line ``n`` of the reading at ``revision``; 409 with the reading
    as it is now if it changed since."""
    api, t = api_of(request), translator_of(request)
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
    responses=CHANGE_REFUSED,
)
async def show_in_chat(request: Request, user_id: User, reading_id: ReadingId) -> Reading:
    """Show a ready reading in your Telegram chat with the bot as a review card: it can then
    be finished there (or here, or both; one review). 409 where no chat can be reached (the
    API alone, or a user without Telegram)."""
    api, t = api_of(request), translator_of(request)
    rec = await _open_review(api, user_id, reading_id)
    if rec is None:
        raise ApiProblem(404, N_("api-not-found"))
    if api.chat is None or user_id <= 0:
        raise ApiProblem(409, N_("api-no-chat"))
    if rec.session.chat_id == API_CHAT:
        # LostRace: shown meanwhile by another request; it is in chat either way.
        with contextlib.suppress(LostRace):
            await api.chat.show(rec, await api.backend.db.pages.all(reading_id))
    return await _after_change(api, user_id, reading_id, t)


@router.post(
    "/readings/{reading_id}/note",
    response_model=NoteSaved,
    status_code=201,
    responses=CHANGE_REFUSED,
)
async def save_note(request: Request, user_id: User, reading_id: ReadingId) -> NoteSaved:
    """Save the checked reading as a note (409 while lines are left to check)."""
    api, t = api_of(request), translator_of(request)
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
        await learn(api.backend.db.words, user_id, taught(s))  # issue 18: as in chat
    await api.backend.db.pages.drop(reading_id)
    return NoteSaved(note_id=note_id)
