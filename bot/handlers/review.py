"""The review conversation: taps on the review card, typed replacements, closer photos of a
line, reading the photo again in another language, and /cancel."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

from telegram import CallbackQuery, Update
from telegram.ext import ContextTypes

from bot.errors import BotError, PhotoRefused
from bot.handlers import card, pictures
from bot.handlers import telegram_io as io
from bot.handlers.services import Asker, asker_of, services, translator_of
from bot.i18n import Translator
from bot.review import callbacks
from bot.review.callbacks import ReviewVerb
from bot.review.render import MessageSpec
from bot.review.session import LineState, ReviewError
from bot.review.store import LostRace, Record
from bot.shared import LostPhoto

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")
ChatHandler = Callable[Concatenate[Update, ContextTypes.DEFAULT_TYPE, P], Coroutine[Any, Any, R]]


# A change that lost its race to another instance is made again on the review as it now is;
# more losses in a row than this means something else is wrong.
RETRIES = 3


def _per_chat(handler: ChatHandler[P, R]) -> ChatHandler[P, R]:
    """Run an update handler under its chat's review lock (one change at a time in this
    process), and again from the start when another instance changed the review first."""

    @functools.wraps(handler)
    async def locked(
        update: Update, context: ContextTypes.DEFAULT_TYPE, /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        assert update.effective_chat
        for attempt in range(RETRIES):
            try:
                async with card.chat_lock(context, update.effective_chat.id):
                    return await handler(update, context, *args, **kwargs)
            except LostRace:
                log.info("review changed elsewhere meanwhile (try %d)", attempt + 1)
        raise RuntimeError(f"review kept changing under {handler.__name__}")

    return locked


@_per_chat
async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Confirm / Retype / Drop / Confirm all the rest: the card moves on to the next line."""
    query = update.callback_query
    assert query and update.effective_user
    who = await asker_of(update, context)
    t = who.t
    try:
        action = callbacks.unpack(query.data or "")
    except callbacks.CallbackDataError:
        await query.answer(t("button-expired"))
        return
    if isinstance(action, callbacks.ReadAgain):
        await _read_again(update, context, who, action)
        return
    if not isinstance(action, callbacks.ReviewAction):
        await query.answer(t("button-expired"))
        return
    rec = await _owned(context, query, who, action.session_id)
    if rec is None:
        return
    s = rec.session
    if s.is_stale(action.line, action.revision):
        await query.answer(t("button-stale"))
        return
    # What the tap's answer says is worked out before the change ("Kept the 3 other lines").
    note = _answer(t, action.verb, len(s.confirmable))
    try:
        s.apply(action)
    except ReviewError as exc:
        await query.answer(t.error(exc))
        return
    try:
        await card.refresh(context, t, rec, committed=lambda: query.answer(note or None))
    except LostRace:
        # The same tap at another instance (or another button of this card) was written
        # first: its effect is the one the user sees, this one has none.
        await query.answer(t("answer-already-done"))


async def _owned(
    context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery, who: Asker, session_id: str
) -> Record | None:
    """The review a button belongs to, if it is still open and the one tapping owns it (else
    the tap is answered with why not)."""
    rec = await card.store(context).load(session_id)
    if rec is None:
        await query.answer(who.t("button-expired"))
    elif who.user_id != rec.session.owner_user_id:
        await query.answer(who.t("review-not-yours"), show_alert=True)
        return None
    return rec


def _answer(t: Translator, verb: ReviewVerb, confirmable: int) -> str:
    """The short answer to a tap on the card (none for Retype: the card itself asks)."""
    if verb is ReviewVerb.CONFIRM:
        return t("answer-kept")
    if verb is ReviewVerb.DROP:
        return t("answer-dropped")
    if verb is ReviewVerb.CONFIRM_ALL:
        return t.plural("answer-kept-all", confirmable)
    if verb is ReviewVerb.CANCEL_RESEND:
        return t("answer-kept-as-was")
    return ""


async def _read_again(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    who: Asker,
    action: callbacks.ReadAgain,
) -> None:
    """The same photo(s), read again in another language: the summary shows the progress and
    then the new reading, the card moves to its first line. The earlier reading is dropped."""
    query = update.callback_query
    assert query
    t = who.t
    rec = await _owned(context, query, who, action.session_id)
    if rec is None:
        return
    s = rec.session
    bot = context.bot
    # The earlier reading is closed first: of two taps, one reads again.
    try:
        await card.store(context).claim(rec)
    except LostRace:
        await query.answer(t("answer-already-done"))
        return
    await query.answer()
    language = t.language_name(action.language)
    await io.say(
        bot, s.chat_id, MessageSpec(t("status-reading-again", language=language)), rec.summary
    )
    if rec.card is not None:
        await io.edit_caption(bot, s.chat_id, rec.card, MessageSpec(t("card-reading-again")))
    # Read outside the chat's lock (start_review takes it itself), like a photo.
    context.application.create_task(
        _read_again_in(context, t, rec, action.language), update=update
    )


async def _read_again_in(
    context: ContextTypes.DEFAULT_TYPE, t: Translator, rec: Record, language: str
) -> None:
    s, reader = rec.session, services(context).reader
    bot = context.bot
    try:
        async with reader.admit(s.owner_user_id, LostPhoto(s.chat_id, None, t.language)) as job:
            try:
                images = await pictures.photos_of(context, s)
                note = await job.read_images(list(s.pages), images, language)
            except BotError as exc:
                await io.say(bot, s.chat_id, MessageSpec("⚠️ " + t.error(exc)), rec.summary)
                job.told()
                return
            await card.start_review(
                context,
                t,
                s.chat_id,
                s.owner_user_id,
                note,
                threshold=s.threshold,
                status=rec.summary,
                card=rec.card,
            )
    except PhotoRefused as exc:
        await io.say(bot, s.chat_id, MessageSpec("⚠️ " + t.error(exc)), rec.summary)


async def on_expired_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Buttons whose data we no longer know answer with a short notice."""
    assert update.callback_query
    await update.callback_query.answer(translator_of(update, context)("button-expired"))


@_per_chat
async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Text sent while a review card is open becomes the line the card shows (typed after
    Retype, or pasted from Edit and fixed); otherwise the user gets a hint."""
    msg, chat = update.effective_message, update.effective_chat
    assert msg and chat
    who = await asker_of(update, context)
    t = who.t
    rec = await card.store(context).open_for(who.user_id, chat.id)
    i = None if rec is None else rec.session.current_line
    if rec is None or i is None:
        await msg.reply_text(t("hint-send-photo"))
        return
    try:
        changed = rec.session.replace(i, msg.text or "")
    except ReviewError as exc:
        await card.refresh(context, t, rec, notice=t.error(exc))
        return
    number = rec.session.number(i)
    if changed and rec.session.line(i).state is LineState.CONFIRMED:
        notice = t("notice-kept", line=number)  # sent back as it was read
    else:
        notice = t("notice-replaced", line=number)
    await card.refresh(context, t, rec, notice=notice)


@_per_chat
async def take_replacement_photo(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    who: Asker,
    file_id: str,
    *,
    prefetched: asyncio.Future[list[bytes]] | None = None,
) -> bool:
    """A photo sent while the card waits for a line's new text is read and offered back as
    that line. ``prefetched``: its download, already on its way (not waited for if it is no
    replacement)."""
    chat = update.effective_chat
    assert chat
    t = who.t
    rec = await card.store(context).open_for(who.user_id, chat.id)
    if rec is None or rec.session.awaiting_resend is None:
        return False
    i = rec.session.awaiting_resend
    reader = services(context).reader
    download = prefetched or functools.partial(io.download_all, context.bot)
    try:
        async with reader.admit(who.user_id, LostPhoto(chat.id, None, t.language)) as job:
            try:
                note = await job.read([file_id], download, rec.session.language)
            except BotError as exc:
                await card.refresh(context, t, rec, notice=t.error(exc))
                job.told()
                return True
    except PhotoRefused as exc:
        await card.refresh(context, t, rec, notice=t.error(exc))
        return True
    text = " ".join(ln.text for page in note.pages for ln in page.lines if ln.text.strip())
    if not text:
        await card.refresh(context, t, rec, notice=t("notice-photo-unreadable"))
        return True
    # Offered back for confirmation: the line now holds the new reading, still to be checked.
    rec.session.offer(i, text)
    await card.refresh(context, t, rec, notice=t("notice-read-again", line=rec.session.number(i)))
    return True


@_per_chat
async def on_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/cancel drops the open review; its card and summary keep no buttons."""
    msg, chat = update.effective_message, update.effective_chat
    assert msg and chat
    who = await asker_of(update, context)
    t = who.t
    rec = await card.store(context).open_for(who.user_id, chat.id)
    if rec is None:
        await msg.reply_text(t("cancel-nothing"))
        return
    await card.close(context, t, rec, t("card-cancelled"))
    await msg.reply_text(t("cancel-done"))
