"""Saved notes (list and search, export, fix a line, delete) and Mini App sessions."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from bot.api import auth
from bot.api.models import (
    InitData,
    NoteItem,
    NoteLine,
    NoteLineChange,
    NoteOut,
    NotesPage,
    Session,
)
from bot.api.problems import ApiProblem
from bot.api.v1.calls import (
    CHANGE_REFUSED,
    NOT_FOUND,
    NOTES_PAGE,
    UNAUTHORIZED,
    LineNo,
    NoteId,
    User,
    api_of,
)
from bot.export.pages import gather
from bot.export.pdf import write_pdf
from bot.message_keys import N_
from bot.review import fix
from bot.review.taught import learn, typed
from bot.storage.export import export_notes

log = logging.getLogger(__name__)


router = APIRouter()


@router.get("/notes", response_model=NotesPage)
async def list_notes(
    request: Request,
    user_id: User,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=20, pattern=r"^[0-9]+$")] = None,
) -> NotesPage:
    """Your notes, newest first (``q``: those matching the words, best first), a page at a
    time: pass ``next_cursor`` back as ``cursor``."""
    notes = api_of(request).backend.db.notes
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
    404: NOT_FOUND,
}


@router.get("/notes/{note_id}", response_model=None, responses=_FORMATS)
async def get_note(
    request: Request,
    user_id: User,
    note_id: NoteId,
    format: Annotated[Literal["json", "md", "txt", "pdf"], Query()] = "json",
) -> Response | NoteOut:
    """One note: JSON (its lines too), Markdown, plain text, or a searchable PDF."""
    api = api_of(request)
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


@router.patch("/notes/{note_id}/lines/{n}", response_model=NoteOut, responses=CHANGE_REFUSED)
async def change_note_line(
    request: Request, user_id: User, note_id: NoteId, n: LineNo, change: NoteLineChange
) -> NoteOut:
    """Fix line ``n`` of a saved note (as chat's "Fix a line"): replace its text or drop it,
    at the note's ``revision`` (409 with the note as it is now if it changed since)."""
    notes = api_of(request).backend.db.notes
    note = await notes.get_note(user_id, note_id)
    if note is None:
        raise ApiProblem(404, N_("api-not-found"))
    lines = fix.stored_lines(note)
    if not 1 <= n <= len(lines):
        raise ApiProblem(404, N_("api-not-found"))
    if change.revision != note.revision:
        raise ApiProblem(409, N_("api-stale"), current=_note_out(note).model_dump(mode="json"))
    line = lines[n - 1]
    teaches: dict[str, int] = {}
    if change.action == "drop":
        line["state"] = "dropped"
    else:
        text = " ".join((change.text or "").split())
        if not text:
            raise ApiProblem(422, N_("review-empty-replacement"), params={"line": n})
        line["text"], line["state"] = text, "replaced"
        teaches = typed(text)
    if not await notes.update_note(
        user_id, note_id, text=fix.note_text(lines), lines=lines, expected_revision=note.revision
    ):
        now = await notes.get_note(user_id, note_id)
        current = None if now is None else _note_out(now).model_dump(mode="json")
        raise ApiProblem(409, N_("api-stale"), current=current)
    await learn(api_of(request).backend.db.words, user_id, teaches)  # issue 18, as in chat
    saved = await notes.get_note(user_id, note_id)
    assert saved is not None
    return _note_out(saved)


@router.delete(
    "/notes/{note_id}", status_code=204, response_class=Response, responses={404: NOT_FOUND}
)
async def delete_note(request: Request, user_id: User, note_id: NoteId) -> Response:
    if not await api_of(request).backend.db.notes.delete_note(user_id, note_id):
        raise ApiProblem(404, N_("api-not-found"))
    return Response(status_code=204)


# ----------------------------------------------------------------------------- Mini App


@router.post("/sessions", response_model=Session, responses={401: UNAUTHORIZED})
async def start_session(request: Request, body: InitData) -> Session:
    """A short-lived session for a Telegram Mini App: send ``Telegram.WebApp.initData``
    (signed by Telegram for this bot, at most an hour old); use the token as a Bearer token."""
    api = api_of(request)
    user_id = auth.user_of_init_data(body.init_data, api.bot_token)
    if user_id is None:
        raise ApiProblem(401, N_("api-unauthorized"))
    token = auth.new_session(user_id, api.bot_token)
    return Session(token=token, expires_in=auth.SESSION_SECONDS, user_id=user_id)
