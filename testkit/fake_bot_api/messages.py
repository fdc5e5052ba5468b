"""The Bot API methods that send, edit and delete the bot's messages (text, photos,
documents, albums), checked against Telegram's rules as Telegram checks them."""

from __future__ import annotations

import copy
import time
from typing import Any

from testkit.fake_bot_api.errors import JSON, NOT_MODIFIED, ApiError, bad_request
from testkit.fake_bot_api.params import Params
from testkit.fake_bot_api.records import BotMessage, SentFile, Upload
from testkit.fake_bot_api.state import ApiState
from testkit.fake_bot_api.text_rules import (
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    check_markup,
    check_text,
    rendered,
)


class MessageMethods(ApiState):
    """sendMessage, sendPhoto, sendDocument, sendMediaGroup, editMessage*, deleteMessage."""

    def _chat(self, params: Params) -> int:
        chat_id = params.need_int("chat_id")
        if chat_id not in self._known_chats:
            raise bad_request("chat not found")
        return chat_id

    def _reply_to(self, params: Params) -> int | None:
        reply = params.obj("reply_parameters")
        if isinstance(reply, dict) and "message_id" in reply:
            return int(reply["message_id"])
        return params.int_("reply_to_message_id")

    def _new_bot_message(self, chat_id: int, params: Params, **fields: Any) -> BotMessage:
        # Caller holds the lock and has validated everything.
        msg = BotMessage(
            message_id=self._next_message_id(chat_id),
            chat_id=chat_id,
            date=int(time.time()),
            reply_to_message_id=self._reply_to(params),
            **fields,
        )
        self._bot_messages.setdefault(chat_id, {})[msg.message_id] = msg
        self._changed()
        msg.revision = self._revision
        return msg

    def _m_send_message(self, params: Params) -> JSON:
        text = params.str_("text") or ""
        parse_mode = params.str_("parse_mode")
        check_text(text, parse_mode, MAX_TEXT_LENGTH, "message is too long", "text")
        markup = check_markup(params.obj("reply_markup"), params.int_("chat_id"))
        with self._lock:
            chat_id = self._chat(params)
            msg = self._new_bot_message(
                chat_id, params, text=text, parse_mode=parse_mode, reply_markup=markup
            )
            return self._message_json(msg)

    def _editable(self, params: Params) -> BotMessage:
        if params.has("inline_message_id"):
            raise bad_request("inline messages are not supported by the fake")
        chat_id = params.need_int("chat_id")
        message_id = params.need_int("message_id")
        msg = self._bot_messages.get(chat_id, {}).get(message_id)
        if msg is None or msg.deleted:
            raise bad_request("message to edit not found")
        return msg

    def _apply_edit(self, msg: BotMessage, **changes: Any) -> JSON:
        after = copy.copy(msg)
        for name, value in changes.items():
            setattr(after, name, value)
        if rendered(after) == rendered(msg):
            raise ApiError(400, NOT_MODIFIED)
        for name, value in changes.items():
            setattr(msg, name, value)
        msg.edit_count += 1
        self._changed()
        msg.revision = self._revision
        return self._message_json(msg)

    def _m_edit_message_text(self, params: Params) -> JSON:
        text = params.str_("text") or ""
        parse_mode = params.str_("parse_mode")
        check_text(text, parse_mode, MAX_TEXT_LENGTH, "message is too long", "text")
        # Telegram drops the keyboard when an edit does not repeat it.
        markup = check_markup(params.obj("reply_markup"), params.int_("chat_id"))
        with self._lock:
            msg = self._editable(params)
            if msg.text is None:
                raise bad_request("there is no text in the message to edit")
            return self._apply_edit(msg, text=text, parse_mode=parse_mode, reply_markup=markup)

    def _m_edit_message_caption(self, params: Params) -> JSON:
        caption = params.str_("caption") or ""
        parse_mode = params.str_("parse_mode")
        check_text(
            caption, parse_mode, MAX_CAPTION_LENGTH, "message caption is too long", "caption"
        )
        markup = check_markup(params.obj("reply_markup"), params.int_("chat_id"))
        with self._lock:
            msg = self._editable(params)
            if msg.text is not None:
                raise bad_request("there is no caption in the message to edit")
            return self._apply_edit(
                msg, caption=caption or None, parse_mode=parse_mode, reply_markup=markup
            )

    def _m_edit_message_media(self, params: Params) -> JSON:
        """A photo or document message gets a new file (uploaded or by file_id), caption and
        keyboard; like Telegram, a text message cannot become a photo this way."""
        media = params.obj("media")
        if not isinstance(media, dict):
            raise bad_request("can't parse InputMedia JSON object")
        kind = media.get("type")
        if kind not in ("photo", "document"):
            raise bad_request(f"media type {kind} is not supported by the fake")
        ref = str(media.get("media", ""))
        name = ref.removeprefix("attach://")
        sub = Params({name: params.raw.get(name) if ref.startswith("attach://") else ref})
        caption = media.get("caption") or None
        parse_mode = media.get("parse_mode")
        if caption:
            check_text(
                caption, parse_mode, MAX_CAPTION_LENGTH, "message caption is too long", "caption"
            )
        markup = check_markup(params.obj("reply_markup"), params.int_("chat_id"))
        with self._lock:
            msg = self._editable(params)
            if msg.text is not None:
                raise bad_request("there is no media in the message to edit")
        upload, file_id = self._upload(sub, name, kind + "s")
        sent = SentFile(upload.data, upload.filename, upload.content_type, file_id)
        with self._lock:
            msg = self._editable(params)
            other = "document" if kind == "photo" else "photo"
            return self._apply_edit(
                msg,
                caption=caption,
                parse_mode=parse_mode,
                reply_markup=markup,
                **{kind: sent, other: None},
            )

    def _m_edit_message_reply_markup(self, params: Params) -> JSON:
        markup = check_markup(params.obj("reply_markup"), params.int_("chat_id"))
        with self._lock:
            msg = self._editable(params)
            return self._apply_edit(msg, reply_markup=markup)

    def _m_delete_message(self, params: Params) -> bool:
        with self._lock:
            chat_id = params.need_int("chat_id")
            msg = self._bot_messages.get(chat_id, {}).get(params.need_int("message_id"))
            if msg is None or msg.deleted:
                raise bad_request("message to delete not found")
            msg.deleted = True
            self._changed()
            msg.revision = self._revision
        return True

    def _upload(self, params: Params, name: str, folder: str) -> tuple[Upload, str]:
        """The uploaded (or re-sent by file_id) file and its new file_id."""
        value = params.raw.get(name)
        if isinstance(value, str) and value:
            with self._lock:
                known = self._files_by_id.get(value)
            if known is None:
                raise bad_request("wrong remote file identifier specified")
            value = Upload(known.file_path.rsplit("/", 1)[-1], None, known.data)
        if not isinstance(value, Upload):
            raise bad_request(f"there is no {name} in the request")
        if not value.data:
            raise bad_request("file must be non-empty")
        suffix = ""
        if value.filename and "." in value.filename:
            suffix = "." + value.filename.rsplit(".", 1)[1]
        stored = self._register_file(value.data, folder, suffix, None)
        return value, stored.file_id

    def _caption(self, params: Params) -> tuple[str | None, str | None]:
        caption = params.str_("caption")
        parse_mode = params.str_("parse_mode")
        if caption:
            check_text(
                caption, parse_mode, MAX_CAPTION_LENGTH, "message caption is too long", "caption"
            )
        return caption or None, parse_mode

    def _m_send_document(self, params: Params) -> JSON:
        return self._send_file(params, "document", "documents")

    def _m_send_photo(self, params: Params) -> JSON:
        return self._send_file(params, "photo", "photos")

    def _send_file(self, params: Params, field: str, folder: str) -> JSON:
        """sendDocument / sendPhoto: store the upload on a new bot message."""
        caption, parse_mode = self._caption(params)
        markup = check_markup(params.obj("reply_markup"), params.int_("chat_id"))
        with self._lock:
            chat_id = self._chat(params)
        upload, file_id = self._upload(params, field, folder)
        sent = SentFile(upload.data, upload.filename, upload.content_type, file_id)
        with self._lock:
            msg = self._new_bot_message(
                chat_id,
                params,
                caption=caption,
                parse_mode=parse_mode,
                reply_markup=markup,
                **{field: sent},
            )
            return self._message_json(msg)

    def _m_send_media_group(self, params: Params) -> list[JSON]:
        media = params.obj("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media in the album: must be 2-10")
        with self._lock:
            chat_id = self._chat(params)
            group_id = f"G{next(self._ids)}"
        prepared: list[JSON] = []
        for item in media:
            ref = str(item.get("media", ""))
            name = ref.removeprefix("attach://")
            sub = Params({name: params.raw.get(name) if ref.startswith("attach://") else ref})
            kind = item.get("type")
            if kind not in ("photo", "document"):
                raise bad_request(f"media type {kind} is not supported by the fake")
            upload, file_id = self._upload(sub, name, kind + "s")
            caption = item.get("caption")
            if caption:
                check_text(
                    caption,
                    item.get("parse_mode"),
                    MAX_CAPTION_LENGTH,
                    "message caption is too long",
                    "caption",
                )
            sent = SentFile(upload.data, upload.filename, upload.content_type, file_id)
            prepared.append(
                {
                    "caption": caption or None,
                    "parse_mode": item.get("parse_mode"),
                    kind: sent,
                    "media_group_id": group_id,
                }
            )
        with self._lock:
            return [
                self._message_json(self._new_bot_message(chat_id, params, **fields))
                for fields in prepared
            ]
