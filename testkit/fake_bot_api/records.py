"""What the fake stores and what tests read: messages the bot sent, files, answered buttons,
webhook deliveries, and the fault switches' bookkeeping."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from testkit.fake_bot_api.errors import JSON, ApiError
from testkit.fake_bot_api.text_rules import html_to_plain


@dataclass(frozen=True)
class Upload:
    """One file part of a multipart/form-data request."""

    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class SentFile:
    """A document or photo the bot sent."""

    data: bytes
    file_name: str | None
    mime_type: str | None
    file_id: str


@dataclass
class BotMessage:
    """A message the bot sent, as it currently looks (snapshot; later edits do not show up)."""

    message_id: int
    chat_id: int
    text: str | None = None
    caption: str | None = None
    parse_mode: str | None = None
    reply_markup: JSON | None = None
    document: SentFile | None = None
    photo: SentFile | None = None
    media_group_id: str | None = None
    reply_to_message_id: int | None = None
    date: int = 0
    edit_count: int = 0
    deleted: bool = False
    # Server revision at the message's last change: lets tests ask "changed since X?".
    revision: int = 0

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """Inline keyboard as rows of ``(text, callback_data)``; ``[]`` when there is none."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [[(b.get("text", ""), b.get("callback_data")) for b in row] for row in rows]

    @property
    def button_texts(self) -> list[str]:
        return [text for row in self.buttons for text, _ in row]

    @property
    def body(self) -> str:
        """Text or caption as the bot sent it, markup included ("" when neither)."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def visible(self) -> str:
        """What the user reads: ``body`` with HTML tags removed and entities decoded."""
        if (self.parse_mode or "").upper() == "HTML":
            return html_to_plain(self.body)
        return self.body

    def __getitem__(self, key: str) -> Any:
        # Lets tests written against plain dicts (msg["text"]) keep working.
        return getattr(self, key)


@dataclass(frozen=True)
class AnsweredCallback:
    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None


@dataclass(frozen=True)
class WebhookDelivery:
    update_id: int
    status: int | None  # None: could not connect
    error: str | None


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    declared_size: int


@dataclass
class Fault:
    remaining: int | None  # None: forever
    error: ApiError


@dataclass
class Truncation:
    remaining: int | None
    keep_bytes: int
