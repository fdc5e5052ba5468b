"""Telegram's rules for what a bot sends: the HTML subset of ``parse_mode=HTML``, text and
caption lengths (in UTF-16 code units), inline keyboards, and what counts as "not modified"."""

from __future__ import annotations

import copy
import json
import re
from typing import TYPE_CHECKING, Any

from testkit.fake_bot_api.errors import JSON, bad_request

if TYPE_CHECKING:
    from testkit.fake_bot_api.records import BotMessage

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
# Bots may only download files up to 20 MB through getFile; the bot must check file_size first.
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024

_HTML_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a",
        "tg-spoiler", "span", "blockquote", "tg-emoji",
    }
)  # fmt: skip
TAG_RE = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)"
    r"((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>"
)
_ENTITY_RE = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def html_to_plain(text: str) -> str:
    """Validate Telegram-HTML and return the visible text; raise ApiError like Telegram does."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "<":
            m = TAG_RE.match(text, i)
            offset = len(text[:i].encode())
            if m is None:
                raise bad_request(
                    f"can't parse entities: unsupported start tag at byte offset {offset}"
                )
            closing, name = m.group(1) == "/", m.group(2).lower()
            if name not in _HTML_TAGS:
                raise bad_request(
                    f'can\'t parse entities: unsupported start tag "{name}" at byte offset '
                    f"{offset}"
                )
            if closing:
                if not stack or stack[-1] != name:
                    expected = f'"</{stack[-1]}>"' if stack else "nothing"
                    raise bad_request(
                        f"can't parse entities: unmatched end tag at byte offset {offset}, "
                        f'expected {expected}, found "</{name}>"'
                    )
                stack.pop()
            else:
                if name == "span" and "tg-spoiler" not in m.group(3):
                    raise bad_request(
                        f'can\'t parse entities: tag "span" must have class "tg-spoiler" at '
                        f"byte offset {offset}"
                    )
                stack.append(name)
            i = m.end()
        elif ch == "&":
            m = _ENTITY_RE.match(text, i)
            if m is None:
                raise bad_request(
                    "can't parse entities: character '&' is reserved and must be escaped at "
                    f"byte offset {len(text[:i].encode())}"
                )
            ref = m.group(1)
            if ref in _NAMED_ENTITIES:
                out.append(_NAMED_ENTITIES[ref])
            else:
                out.append(chr(int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:])))
            i = m.end()
        else:
            out.append(ch)
            i += 1
    if stack:
        raise bad_request(
            f"can't parse entities: can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    return "".join(out)


def utf16_len(text: str) -> int:
    # Telegram counts lengths and offsets in UTF-16 code units.
    return len(text.encode("utf-16-le")) // 2


def check_text(text: str, parse_mode: str | None, limit: int, too_long: str, what: str) -> None:
    plain = html_to_plain(text) if (parse_mode or "").upper() == "HTML" else text
    if not plain.strip():
        raise bad_request(f"message {what} is empty")
    if utf16_len(plain) > limit:
        raise bad_request(too_long)


def rendered(msg: BotMessage) -> tuple[str, tuple[str, ...], str, str]:
    """What Telegram compares for "message is not modified": the visible text (trimmed, as
    Telegram stores it), the formatting, the keyboard and the file; not the raw markup
    spelling."""
    html = (msg.parse_mode or "").upper() == "HTML"
    tags = tuple(m.group(0) for m in TAG_RE.finditer(msg.body)) if html else ()
    keyboard = json.dumps(msg.reply_markup, sort_keys=True) if msg.reply_markup else ""
    media = msg.photo or msg.document
    return msg.visible.strip(), tags, keyboard, media.file_id if media else ""


def check_markup(markup: Any, chat_id: int | None = None) -> JSON | None:
    """The keyboard as Telegram takes it, or its 400. ``chat_id``: where it goes (a web_app
    button is refused outside private chats, whose ids are positive)."""
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup  # reply keyboards / remove / force_reply: stored, not validated
    if not isinstance(rows, list):
        raise bad_request('field "inline_keyboard" must be an Array')
    for row in rows:
        for button in row:
            if not button.get("text"):
                raise bad_request("BUTTON_TEXT_INVALID")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not re.match(r"(https?|tg)://\S+$", str(url)):
                raise bad_request("BUTTON_URL_INVALID")
            web_app = button.get("web_app")
            if web_app is not None:
                if chat_id is not None and chat_id < 0:
                    raise bad_request("BUTTON_TYPE_INVALID")
                if not re.match(r"https://\S+$", str((web_app or {}).get("url", ""))):
                    raise bad_request("BUTTON_URL_INVALID")
            kinds = {"callback_data", "url", "switch_inline_query", "web_app", "copy_text",
                     "switch_inline_query_current_chat", "login_url", "pay", "callback_game",
                     "switch_inline_query_chosen_chat"}  # fmt: skip
            if not kinds & button.keys():
                raise bad_request('can\'t find field "callback_data"')
    return copy.deepcopy(markup)
