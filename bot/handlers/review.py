"""The review conversation: flagged lines with buttons, replacements, the final note."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import logging
import tempfile
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.app import services
from bot.errors import BotError
from bot.ocr.languages import resolve
from bot.ocr.model import Page
from bot.review import callbacks, render
from bot.review.session import ReviewError, ReviewSession

log = logging.getLogger(__name__)

EXPIRED = "This review is finished or out of date."
NOT_YOURS = "Only the person who sent this photo can check its lines."
NO_TEXT = "I found no text in this photo. Try a closer, sharper photo in good light."
NO_PENDING_HINT = (
    "Send me a photo of your notes and I will read it. "
    "To correct a line, tap 🔁 Resend under it first."
)


def _markup(spec: render.MessageSpec) -> InlineKeyboardMarkup | None:
    if not spec.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.text, callback_data=b.callback_data) for b in row]
            for row in spec.buttons
        ]
    )


class _Record:
    """An open review and the ids of the messages that show it (persisted together)."""

    def __init__(self, session: ReviewSession, messages: dict[int, int], controls: int | None):
        self.session = session
        self.messages = messages
        self.controls = controls

    def to_dict(self) -> dict[str, Any]:
        return {
            "session": self.session.to_dict(),
            "messages": {str(k): v for k, v in self.messages.items()},
            "controls": self.controls,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> _Record:
        return cls(
            ReviewSession.from_dict(data["session"]),
            {int(k): int(v) for k, v in data["messages"].items()},
            data.get("controls"),
        )


@asynccontextmanager
async def chat_lock(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> AsyncIterator[None]:
    """Changes to a chat's review happen one at a time: updates are handled concurrently, and a
    tap that arrives while the review is still being sent must see it saved."""
    locks: dict[int, asyncio.Lock] = context.bot_data.setdefault("review_locks", {})
    lock = locks.setdefault(chat_id, asyncio.Lock())
    async with lock:
        yield


P = ParamSpec("P")
R = TypeVar("R")
ChatHandler = Callable[Concatenate[Update, ContextTypes.DEFAULT_TYPE, P], Coroutine[Any, Any, R]]


def _per_chat(handler: ChatHandler[P, R]) -> ChatHandler[P, R]:
    """Run an update handler under its chat's review lock."""

    @functools.wraps(handler)
    async def locked(
        update: Update, context: ContextTypes.DEFAULT_TYPE, /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        assert update.effective_chat
        async with chat_lock(context, update.effective_chat.id):
            return await handler(update, context, *args, **kwargs)

    return locked


async def _save(context: ContextTypes.DEFAULT_TYPE, rec: _Record) -> None:
    s = rec.session
    await services(context).db.reviews.save_review(s.id, s.owner_user_id, s.chat_id, rec.to_dict())


async def _load(context: ContextTypes.DEFAULT_TYPE, session_id: str) -> _Record | None:
    data = await services(context).db.reviews.load_review(session_id)
    return None if data is None else _Record.from_dict(data)


async def _open_for(
    context: ContextTypes.DEFAULT_TYPE, user_id: int, chat_id: int
) -> _Record | None:
    found = await services(context).db.reviews.open_review_for(user_id, chat_id)
    return None if found is None else _Record.from_dict(found[1])


async def start_review(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    user_id: int,
    pages: list[Page],
    file_ids: list[str],
    *,
    threshold: int,
    images: list[bytes],
    status: Message | None = None,
) -> None:
    """Send the accepted text, then each flagged line with its buttons (or the final note).

    ``status`` is the photo's progress message: it is edited into the first message of the
    summary, so it stays the reply to the photo and costs no extra round trip. With nothing
    to check, the final note does not wait for that edit (see below)."""
    async with chat_lock(context, chat_id):
        if not any(line.text.strip() or line.box for page in pages for line in page.lines):
            await _say(context, chat_id, NO_TEXT, status)
            return
        # An earlier open review in this chat keeps working through its own buttons (nothing
        # confirmed there is lost); typed replacements go to the newest review.
        session = ReviewSession.from_pages(
            pages, owner=user_id, chat_id=chat_id, threshold=threshold, file_ids=file_ids
        )
        # While the summary is on its way: a note with nothing to check is stored, or the
        # picture of the lines to check is drawn (CPU work, in a thread, so it never stalls
        # other chats).
        storing: asyncio.Future[int] | None = None
        drawing: asyncio.Future[bytes | None] | None = None
        if session.is_done:
            storing = asyncio.ensure_future(_store_note(context, session))
        else:
            drawing = asyncio.ensure_future(asyncio.to_thread(render_annotated, session, images))
        lang = resolve(pages[0].language).name if pages else ""
        chunks = render.render_summary(session, lang)
        editing: asyncio.Future[None] | None = None
        if storing is not None and status is not None:
            # Nothing to check: the status turns into the summary while the rest goes out. An
            # edited message keeps its place in the chat, so the order the user reads is the
            # same; the final note just does not wait for the edit's answer.
            editing = asyncio.ensure_future(_say(context, chat_id, chunks[0], status, html=True))
            chunks, status = chunks[1:], None
        try:
            try:
                for n, chunk in enumerate(chunks):
                    await _say(context, chat_id, chunk, status if n == 0 else None, html=True)
                if any(p.truncated for p in pages):
                    await context.bot.send_message(
                        chat_id,
                        "⚠️ The OCR engine runs without a license here, so the text may be cut "
                        "short.",
                    )
            except BaseException:
                if storing is not None:
                    await _take_back(context, session, storing)
                raise
            if storing is not None:
                await finish(context, _Record(session, {}, None), stored=storing, saved=False)
                return
            assert drawing is not None
            annotated = await drawing
        finally:
            if drawing is not None and not drawing.done():
                drawing.cancel()  # the thread finishes on its own; nobody waits for it
            if editing is not None:
                await _edited_alongside(editing)
        if annotated is not None:
            await context.bot.send_photo(
                chat_id,
                InputFile(io.BytesIO(annotated), filename="lines.jpg"),
                caption="The lines to check are boxed and numbered.",
            )
        rec = _Record(session, {}, None)
        for i in session.pending:
            spec = render.render_flagged_line(session, i)
            sent = await context.bot.send_message(
                chat_id, spec.text, parse_mode="HTML", reply_markup=_markup(spec)
            )
            rec.messages[i] = sent.message_id
        controls = render.render_controls(session)
        sent = await context.bot.send_message(
            chat_id, controls.text, parse_mode="HTML", reply_markup=_markup(controls)
        )
        rec.controls = sent.message_id
        await _save(context, rec)


async def _say(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    text: str,
    status: Message | None,
    *,
    html: bool = False,
) -> None:
    """``text`` in place of the status message when there is one, else as a new message."""
    parse_mode = "HTML" if html else None
    if status is not None:
        await status.edit_text(text, parse_mode=parse_mode)
    else:
        await context.bot.send_message(chat_id, text, parse_mode=parse_mode)


def render_annotated(session: ReviewSession, images: list[bytes]) -> bytes | None:
    from bot.review.annotate import annotate_pages

    try:
        return annotate_pages(session, images)
    except Exception:  # a picture is a help, never a reason to fail the review
        log.exception("could not draw the annotated picture")
        return None


async def _refresh(context: ContextTypes.DEFAULT_TYPE, rec: _Record, changed: list[int]) -> None:
    """Redraw the messages of changed lines and the controls; finish when nothing is left."""
    s = rec.session
    for i in changed:
        mid = rec.messages.get(i)
        if mid is None:
            continue
        spec = render.render_flagged_line(s, i)
        await _edit(context, s.chat_id, mid, spec)
    if s.is_done:
        await finish(context, rec)
        return
    if rec.controls is not None:
        await _edit(context, s.chat_id, rec.controls, render.render_controls(s))
    await _save(context, rec)


async def _edit(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, message_id: int, spec: render.MessageSpec
) -> None:
    try:
        await context.bot.edit_message_text(
            spec.text,
            chat_id=chat_id,
            message_id=message_id,
            parse_mode="HTML",
            reply_markup=_markup(spec),
        )
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


async def _edited_alongside(editing: asyncio.Future[None]) -> None:
    """The summary edit sent alongside the final note. If Telegram refused it, the user has
    the note anyway (or is told why not); the log gets the details for whoever fixes it."""
    try:
        await editing
    except TelegramError as exc:
        log.error("the status message did not become the summary: %s", exc, exc_info=exc)


async def _store_note(context: ContextTypes.DEFAULT_TYPE, s: ReviewSession) -> int:
    return await services(context).db.notes.add_note(
        s.owner_user_id,
        text=s.final_text(),
        language=s.language,
        engine=s.engine,
        file_ids=list(s.pages),
        lines=[
            {
                "text": ln.text,
                "state": ln.state.value,
                "confidence": ln.confidence,
                # Where the line is: the searchable PDF puts its text there (bot/export).
                "page": ln.page,
                "box": None if ln.box is None else list(ln.box),
            }
            for ln in s.lines
        ],
        idempotency_key=s.id,
    )


async def _take_back(
    context: ContextTypes.DEFAULT_TYPE, s: ReviewSession, storing: asyncio.Future[int]
) -> None:
    """The note was stored while its summary was being sent, and sending failed: the user
    never saw it, and will send the photo again, so the library must not keep this copy."""
    try:
        note_id = await storing
        await services(context).db.notes.delete_note(s.owner_user_id, note_id)
    except Exception:
        log.exception("could not take back note of review %s", s.id)


async def finish(
    context: ContextTypes.DEFAULT_TYPE,
    rec: _Record,
    *,
    stored: asyncio.Future[int] | None = None,
    saved: bool = True,
) -> None:
    """Send the final note (and a .txt when long), save it, close the review's buttons.

    ``stored``: the note's storing, already started. ``saved=False``: the review was never
    saved (nothing was left to check), so there is no saved review to delete."""
    s = rec.session
    svc = services(context)
    # Stored before it is shown: a /notes right after the final note must find it.
    if stored is not None:
        await stored
    else:
        await _store_note(context, s)
    for chunk in render.render_done(s):
        await context.bot.send_message(s.chat_id, chunk, parse_mode="HTML")
    if render.needs_document(s):
        await context.bot.send_document(
            s.chat_id,
            InputFile(
                io.BytesIO(s.final_text().encode("utf-8")), filename=render.final_filename(s)
            ),
            caption="Your note as a text file.",
        )
    if rec.controls is not None:
        done = render.MessageSpec("✅ Done: all lines checked.", [])
        await _edit(context, s.chat_id, rec.controls, done)
    if saved:
        await svc.db.reviews.delete_review(s.id)


@_per_chat
async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Confirm / Resend / Drop / Confirm all: the line message updates, the counter drops."""
    query = update.callback_query
    assert query and update.effective_user
    try:
        action = callbacks.unpack(query.data or "")
    except callbacks.CallbackDataError:
        await query.answer(EXPIRED)
        return
    if not isinstance(action, callbacks.ReviewAction):
        await query.answer(EXPIRED)
        return
    rec = await _load(context, action.session_id)
    if rec is None:
        await query.answer(EXPIRED)
        return
    s = rec.session
    if update.effective_user.id != s.owner_user_id:
        await query.answer(NOT_YOURS, show_alert=True)
        return
    if s.is_stale(action.line, action.revision):
        await query.answer("This button is out of date; use the newest message.")
        return
    verb, line = action.verb, action.line
    try:
        if verb is callbacks.ReviewVerb.CONFIRM and line is not None:
            s.confirm(line)
            changed, note = [line], "Kept as read."
        elif verb is callbacks.ReviewVerb.DROP and line is not None:
            s.drop(line)
            changed, note = [line], "Dropped."
        elif verb is callbacks.ReviewVerb.CONFIRM_ALL:
            changed, note = list(s.pending), "All kept as read."
            s.confirm_all()
        elif verb is callbacks.ReviewVerb.CANCEL_RESEND:
            s.cancel_resend()
            await _save(context, rec)
            await query.answer("Kept the line as it was.")
            return
        elif verb is callbacks.ReviewVerb.RESEND and line is not None:
            s.request_resend(line)
            await _save(context, rec)
            await query.answer()
            prompt = render.render_resend_prompt(s, line)
            await context.bot.send_message(
                s.chat_id, prompt.text, parse_mode="HTML", reply_markup=_markup(prompt)
            )
            return
        else:
            await query.answer(EXPIRED)
            return
    except ReviewError as exc:
        await query.answer(str(exc))
        return
    await query.answer(note)
    await _refresh(context, rec, changed)


async def on_expired_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Buttons whose data we no longer know answer with a short notice."""
    assert update.callback_query
    await update.callback_query.answer(EXPIRED)


@_per_chat
async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Typed text replaces the line waiting for a resend; otherwise the user gets a hint."""
    msg, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert msg and user and chat
    rec = await _open_for(context, user.id, chat.id)
    if rec is None or rec.session.awaiting_resend is None:
        await msg.reply_text(NO_PENDING_HINT)
        return
    i = rec.session.awaiting_resend
    try:
        rec.session.replace(i, msg.text or "")
    except ReviewError as exc:
        await msg.reply_text(str(exc))
        return
    await msg.reply_text(f"Line {i + 1} replaced.")
    await _refresh(context, rec, [i])


@_per_chat
async def take_replacement_photo(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    file_id: str,
    *,
    prefetched: asyncio.Future[list[bytes]] | None = None,
) -> bool:
    """A photo sent while a line awaits its replacement is read and offered back as that line.
    ``prefetched``: its download, already on its way (not waited for if it is no replacement).
    """
    from bot.handlers.commands import current_language
    from bot.handlers.photos import download

    user, chat, msg = update.effective_user, update.effective_chat, update.effective_message
    assert user and chat and msg
    rec = await _open_for(context, user.id, chat.id)
    if rec is None or rec.session.awaiting_resend is None:
        return False
    i = rec.session.awaiting_resend
    svc = services(context)
    try:
        if prefetched is not None:
            [image] = await prefetched
        else:
            with tempfile.TemporaryDirectory(prefix="notes-ocr-") as tmp:
                image = await download(context, file_id, Path(tmp))
        page = await svc.recognizer.recognize(image, await current_language(context, user.id))
    except BotError as exc:
        await msg.reply_text(str(exc))
        return True
    text = " ".join(line.text for line in page.lines if line.text.strip())
    if not text:
        await msg.reply_text("I could not read that photo either. Please type the line instead.")
        return True
    # Offered back for confirmation: the line now holds the new reading, still to be checked.
    rec.session.offer(i, text)
    await msg.reply_text(f"Read line {i + 1} again; confirm it below.")
    await _refresh(context, rec, [i])
    return True


@_per_chat
async def on_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/cancel drops the open review and its buttons."""
    msg, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert msg and user and chat
    rec = await _open_for(context, user.id, chat.id)
    if rec is None:
        await msg.reply_text("There is no open review to cancel.")
        return
    for mid in [*rec.messages.values(), *([rec.controls] if rec.controls else [])]:
        # A message whose keyboard is already gone is fine as it is.
        with contextlib.suppress(BadRequest):
            await context.bot.edit_message_reply_markup(chat.id, mid, reply_markup=None)
    await services(context).db.reviews.delete_review(rec.session.id)
    await msg.reply_text("Review cancelled.")
