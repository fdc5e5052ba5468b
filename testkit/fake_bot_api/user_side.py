"""The user side of the fake: what a test calls to play the human (send text, photos and
files, press buttons). Each action queues an update, as Telegram would."""

from __future__ import annotations

import copy
import re
import time

from testkit.fake_bot_api.errors import JSON
from testkit.fake_bot_api.state import ApiState, image_size, private_chat
from testkit.fake_bot_api.text_rules import utf16_len


class UserSide(ApiState):
    def user_sends_text(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        reply_to: int | None = None,
        *,
        first_name: str = "Tester",
        language_code: str | None = "en",
    ) -> JSON:
        """Queue a text message from the user; commands (``/x``) get a bot_command entity."""
        extra: JSON = {"text": text}
        command = re.match(r"/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?", text)
        if command:
            extra["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command.group(0))}
            ]
        return self._user_message(chat_id, user_id, extra, reply_to, first_name, language_code)

    def user_sends_command(
        self,
        chat_id: int,
        user_id: int,
        command: str,
        args: str = "",
        *,
        language_code: str | None = "en",
    ) -> JSON:
        """``user_sends_command(c, u, "start")`` sends "/start"; args follow after a space."""
        text = command if command.startswith("/") else f"/{command}"
        return self.user_sends_text(
            chat_id, user_id, f"{text} {args}" if args else text, language_code=language_code
        )

    def user_sends_photo(
        self,
        chat_id: int,
        user_id: int,
        image_bytes: bytes,
        caption: str | None = None,
        media_group_id: str | None = None,
        *,
        file_size: int | None = None,
        reply_to: int | None = None,
        language_code: str | None = "en",
    ) -> JSON:
        """Queue a photo. All PhotoSizes serve the same bytes; ``file_size`` overrides the size
        Telegram reports (to test size limits without building huge images)."""
        width, height = image_size(image_bytes)
        # Thumbnails first, the real size last (as Telegram orders them); the bot should pick
        # the last one, and its width/height match the bytes it downloads.
        scales = [
            limit / max(width, height) for limit in (90, 320, 800) if limit < max(width, height)
        ]
        sizes: list[JSON] = []
        for scale in [*scales, 1.0]:
            stored = self._register_file(image_bytes, "photos", ".jpg", file_size)
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": max(1, round(width * scale)),
                    "height": max(1, round(height * scale)),
                    "file_size": stored.declared_size,
                }
            )
        extra: JSON = {"photo": sizes}
        if caption is not None:
            extra["caption"] = caption
        if media_group_id is not None:
            extra["media_group_id"] = media_group_id
        return self._user_message(chat_id, user_id, extra, reply_to, "Tester", language_code)

    def user_sends_document(
        self,
        chat_id: int,
        user_id: int,
        data: bytes,
        file_name: str,
        mime_type: str,
        *,
        caption: str | None = None,
        file_size: int | None = None,
        language_code: str | None = "en",
    ) -> JSON:
        """Queue a document (e.g. an uncompressed image sent "as file")."""
        suffix = "." + file_name.rsplit(".", 1)[1] if "." in file_name else ""
        stored = self._register_file(data, "documents", suffix, file_size)
        extra: JSON = {
            "document": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": file_name,
                "mime_type": mime_type,
                "file_size": stored.declared_size,
            }
        }
        if caption is not None:
            extra["caption"] = caption
        return self._user_message(chat_id, user_id, extra, None, "Tester", language_code)

    def user_presses(
        self,
        chat_id: int,
        user_id: int,
        message_id: int,
        callback_data: str,
        *,
        strict: bool = True,
        language_code: str | None = "en",
    ) -> str:
        """Press an inline button on a bot message; returns the callback query id.

        With ``strict`` the button must currently be on the message (a dropped keyboard cannot
        be pressed by a human either)."""
        with self._lock:
            msg = self._bot_messages.get(chat_id, {}).get(message_id)
            if msg is None or msg.deleted:
                raise LookupError(f"no bot message {message_id} in chat {chat_id}")
            if strict and callback_data not in [d for row in msg.buttons for _, d in row]:
                raise LookupError(
                    f"message {message_id} has no button with data {callback_data!r}; "
                    f"buttons: {msg.buttons}"
                )
            query_id = str(next(self._ids) * 1000 + 7)
            self._callbacks[query_id] = False
            user = self._user(user_id, "Tester", language_code)
            self._known_chats.setdefault(chat_id, private_chat(user, chat_id))
            update = {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "message": self._message_json(msg),
                    "chat_instance": str(chat_id),
                    "data": callback_data,
                }
            }
            self._enqueue_update(update)
            return query_id

    def add_chat(self, chat_id: int) -> None:
        """Make a chat known without a user message (bots can only write to known chats)."""
        with self._lock:
            self._known_chats.setdefault(chat_id, {"id": chat_id, "type": "private"})

    def _user_message(
        self,
        chat_id: int,
        user_id: int,
        extra: JSON,
        reply_to: int | None,
        first_name: str,
        language_code: str | None,
    ) -> JSON:
        with self._lock:
            user = self._user(user_id, first_name, language_code)
            chat = self._known_chats.setdefault(chat_id, private_chat(user, chat_id))
            message: JSON = {
                "message_id": self._next_message_id(chat_id),
                "date": int(time.time()),
                "chat": dict(chat),
                "from": user,
                **extra,
            }
            if reply_to is not None:
                replied = self._user_messages.get((chat_id, reply_to))
                if replied is None and reply_to in self._bot_messages.get(chat_id, {}):
                    replied = self._message_json(self._bot_messages[chat_id][reply_to])
                if replied is None:
                    raise LookupError(f"no message {reply_to} in chat {chat_id} to reply to")
                message["reply_to_message"] = replied
            self._user_messages[(chat_id, message["message_id"])] = message
            self._enqueue_update({"message": message})
            return copy.deepcopy(message)
