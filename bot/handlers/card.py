"""A review's messages: the summary, the review card (one line to check at a time, edited in
place from line to line) and the final note; how they start, move on, and end.

One photo (or album) is at most three messages: the status that becomes the summary, the card,
and the final note (plus its .txt when the note is too long for one message). Every message
whose question is answered loses its buttons: the card ends as a tally, the summary loses its
"read again" buttons when the note is done.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from urllib.parse import urlencode

from telegram.error import TelegramError
from telegram.ext import Application, CallbackContext, ContextTypes

from bot.errors import BotError
from bot.handlers import telegram_io as io
from bot.handlers.pictures import crop, photos_of
from bot.handlers.services import services
from bot.i18n import Translator, alternatives_for
from bot.reading import ReadNote
from bot.review import fix, render
from bot.review.callbacks import NoteAction, pack
from bot.review.render import ButtonSpec, MessageSpec, render_fix_done
from bot.review.session import ReviewSession
from bot.review.store import Record, ReviewStore
from bot.review.taught import learn, taught

log = logging.getLogger(__name__)


@asynccontextmanager
async def chat_lock(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> AsyncIterator[None]:
    """Changes to a chat's review happen one at a time: updates are handled concurrently, and a
    tap that arrives while the review is still being sent must see it saved."""
    locks: dict[int, asyncio.Lock] = context.bot_data.setdefault("review_locks", {})
    lock = locks.setdefault(chat_id, asyncio.Lock())
    async with lock:
        yield


def store(context: ContextTypes.DEFAULT_TYPE) -> ReviewStore:
    """The open reviews, as stored (PostgreSQL or SQLite)."""
    return ReviewStore(services(context).db.reviews)


def page_url(context: ContextTypes.DEFAULT_TYPE, s: ReviewSession) -> str | None:
    """The whole-page review page of ``s`` for its card's 📝 button: only in a private chat
    (Telegram refuses web_app buttons elsewhere) and when the bot has an HTTPS address."""
    base = services(context).settings.page_url
    if base is None or s.chat_id <= 0:
        return None
    return f"{base}?{urlencode({'reading': s.id})}"


def read_again_choices(
    context: ContextTypes.DEFAULT_TYPE, t: Translator, language: str
) -> list[str]:
    svc = services(context)
    return alternatives_for(
        language, t.language, svc.settings.default_language, svc.recognizer.available_languages()
    )


async def start_review(
    context: ContextTypes.DEFAULT_TYPE,
    t: Translator,
    chat_id: int,
    user_id: int,
    note: ReadNote,
    *,
    threshold: int,
    status: int,
    card: int | None = None,
) -> None:
    """Show what was read (``note``): ``status`` (the photo's progress message) becomes the
    summary; with lines to check, the review card follows (or ``card``, the card of the
    reading this one replaces, is edited to show it); with none, the final note. (Pages taken
    from a PDF's text layer have no image: no crop is ever made of them.)

    The status stays the reply to the photo and costs no extra round trip. With nothing to
    check, the final note does not wait for that edit (see below)."""
    bot = context.bot
    async with chat_lock(context, chat_id):
        if not any(line.text.strip() or line.box for page in note.pages for line in page.lines):
            await io.say(bot, chat_id, MessageSpec(t("photo-no-text")), status)
            if card is not None:
                await io.edit_caption(bot, chat_id, card, MessageSpec(t("card-replaced")))
            return
        # An earlier open review in this chat keeps working through its own card (nothing
        # confirmed there is lost); typed replacements go to the newest review.
        session = ReviewSession.from_pages(
            note.pages, owner=user_id, chat_id=chat_id, threshold=threshold, file_ids=note.refs
        )
        services(context).keep_photos(session.id, note.images)
        rec = Record(session, status, card)
        if session.is_done:
            await _finish_at_once(context, t, rec)
            return
        # The first line's crop is drawn while the summary is on its way.
        first = session.current_line
        assert first is not None
        cropping = asyncio.ensure_future(crop(context, session, first))
        try:
            # Pages from a PDF's text layer are not read by the engine: nothing to read again.
            choices = read_again_choices(context, t, session.language) if all(note.images) else []
            rec.read_again = bool(choices)
            chunks = render.render_summary(session, t, read_again=choices)
            for n, chunk in enumerate(chunks):
                await io.say(bot, chat_id, chunk, status if n == 0 else None)
            picture = await cropping
        finally:
            if not cropping.done():
                cropping.cancel()  # the thread finishes on its own; nobody waits for it
        spec = render.render_card(session, t, page=page_url(context, session))
        if rec.card is None:
            rec.card = (await io.send_photo(bot, chat_id, picture, spec)).message_id
        else:
            await io.edit_photo(bot, chat_id, rec.card, picture, spec)
        rec.shown = first
        await store(context).save(rec)


async def _finish_at_once(context: ContextTypes.DEFAULT_TYPE, t: Translator, rec: Record) -> None:
    """Nothing to check: the note is stored while the summary goes out, then shown."""
    bot, s = context.bot, rec.session
    storing = asyncio.ensure_future(_store_note(context, s))
    chunks = render.render_summary(s, t)
    # The status turns into the summary while the rest goes out. An edited message keeps its
    # place in the chat, so the order the user reads is the same; the final note just does
    # not wait for the edit's answer.
    editing = asyncio.ensure_future(io.say(bot, s.chat_id, chunks[0], rec.summary))
    try:
        try:
            for chunk in chunks[1:]:
                await io.say(bot, s.chat_id, chunk)
        except BaseException:
            await _take_back(context, s, storing)
            raise
        await finish(context, t, rec, stored=storing, saved=False)
        if rec.card is not None:
            # The card of the reading this one replaced: nothing is left to check on it.
            await io.edit_caption(bot, s.chat_id, rec.card, MessageSpec(t("card-replaced")))
    finally:
        await _edited_alongside(editing)


async def _edited_alongside(editing: asyncio.Future[int]) -> None:
    """The summary edit sent alongside the final note. If Telegram refused it, the user has
    the note anyway (or is told why not); the log gets the details for whoever fixes it."""
    try:
        await editing
    except TelegramError as exc:
        log.error("the status message did not become the summary: %s", exc, exc_info=exc)


async def refresh(
    context: ContextTypes.DEFAULT_TYPE,
    t: Translator,
    rec: Record,
    *,
    notice: str = "",
    committed: Callable[[], Awaitable[object]] | None = None,
) -> None:
    """The card moves on to the line to check now (a new crop only when the line changed), or
    the note is finished when none is left.

    The change is written first (LostRace if another was written since ``rec`` was read); only
    then does anything reach the user, starting with ``committed`` (a tap's answer)."""
    s = rec.session
    if s.is_done:
        await finish(context, t, rec, committed=committed)
        return
    spec = render.render_card(
        s, t, notice=notice, fixing=rec.fix is not None, page=page_url(context, s)
    )
    i = s.current_line
    new_crop = rec.card is not None and i is not None and i != rec.shown
    if new_crop:
        rec.shown = i
    await store(context).save(rec)
    if committed is not None:
        await committed()
    if rec.card is not None:
        if new_crop and i is not None:
            await io.edit_photo(context.bot, s.chat_id, rec.card, await crop(context, s, i), spec)
        else:
            await io.edit_caption(context.bot, s.chat_id, rec.card, spec)


async def _store_note(context: ContextTypes.DEFAULT_TYPE, s: ReviewSession) -> int:
    return await services(context).db.notes.add_note(
        s.owner_user_id,
        text=s.final_text(),
        language=s.language,
        engine=s.engine,
        file_ids=list(s.pages),
        lines=fix.line_records(s),
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
    t: Translator,
    rec: Record,
    *,
    stored: asyncio.Future[int] | None = None,
    saved: bool = True,
    committed: Callable[[], Awaitable[object]] | None = None,
) -> None:
    """Send the final note (and a .txt when long), save it, close the review's buttons.

    ``stored``: the note's storing, already started. ``saved=False``: the review was never
    saved (nothing was left to check), so there is no saved review to delete. Of two instances
    finishing the same review at once, one closes it and the other gets LostRace: the note is
    stored once (its key is the review's id) and shown once."""
    s, bot = rec.session, context.bot
    svc = services(context)
    # Stored before it is shown: a /notes right after the final note must find it.
    fixed = None
    if rec.fix is not None:  # a saved note fixed: written back, merged with any fix since
        fixed = await fix.save(svc.db.notes, s, rec.fix)
        note_id, text = fixed.note_id, fixed.text
    else:
        note_id = await stored if stored is not None else await _store_note(context, s)
        text = s.final_text()
    if saved:
        await store(context).claim(rec)
    # What the user typed teaches their next photos (issue 18).
    await learn(svc.db.words, s.owner_user_id, taught(s))
    if committed is not None:
        await committed()
    if saved:
        # The questions are answered before the note shows: no button outlives them.
        if rec.card is not None:
            done = render.render_card_done(s, t) if fixed is None else render_fix_done(s, t, fixed)
            await io.edit_caption(bot, s.chat_id, rec.card, done)
        if rec.read_again:
            # Reading the photo again would start over a note that is now saved.
            await io.drop_buttons(bot, s.chat_id, rec.summary)
    await io.send_long_text(
        bot,
        s.chat_id,
        render.render_done(s, t, text),
        document=(render.final_filename(s), text, t("note-as-file")),
        # A line found wrong later is fixed from here (or from /notes).
        buttons=[[ButtonSpec(t("button-fix"), pack(NoteAction.fix(note_id)))]],
    )
    svc.photos.pop(s.id, None)


class ChatReviews:
    """The chat side of a review changed through the API (``bot.api.ChatSide``): written and
    shown on its card as if changed in chat, the final note sent there when none is left."""

    def __init__(self, application: Application) -> None:  # type: ignore[type-arg]
        self._app = application

    async def refresh(self, rec: Record) -> None:
        context = CallbackContext(self._app)
        svc = services(context)
        prefs = await svc.db.users.get_settings(rec.session.owner_user_id)
        t = svc.catalogs.get(prefs.interface)
        async with chat_lock(context, rec.session.chat_id):
            await refresh(context, t, rec)

    async def pages(self, rec: Record) -> list[bytes]:
        try:
            return await photos_of(CallbackContext(self._app), rec.session)
        except BotError as exc:  # e.g. Telegram no longer serves a saved note's photo
            log.info("no photos for review %s: %r", rec.session.id, exc)
            return []

    async def show(self, rec: Record, images: list[bytes] | None) -> None:
        """A reading sent through the API shown in its owner's chat (a private chat's id is
        the user's): the summary, then the card; from then on chat and API share it."""
        context = CallbackContext(self._app)
        svc, s = services(context), rec.session
        prefs = await svc.db.users.get_settings(s.owner_user_id)
        t = svc.catalogs.get(prefs.interface)
        s.chat_id = s.owner_user_id
        if images:
            svc.keep_photos(s.id, images)
        async with chat_lock(context, s.chat_id):
            for n, chunk in enumerate(render.render_summary(s, t)):
                sent = await io.say(context.bot, s.chat_id, chunk)
                if n == 0:
                    rec.summary = sent
            i = s.current_line
            if i is None:  # nothing left to check: the note, as in chat
                await finish(context, t, rec)
                return
            picture = await crop(context, s, i)
            spec = render.render_card(s, t, fixing=rec.fix is not None, page=page_url(context, s))
            rec.card = (await io.send_photo(context.bot, s.chat_id, picture, spec)).message_id
            rec.shown = i
            await store(context).save(rec)


async def close(context: ContextTypes.DEFAULT_TYPE, t: Translator, rec: Record, text: str) -> None:
    """The review ends unfinished (/cancel, read again): its card says ``text`` and keeps no
    buttons; the summary keeps none either. LostRace if another change came first."""
    s, bot = rec.session, context.bot
    await store(context).claim(rec)
    if rec.card is not None:
        await io.edit_caption(bot, s.chat_id, rec.card, MessageSpec(text))
    if rec.read_again:
        await io.drop_buttons(bot, s.chat_id, rec.summary)
