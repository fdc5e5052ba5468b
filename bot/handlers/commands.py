"""Commands about the bot itself: /start, /help, /language, /strictness, and access control."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.app import services
from bot.errors import LanguageUnavailable
from bot.ocr.languages import resolve
from bot.review.strictness import describe_strictness, parse_strictness

START_TEXT = (
    "📷 Send me a photo of your notes, handwritten or printed.\n"
    "✅ I reply with the text I am sure of and show each line I am not sure of.\n"
    "✍️ Confirm those lines or resend them, and I give you the final note."
)

HELP_TEXT = (
    "<b>How it works</b>\n"
    "Send a photo, the image as a file for full quality (JPEG, PNG, HEIC from an iPhone, "
    "TIFF), an album of pages, or a PDF: each becomes one note. Files up to {max_mb} MB, "
    "a PDF up to {max_pages} pages (pages with text are taken as they are). "
    "Lines I am unsure of come with buttons: <b>✅ Confirm</b> keeps the line as read, "
    "<b>🔁 Resend</b> lets you type it or send a closer photo of it, "
    "<b>🗑 Drop</b> removes something that is not text.\n\n"
    "/language — recognition language (e.g. <code>/language vi</code>)\n"
    "/strictness — lenient, normal, strict or a number 0-100\n"
    "/cancel — drop the open review\n"
    "/notes, /search words, /export [md|json|txt|pdf], /forget — your saved notes "
    "(pdf: your photos with the text searchable under them)"
)

LANG_PREFIX = "l1:"


async def gatekeeper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Users outside ALLOWED_USER_IDS / ALLOWED_CHAT_IDS get one polite refusal."""
    settings = services(context).settings
    user, chat = update.effective_user, update.effective_chat
    user_ok = not settings.allowed_user_ids or (user and user.id in settings.allowed_user_ids)
    chat_ok = not settings.allowed_chat_ids or (chat and chat.id in settings.allowed_chat_ids)
    if user_ok and chat_ok:
        return
    refused: set[int] = context.bot_data.setdefault("refused", set())
    key = user.id if user else (chat.id if chat else 0)
    if update.callback_query:
        await update.callback_query.answer("This bot is private.")
    elif chat and key not in refused:
        refused.add(key)
        await context.bot.send_message(chat.id, "Sorry, this bot is private.")
    raise ApplicationHandlerStop


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The user sees what the bot does, in three lines."""
    assert update.effective_message
    await update.effective_message.reply_text(START_TEXT)


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The user sees the buttons and commands explained."""
    assert update.effective_message
    settings = services(context).settings
    await update.effective_message.reply_html(
        HELP_TEXT.format(
            max_mb=settings.max_image_bytes // (1024 * 1024), max_pages=settings.max_pdf_pages
        )
    )


def _language_keyboard(codes: list[str], current: str) -> InlineKeyboardMarkup:
    buttons = []
    for code in codes:
        lang = resolve(code)
        mark = "• " if lang.code == current else ""
        buttons.append(
            InlineKeyboardButton(f"{mark}{lang.name}", callback_data=LANG_PREFIX + code)
        )
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    return InlineKeyboardMarkup(rows)


async def user_choices(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> tuple[str, int]:
    """The user's language and threshold, with the server's defaults, in one read."""
    svc = services(context)
    prefs = await svc.db.users.get_settings(user_id)
    language = prefs.language or svc.settings.default_language
    threshold = svc.settings.default_threshold if prefs.threshold is None else prefs.threshold
    return language, int(threshold)


async def current_language(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> str:
    return (await user_choices(context, user_id))[0]


async def current_threshold(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> int:
    return (await user_choices(context, user_id))[1]


async def _set_language(context: ContextTypes.DEFAULT_TYPE, user_id: int, code: str) -> str:
    """Validate and store; return the sentence the user reads."""
    svc = services(context)
    try:
        lang = resolve(code)
    except LanguageUnavailable as exc:
        return str(exc)
    if lang.code not in svc.recognizer.available_languages():
        return f"{lang.name} is not available on this server. See /language for the list."
    await svc.db.users.set_language(user_id, lang.code)
    return f"Language set to {lang.name}. Send me a photo."


async def on_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/language` shows the languages as buttons; `/language vi` sets it directly."""
    msg, user = update.effective_message, update.effective_user
    assert msg and user
    if context.args:
        await msg.reply_text(await _set_language(context, user.id, context.args[0]))
        return
    current = await current_language(context, user.id)
    codes = services(context).recognizer.available_languages()
    await msg.reply_text(
        f"Current language: {resolve(current).name}. Choose another:",
        reply_markup=_language_keyboard(codes, current),
    )


async def on_language_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap on a language button sets it and closes the keyboard."""
    query = update.callback_query
    assert query and query.data and update.effective_user
    await query.answer()
    code = query.data.removeprefix(LANG_PREFIX)
    await query.edit_message_text(await _set_language(context, update.effective_user.id, code))


async def on_strictness(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/strictness strict` (or lenient, normal, 0-100) sets how many lines get checked."""
    msg, user = update.effective_message, update.effective_user
    assert msg and user
    if not context.args:
        value = await current_threshold(context, user.id)
        await msg.reply_text(
            f"Strictness is {describe_strictness(value)}. Set it with /strictness lenient, "
            "normal, strict or a number 0-100 (higher = more lines to check)."
        )
        return
    try:
        value = parse_strictness(context.args[0])
    except ValueError as exc:
        await msg.reply_text(str(exc))
        return
    await services(context).db.users.set_threshold(user.id, value)
    await msg.reply_text(f"Strictness set to {html.escape(describe_strictness(value))}.")
