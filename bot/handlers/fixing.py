"""✏️ Fix a line of a saved note: the review card over all of the note's lines, from line 1,
with Edit / Confirm / Drop / Done. From there on it is a review like any other (taps and sent
text go through bot/handlers/review.py); finishing it writes the note back (bot/review/fix.py).
"""

from __future__ import annotations

from telegram.ext import ContextTypes

from bot.handlers import card, pictures
from bot.handlers import telegram_io as io
from bot.handlers.services import Asker, services
from bot.review import fix, render
from bot.review.store import Record


async def open_fix(
    context: ContextTypes.DEFAULT_TYPE, who: Asker, chat_id: int, note_id: int, asked_in: int
) -> None:
    """The user tapped ✏️ Fix a line under note ``note_id`` (in message ``asked_in``): the
    review card shows its first line. Every tap opens a fix of its own; saving merges them."""
    t = who.t
    note = await services(context).db.notes.get_note(who.user_id, note_id)
    if note is None:
        await context.bot.send_message(chat_id, t("note-gone"))
        return
    session, origin = fix.start(note, chat_id=chat_id, threshold=who.threshold)
    if not session.lines:
        await context.bot.send_message(chat_id, t("fix-no-lines"))
        return
    async with card.chat_lock(context, chat_id):
        rec = Record(session, asked_in, fix=origin)
        first = session.current_line
        assert first is not None
        picture = await pictures.crop(context, session, first)
        spec = render.render_card(session, t, fixing=True, page=card.page_url(context, session))
        rec.card = (await io.send_photo(context.bot, chat_id, picture, spec)).message_id
        rec.shown = first
        await card.store(context).save(rec)
