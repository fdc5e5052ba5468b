"""The rest of the Bot API the bot uses (getMe, getUpdates, webhooks, commands, callback
answers, chat actions, getFile), and the table that dispatches a call to its method."""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Callable
from typing import Any

from testkit.fake_bot_api.errors import JSON, QUERY_TOO_OLD, ApiError, bad_request
from testkit.fake_bot_api.messages import MessageMethods
from testkit.fake_bot_api.params import Params
from testkit.fake_bot_api.records import AnsweredCallback
from testkit.fake_bot_api.text_rules import MAX_DOWNLOAD_BYTES


class BotMethods(MessageMethods):
    """Every Bot API method the fake answers; ``_call`` is where a request lands."""

    def _call(self, method: str, params: Params) -> Any:
        key = method.lower()
        with self._lock:
            self._calls.append((method, dict(params.raw)))
            delay = self._delays.get(key, 0.0)
            self._changed()
        try:
            return self._execute(key, params)
        finally:
            if delay:
                # The call has taken effect; only the answer is late (like a slow Telegram:
                # the message exists even though the bot's request timed out).
                self._stopping.wait(delay)  # cut short when the fake stops

    def _execute(self, key: str, params: Params) -> Any:
        with self._lock:
            faults = self._faults.get(key)
            if faults:
                fault = faults[0]
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        faults.pop(0)
                raise fault.error
        handler = _METHODS.get(key)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        return handler(self, params)

    def _m_get_me(self, params: Params) -> JSON:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _m_get_updates(self, params: Params) -> list[JSON]:
        offset = params.int_("offset", 0) or 0
        limit = max(1, min(100, params.int_("limit", 100) or 100))
        try:
            timeout = max(0.0, float(params.raw.get("timeout") or 0))
        except (TypeError, ValueError) as exc:
            raise bad_request('field "timeout" must be a Number') from exc
        deadline = time.monotonic() + timeout
        with self._cond:
            if self._webhook_url is not None:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; use "
                    "deleteWebhook to delete the webhook first",
                )
            while True:
                if offset > 0:
                    # Offset confirms everything before it: those updates are gone for good.
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates:
                    return copy.deepcopy(self._updates[:limit])
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._stopping.is_set():
                    return []
                self._cond.wait(remaining)

    def _m_delete_webhook(self, params: Params) -> bool:
        with self._lock:
            self._webhook_url = None
            self._webhook_secret = None
            if params.bool_("drop_pending_updates"):
                self._updates.clear()
            self._changed()
        return True

    def _m_set_webhook(self, params: Params) -> bool:
        url = params.str_("url")
        if not url:
            return self._m_delete_webhook(params)
        secret = params.str_("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("secret token contains unallowed characters")
        with self._lock:
            self._webhook_url = url
            self._webhook_secret = secret
            pending, self._updates = self._updates, []
            if not params.bool_("drop_pending_updates"):
                for update in pending:
                    self._deliveries.put(update)
            self._changed()
        return True

    def _m_get_webhook_info(self, params: Params) -> JSON:
        with self._lock:
            return {
                "url": self._webhook_url or "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }

    def _m_set_my_commands(self, params: Params) -> bool:
        commands = params.obj("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        parsed: list[tuple[str, str]] = []
        for item in commands:
            command = str(item.get("command", "")).removeprefix("/")
            description = str(item.get("description", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("command description is empty or too long")
            parsed.append((command, description))
        with self._lock:
            key = (scope_key(params.obj("scope")), params.str_("language_code") or "")
            self._commands[key] = parsed
            self._changed()
        return True

    def _m_get_my_commands(self, params: Params) -> list[JSON]:
        with self._lock:
            key = (scope_key(params.obj("scope")), params.str_("language_code") or "")
            return [{"command": c, "description": d} for c, d in self._commands.get(key, [])]

    def _m_delete_my_commands(self, params: Params) -> bool:
        with self._lock:
            key = (scope_key(params.obj("scope")), params.str_("language_code") or "")
            self._commands.pop(key, None)
            self._changed()
        return True

    def _m_answer_callback_query(self, params: Params) -> bool:
        query_id = params.str_("callback_query_id") or ""
        with self._lock:
            if self._callbacks.get(query_id, True):  # unknown or already answered
                raise ApiError(400, QUERY_TOO_OLD)
            self._callbacks[query_id] = True
            text = params.str_("text")
            if text is not None and len(text) > 200:
                raise bad_request("MESSAGE_TOO_LONG")
            self._answered.append(
                AnsweredCallback(query_id, text, params.bool_("show_alert"), params.str_("url"))
            )
            self._changed()
        return True

    def _m_send_chat_action(self, params: Params) -> bool:
        with self._lock:
            chat_id = self._chat(params)
            self._chat_actions.append((chat_id, params.str_("action") or ""))
            self._changed()
        return True

    def _m_get_file(self, params: Params) -> JSON:
        file_id = params.str_("file_id") or ""
        with self._lock:
            stored = self._files_by_id.get(file_id)
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.declared_size > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.declared_size,
            "file_path": stored.file_path,
        }


_METHODS: dict[str, Callable[[BotMethods, Params], Any]] = {
    "getme": BotMethods._m_get_me,
    "getupdates": BotMethods._m_get_updates,
    "deletewebhook": BotMethods._m_delete_webhook,
    "setwebhook": BotMethods._m_set_webhook,
    "getwebhookinfo": BotMethods._m_get_webhook_info,
    "setmycommands": BotMethods._m_set_my_commands,
    "getmycommands": BotMethods._m_get_my_commands,
    "deletemycommands": BotMethods._m_delete_my_commands,
    "sendmessage": BotMethods._m_send_message,
    "editmessagetext": BotMethods._m_edit_message_text,
    "editmessagecaption": BotMethods._m_edit_message_caption,
    "editmessagemedia": BotMethods._m_edit_message_media,
    "editmessagereplymarkup": BotMethods._m_edit_message_reply_markup,
    "deletemessage": BotMethods._m_delete_message,
    "answercallbackquery": BotMethods._m_answer_callback_query,
    "sendchataction": BotMethods._m_send_chat_action,
    "getfile": BotMethods._m_get_file,
    "senddocument": BotMethods._m_send_document,
    "sendphoto": BotMethods._m_send_photo,
    "sendmediagroup": BotMethods._m_send_media_group,
}


def scope_key(scope: Any) -> str:
    if not scope or (isinstance(scope, dict) and scope.get("type") == "default"):
        return "default"
    return json.dumps(scope, sort_keys=True)
