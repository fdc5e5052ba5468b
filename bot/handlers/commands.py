"""Commands about the bot itself: /start, /help, /language, /strictness, and access control."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.config import Settings
from bot.errors import LanguageUnavailable
from bot.handlers.services import Asker, asker_of, services, translator_of
from bot.i18n import N_, UI_LANGUAGES, Catalogs, Translator
from bot.ocr.languages import resolve
from bot.review.strictness import PRESETS, parse_strictness

log = logging.getLogger(__name__)

# Recognition language buttons ("l1:vi") and interface language buttons ("u1:vi").
LANG_PREFIX = "l1:"
UI_PREFIX = "u1:"

# The commands in Telegram's menu, each with the key of its description.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("command-start")),
    ("help", N_("command-help")),
    ("language", N_("command-language")),
    ("strictness", N_("command-strictness")),
    ("cancel", N_("command-cancel")),
    ("notes", N_("command-notes")),
    ("search", N_("command-search")),
    ("export", N_("command-export")),
    ("forget", N_("command-forget")),
    ("api", N_("command-api")),
)
_PRESET_KEYS = {
    "lenient": N_("strictness-lenient"),
    "normal": N_("strictness-normal"),
    "strict": N_("strictness-strict"),
}
# Each interface language's own name, as its speakers write it (not translated).
UI_NAMES = {"en": "English", "zh": "简体中文", "vi": "Tiếng Việt"}


def command_lists(catalogs: Catalogs) -> list[tuple[str | None, list[BotCommand]]]:
    """The command menu per Telegram language_code (None: everyone else, in English)."""
    lists: list[tuple[str | None, list[BotCommand]]] = []
    for code in (None, *UI_LANGUAGES):
        t = catalogs.get(code)
        lists.append((code, [BotCommand(c, t(key)) for c, key in COMMANDS]))
    return lists


async def once(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An update Telegram delivers again (here or at another instance) is handled once."""
    if not await services(context).shared.updates.first_time(update.update_id):
        log.info("update %s delivered again: already handled", update.update_id)
        raise ApplicationHandlerStop


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
    # Telegram's language only: a stranger has no stored choice, and no database read.
    t = translator_of(update, context)
    if update.callback_query:
        await update.callback_query.answer(t("private-bot"))
    elif chat and key not in refused:
        refused.add(key)
        await context.bot.send_message(chat.id, t("private-bot"))
    raise ApplicationHandlerStop


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The user sees what the bot does, in three lines, in their language."""
    assert update.effective_message
    who = await asker_of(update, context)
    await update.effective_message.reply_text(
        who.t("start", language=who.t.language_name(who.language))
    )


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The user sees the buttons and commands explained."""
    assert update.effective_message
    t = (await asker_of(update, context)).t
    settings = services(context).settings
    await update.effective_message.reply_html(
        t(
            "help",
            max_mb=settings.max_image_bytes // (1024 * 1024),
            max_pages=settings.max_pdf_pages,
        )
    )


def api_base_url(settings: Settings) -> str:
    """Where the API answers, for the how-to: the webhook's host, else this machine's port."""
    if settings.webhook_url:
        parts = urlsplit(settings.webhook_url)
        return f"{parts.scheme}://{parts.netloc}"
    return f"http://localhost:{settings.api_port or 8080}"


async def on_api(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/api: a new personal API token, shown once with a curl how-to; /api revoke: every
    token of the user ends."""
    assert update.effective_message and update.effective_user
    t = (await asker_of(update, context)).t
    svc = services(context)
    user_id = update.effective_user.id
    if context.args and context.args[0].lower() == "revoke":
        count = await svc.db.tokens.revoke_all(user_id)
        await update.effective_message.reply_html(t.plural("api-revoked", count))
        return
    token = await svc.db.tokens.create(user_id)
    url = api_base_url(svc.settings)
    await update.effective_message.reply_html(t("api-token", token=token, url=url))


def _language_keyboard(
    t: Translator, codes: list[str], current: str, ui: str
) -> InlineKeyboardMarkup:
    ui_row = [
        InlineKeyboardButton(
            ("• " if code == ui else "") + UI_NAMES[code], callback_data=UI_PREFIX + code
        )
        for code in UI_LANGUAGES
    ]
    buttons = []
    current = resolve(current).code  # "auto:vi" is the "auto" button
    for code in codes:
        lang = resolve(code)
        mark = "• " if lang.code == current else ""
        buttons.append(
            InlineKeyboardButton(
                f"{mark}{t.language_name(lang.code)}", callback_data=LANG_PREFIX + code
            )
        )
    rows = [ui_row, *(buttons[i : i + 3] for i in range(0, len(buttons), 3))]
    return InlineKeyboardMarkup(rows)


async def _set_language(context: ContextTypes.DEFAULT_TYPE, who: Asker, code: str) -> str:
    """Validate and store the recognition language; return the sentence the user reads."""
    svc, t = services(context), who.t
    try:
        lang = resolve(code)
    except LanguageUnavailable as exc:
        return t.error(exc)
    if lang.code not in svc.recognizer.available_languages():
        return t("language-not-here", language=t.language_name(lang.code))
    await svc.db.users.set_language(who.user_id, lang.code)
    return t("language-set", language=t.language_name(lang.code))


async def on_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/language` shows the interface and recognition languages as buttons; `/language vi`
    sets the recognition language directly."""
    msg = update.effective_message
    assert msg
    who = await asker_of(update, context)
    t = who.t
    if context.args:
        await msg.reply_text(await _set_language(context, who, context.args[0]))
        return
    codes = services(context).recognizer.available_languages()
    text = t(
        "language-menu",
        interface=UI_NAMES[t.language],
        language=t.language_name(who.language),
    )
    await msg.reply_text(text, reply_markup=_language_keyboard(t, codes, who.language, t.language))


async def on_language_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap on a language button sets it and closes the keyboard (the question is answered)."""
    query = update.callback_query
    assert query and query.data and update.effective_user
    await query.answer()
    who = await asker_of(update, context)
    if query.data.startswith(UI_PREFIX):
        code = query.data.removeprefix(UI_PREFIX)
        if code not in UI_LANGUAGES:
            await query.edit_message_text(who.t("button-expired"))
            return
        await services(context).db.users.set_interface(who.user_id, code)
        # The answer comes in the language just chosen.
        t = services(context).catalogs.get(code)
        await query.edit_message_text(t("interface-set", interface=UI_NAMES[code]))
        return
    code = query.data.removeprefix(LANG_PREFIX)
    await query.edit_message_text(await _set_language(context, who, code))


def describe_strictness(t: Translator, value: int) -> str:
    """ "normal (75)" for presets (in the user's language), the number otherwise."""
    for name, preset in PRESETS.items():
        if preset == value:
            return t("strictness-preset", name=t(_PRESET_KEYS[name]), value=value)
    return str(value)


async def on_strictness(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/strictness strict` (or lenient, normal, 0-100) sets how many lines get checked."""
    msg = update.effective_message
    assert msg
    who = await asker_of(update, context)
    t = who.t
    if not context.args:
        await msg.reply_text(t("strictness-now", value=describe_strictness(t, who.threshold)))
        return
    try:
        value = parse_strictness(context.args)
    except ValueError:
        await msg.reply_text(t("strictness-usage"))
        return
    await services(context).db.users.set_threshold(who.user_id, value)
    await msg.reply_text(t("strictness-set", value=describe_strictness(t, value)))
