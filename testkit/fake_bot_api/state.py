"""The fake's world: chats, users, messages, files, pending updates, and the lock and
wake-ups around them. Everything else in the fake reads and changes this state."""

from __future__ import annotations

import asyncio
import copy
import io
import itertools
import threading
from queue import SimpleQueue

from testkit.fake_bot_api.errors import JSON
from testkit.fake_bot_api.records import (
    AnsweredCallback,
    BotMessage,
    Fault,
    StoredFile,
    Truncation,
    WebhookDelivery,
)


class ApiState:
    """All state sits behind one re-entrant lock; every change wakes long-polls
    (``threading.Condition``) and async waiters (``loop.call_soon_threadsafe``)."""

    def __init__(self, token: str = "123456:TEST-token", *, bot_username: str = "notes_test_bot"):
        self.token = token
        self.bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.bot_username = bot_username
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._deliveries: SimpleQueue[JSON | None] = SimpleQueue()
        self._async_waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._revision = 0
        self._ids = itertools.count(1)
        self._next_update_id = 1
        self._updates: list[JSON] = []
        self._chat_message_ids: dict[int, int] = {}
        self._known_chats: dict[int, JSON] = {}
        self._users: dict[int, JSON] = {}
        self._user_messages: dict[tuple[int, int], JSON] = {}
        self._bot_messages: dict[int, dict[int, BotMessage]] = {}
        self._files_by_id: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._callbacks: dict[str, bool] = {}  # id -> answered
        self._answered: list[AnsweredCallback] = []
        self._chat_actions: list[tuple[int, str]] = []
        self._commands: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._calls: list[tuple[str, JSON]] = []
        self._webhook_url: str | None = None
        self._webhook_secret: str | None = None
        self._webhook_log: list[WebhookDelivery] = []
        self._faults: dict[str, list[Fault]] = {}
        self._delays: dict[str, float] = {}
        self._truncation: Truncation | None = None

    def _changed(self) -> None:
        # Caller holds the lock.
        self._revision += 1
        self._cond.notify_all()
        for loop, event in list(self._async_waiters):
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # loop closed: that waiter is gone
                self._async_waiters.discard((loop, event))

    def _user(self, user_id: int, first_name: str, language_code: str | None) -> JSON:
        # Rebuilt each time: a test may switch the user's client language between messages.
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        return dict(user)

    def _bot_user(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Notes OCR (test)",
            "username": self.bot_username,
        }

    def _next_message_id(self, chat_id: int) -> int:
        self._chat_message_ids[chat_id] = self._chat_message_ids.get(chat_id, 0) + 1
        return self._chat_message_ids[chat_id]

    def _register_file(
        self, data: bytes, folder: str, suffix: str, declared_size: int | None
    ) -> StoredFile:
        with self._lock:
            n = next(self._ids)
            stored = StoredFile(
                file_id=f"FILE{n:06d}-{folder}",
                file_unique_id=f"U{n:06d}",
                data=data,
                file_path=f"{folder}/file_{n}{suffix}",
                declared_size=len(data) if declared_size is None else declared_size,
            )
            self._files_by_id[stored.file_id] = stored
            self._files_by_path[stored.file_path] = stored
            return stored

    def _enqueue_update(self, body: JSON) -> None:
        # Caller holds the lock.
        update = {"update_id": self._next_update_id, **body}
        self._next_update_id += 1
        if self._webhook_url is not None:
            self._deliveries.put(update)
        else:
            self._updates.append(update)
        self._changed()

    def _message_json(self, msg: BotMessage) -> JSON:
        out: JSON = {
            "message_id": msg.message_id,
            "date": msg.date,
            "chat": dict(
                self._known_chats.get(msg.chat_id, {"id": msg.chat_id, "type": "private"})
            ),
            "from": self._bot_user(),
        }
        if msg.edit_count:
            out["edit_date"] = msg.date
        if msg.text is not None:
            out["text"] = msg.text
        if msg.caption is not None:
            out["caption"] = msg.caption
        if msg.reply_markup and "inline_keyboard" in msg.reply_markup:
            out["reply_markup"] = copy.deepcopy(msg.reply_markup)
        if msg.media_group_id is not None:
            out["media_group_id"] = msg.media_group_id
        if msg.document is not None:
            out["document"] = {
                "file_id": msg.document.file_id,
                "file_unique_id": "U" + msg.document.file_id,
                "file_size": len(msg.document.data),
                **({"file_name": msg.document.file_name} if msg.document.file_name else {}),
                **({"mime_type": msg.document.mime_type} if msg.document.mime_type else {}),
            }
        if msg.photo is not None:
            width, height = image_size(msg.photo.data)
            out["photo"] = [
                {
                    "file_id": msg.photo.file_id,
                    "file_unique_id": "U" + msg.photo.file_id,
                    "width": width,
                    "height": height,
                    "file_size": len(msg.photo.data),
                }
            ]
        if msg.reply_to_message_id is not None:
            replied = self._user_messages.get((msg.chat_id, msg.reply_to_message_id))
            if replied is not None:
                out["reply_to_message"] = replied
        return out


def private_chat(user: JSON, chat_id: int | None = None) -> JSON:
    return {
        "id": user["id"] if chat_id is None else chat_id,
        "type": "private",
        "first_name": user.get("first_name", "Tester"),
    }


def image_size(data: bytes) -> tuple[int, int]:
    """Real dimensions for PhotoSize; garbage bytes (tests of bad uploads) get 100x100."""
    try:
        from PIL import Image  # local import: only photo-sending tests need Pillow

        with Image.open(io.BytesIO(data)) as image:
            return int(image.width), int(image.height)
    except Exception:  # any undecodable upload is a legitimate test input here
        return 100, 100
