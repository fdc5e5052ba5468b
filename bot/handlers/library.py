"""The notes library: /notes (paged), opening and deleting a note, /search, /export, /forget."""

from __future__ import annotations

import html
import io
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.documents.refs import files
from bot.handlers.fixing import open_fix
from bot.handlers.services import asker_of, services
from bot.i18n import Translator
from bot.review.callbacks import CallbackDataError, NoteAction, NoteVerb, pack, unpack
from bot.review.split import split_message
from bot.storage import Snippet
from bot.storage.notes import Note

log = logging.getLogger(__name__)

PAGE_SIZE = 5
EXPORT_FORMATS = {"md", "json", "txt", "pdf"}


def _button(text: str, action: NoteAction) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=pack(action))


async def _notes_page(
    user_id: int, context: ContextTypes.DEFAULT_TYPE, t: Translator, offset: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    notes, total = await services(context).db.notes.list_notes(user_id, offset, PAGE_SIZE)
    if total == 0:
        return t("notes-none"), None
    if not notes:
        # ▶ on a list whose last page was deleted meanwhile: show the last page that exists.
        offset = max(0, (total - 1) // PAGE_SIZE * PAGE_SIZE)
        notes, total = await services(context).db.notes.list_notes(user_id, offset, PAGE_SIZE)
    heading = t.plural("notes-heading", total, first=offset + 1, last=offset + len(notes))
    lines = [f"<b>{html.escape(heading)}</b>"]
    rows = []
    for n in notes:
        when = n.created_at.strftime("%Y-%m-%d %H:%M")
        lines.append(f"• {when} — {html.escape(n.preview)}")
        rows.append([_button(f"📄 {when} {n.preview[:30]}", NoteAction.open(n.id))])
    nav = []
    if offset > 0:
        nav.append(_button("◀", NoteAction.page(max(0, offset - PAGE_SIZE))))
    if offset + PAGE_SIZE < total:
        nav.append(_button("▶", NoteAction.page(offset + PAGE_SIZE)))
    if nav:
        rows.append(nav)
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _send_original(context: ContextTypes.DEFAULT_TYPE, chat_id: int, file_id: str) -> None:
    """Send a stored page again. An image the user sent as a file has a document file_id,
    which sendPhoto refuses ("type of file mismatch"): then it goes back as a document. The
    note's text is worth more than its picture, so a picture that fails is only logged."""
    try:
        await context.bot.send_photo(chat_id, file_id)
        return
    except BadRequest:
        pass
    try:
        await context.bot.send_document(chat_id, file_id)
    except TelegramError as exc:
        log.info("could not resend page %s of a note: %r", file_id, exc)


async def on_notes(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The user sees their latest notes, paged with ◀ ▶, each openable."""
    msg, user = update.effective_message, update.effective_user
    assert msg and user
    t = (await asker_of(update, context)).t
    text, markup = await _notes_page(user.id, context, t, 0)
    await msg.reply_html(text, reply_markup=markup)


def snippet_html(snippet: Snippet) -> str:
    """A search hit's excerpt as Telegram HTML: the matches in bold, everything escaped."""
    out, pos = [], 0
    for start, end in snippet.matches:
        out.append(html.escape(snippet.text[pos:start], quote=False))
        out.append("<b>" + html.escape(snippet.text[start:end], quote=False) + "</b>")
        pos = end
    out.append(html.escape(snippet.text[pos:], quote=False))
    return "".join(out)


async def on_search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/search words` lists matching notes, best first, with the match in bold."""
    msg, user = update.effective_message, update.effective_user
    assert msg and user
    t = (await asker_of(update, context)).t
    query = " ".join(context.args or []).strip()
    if not query:
        await msg.reply_text(t("search-usage"))
        return
    hits = await services(context).db.notes.search(user.id, query, limit=10)
    if not hits:
        await msg.reply_text(t("search-none", query=query))
        return
    found = t.plural("search-found", len(hits), query=query)
    lines = [f"<b>{html.escape(found)}</b>"]
    rows = []
    for hit in hits:
        when = hit.created_at.strftime("%Y-%m-%d")
        lines.append(f"• {when}: {snippet_html(hit.snippet)}")
        label = t("button-open-note", date=when, id=hit.note_id)
        rows.append([_button(label, NoteAction.open(hit.note_id))])
    # split_message never cuts inside a tag or entity (a very long query could overflow).
    text = split_message("\n".join(lines))[0]
    await msg.reply_html(text, reply_markup=InlineKeyboardMarkup(rows))


async def on_export(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/export [md|json|txt|pdf]` sends all the user's notes as one file (pdf: the photos
    with the text searchable under them)."""
    from bot.handlers.searchable import send_pdf
    from bot.storage.export import export_notes

    msg, user = update.effective_message, update.effective_user
    assert msg and user
    t = (await asker_of(update, context)).t
    fmt = (context.args[0].lower() if context.args else "md").lstrip(".")
    if fmt not in EXPORT_FORMATS:
        await msg.reply_text(t("export-usage"))
        return
    notes = await services(context).db.notes.get_notes(user.id)
    if not notes:
        await msg.reply_text(t("export-none"))
        return
    if fmt == "pdf":
        await send_pdf(context, t, msg.chat_id, notes)
        return
    headings = {"notes": t("export-title"), "note": t("export-note")}
    data, filename = export_notes(notes, fmt, headings=headings)  # type: ignore[arg-type]
    await msg.reply_document(
        InputFile(io.BytesIO(data), filename=filename),
        caption=t.plural("export-caption", len(notes)),
    )


async def on_forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/forget` asks once, then deletes every note and setting of this user, or only the
    words learned from their corrections; `/forget words` forgets those at once."""
    msg, user = update.effective_message, update.effective_user
    assert msg and user
    t = (await asker_of(update, context)).t
    if [a.lower() for a in context.args or []] == ["words"]:
        await msg.reply_text(await _forget_words(context, t, user.id))
        return
    await msg.reply_text(
        "\n\n".join((t("forget-ask"), t("forget-ask-words"))),
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    _button(t("button-forget-yes"), NoteAction.forget_yes()),
                    _button(t("button-forget-no"), NoteAction.forget_no()),
                ],
                [_button(t("button-forget-words"), NoteAction.forget_words())],
            ]
        ),
    )


async def _forget_words(context: ContextTypes.DEFAULT_TYPE, t: Translator, user_id: int) -> str:
    """Empty the user's vocabulary (issue 18); what to tell them."""
    forgotten = await services(context).db.words.forget(user_id)
    if not forgotten:
        return t("forget-words-none")
    return t.plural("forget-words-done", forgotten)


async def on_library_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """◀ ▶ page, open a note (text + original photo), fix a line of it, delete it, confirm
    /forget."""
    query, user = update.callback_query, update.effective_user
    assert query and user
    who = await asker_of(update, context)
    t = who.t
    try:
        action = unpack(query.data or "")
    except CallbackDataError:
        await query.answer(t("button-expired"))
        return
    if not isinstance(action, NoteAction):
        await query.answer(t("button-expired"))
        return
    await query.answer()
    db = services(context).db
    verb, number = action.verb, action.number or 0
    chat_id = query.message.chat.id if query.message else user.id
    if verb is NoteVerb.PAGE:
        text, markup = await _notes_page(user.id, context, t, number)
        await query.edit_message_text(text, parse_mode="HTML", reply_markup=markup)
    elif verb in (NoteVerb.OPEN, NoteVerb.PDF):
        # Every lookup is by (user, note): another user's id finds nothing.
        note = await db.notes.get_note(user.id, number)
        if note is None:
            await context.bot.send_message(chat_id, t("note-gone"))
        elif verb is NoteVerb.OPEN:
            await _show_note(context, t, chat_id, note)
        else:
            from bot.handlers.searchable import send_pdf

            await send_pdf(context, t, chat_id, [note])
    elif verb is NoteVerb.FIX:
        message_id = query.message.message_id if query.message else 0
        await open_fix(context, who, chat_id, number, message_id)
    elif verb is NoteVerb.DELETE:
        deleted = await db.notes.delete_note(user.id, number)
        await query.edit_message_text(t("note-deleted") if deleted else t("note-gone"))
    elif verb is NoteVerb.FORGET_YES:
        await db.notes.forget_user(user.id)
        await query.edit_message_text(t("forget-done"))
    elif verb is NoteVerb.FORGET_NO:
        await query.edit_message_text(t("forget-kept"))
    elif verb is NoteVerb.FORGET_WORDS:
        await query.edit_message_text(await _forget_words(context, t, user.id))


async def _show_note(
    context: ContextTypes.DEFAULT_TYPE, t: Translator, chat_id: int, note: Note
) -> None:
    """A note opened from /notes: its photos, its text, and Fix a line / PDF / Delete."""
    # A PDF's pages share one file: it is sent once.
    for file_id in files(note.file_ids)[:10]:
        await _send_original(context, chat_id, file_id)
    heading = t("note-of", date=f"{note.created_at:%Y-%m-%d %H:%M}")
    body = f"<b>{html.escape(heading)}</b>\n{html.escape(note.text)}"
    # A long note is split (HTML-safe) rather than cut; the Delete button goes last.
    chunks = split_message(body)
    for n, chunk in enumerate(chunks, start=1):
        last = n == len(chunks)
        await context.bot.send_message(
            chat_id,
            chunk,
            parse_mode="HTML",
            reply_markup=InlineKeyboardMarkup(
                [
                    [_button(t("button-fix"), NoteAction.fix(note.id))],
                    [
                        _button(t("button-pdf"), NoteAction.pdf(note.id)),
                        _button(t("button-delete-note"), NoteAction.delete(note.id)),
                    ],
                ]
            )
            if last
            else None,
        )
