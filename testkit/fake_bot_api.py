"""A fake Telegram Bot API server for end-to-end tests.

The real python-telegram-bot ``Application`` talks to this server over real HTTP on 127.0.0.1,
so the tests exercise the same request/response path as production (HTTPX, JSON parsing, error
mapping, rate limiter, webhook server) without touching the network.

Two sides:

* the *server* side answers Bot API methods (``getUpdates``, ``sendMessage``, ``editMessageText``,
  ``getFile``, file downloads, ...) with Telegram-shaped JSON and Telegram's error texts;
* the *user* side (``user_sends_text``, ``user_sends_photo``, ``user_presses`` ...) is what a
  test calls to play the human, and the observation helpers (``bot_messages``, ``wait_for`` ...)
  are what it asserts on.

The server is a ``ThreadingHTTPServer`` in a daemon thread: it needs nothing beyond the stdlib,
and blocking long-polls (``getUpdates``) cannot stall the test's event loop. All state sits behind
one re-entrant lock; every change wakes long-polls (``threading.Condition``) and async waiters
(``loop.call_soon_threadsafe``), so tests wait on events instead of sleeping.

Fault switches (``rate_limit``, ``fail_method``, ``fail_get_file``, ``truncate_downloads``,
``delay_method``) let tests provoke the failures the bot must survive.

Usage::

    async with FakeBotApi("123:abc") as fake:
        app = (ApplicationBuilder().token(fake.token)
               .base_url(fake.base_url).base_file_url(fake.base_file_url).build())
        async with running_bot(app):                      # testkit/harness.py
            fake.user_sends_photo(chat_id=1, user_id=1, image_bytes=png)
            reply = await fake.wait_for(lambda: fake.last_bot_message(1))
"""

from __future__ import annotations

import asyncio
import copy
import io
import itertools
import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from queue import SimpleQueue
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = [
    "AnsweredCallback",
    "ApiError",
    "BotMessage",
    "FakeBotApi",
    "SentFile",
    "Upload",
    "WebhookDelivery",
    "html_to_plain",
]

JSON = dict[str, Any]
T = TypeVar("T")

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
# Bots may only download files up to 20 MB through getFile; the bot must check file_size first.
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
# Parameters that PTB JSON-encodes into a string when it posts form data.
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "media",
        "entities",
        "caption_entities",
        "scope",
        "link_preview_options",
        "reply_parameters",
    }
)


class ApiError(Exception):
    """An error the fake answers with; ``description`` is Telegram's exact wording."""

    def __init__(self, error_code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


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
class _StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    declared_size: int


@dataclass
class _Fault:
    remaining: int | None  # None: forever
    error: ApiError


@dataclass
class _Truncation:
    remaining: int | None
    keep_bytes: int


# --------------------------------------------------------------------------------------------
# HTML parse_mode validation (the subset Telegram accepts)
# --------------------------------------------------------------------------------------------

_HTML_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a",
        "tg-spoiler", "span", "blockquote", "tg-emoji",
    }
)  # fmt: skip
_TAG_RE = re.compile(
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
            m = _TAG_RE.match(text, i)
            offset = len(text[:i].encode())
            if m is None:
                raise _bad_request(
                    f"can't parse entities: unsupported start tag at byte offset {offset}"
                )
            closing, name = m.group(1) == "/", m.group(2).lower()
            if name not in _HTML_TAGS:
                raise _bad_request(
                    f'can\'t parse entities: unsupported start tag "{name}" at byte offset '
                    f"{offset}"
                )
            if closing:
                if not stack or stack[-1] != name:
                    expected = f'"</{stack[-1]}>"' if stack else "nothing"
                    raise _bad_request(
                        f"can't parse entities: unmatched end tag at byte offset {offset}, "
                        f'expected {expected}, found "</{name}>"'
                    )
                stack.pop()
            else:
                if name == "span" and "tg-spoiler" not in m.group(3):
                    raise _bad_request(
                        f'can\'t parse entities: tag "span" must have class "tg-spoiler" at '
                        f"byte offset {offset}"
                    )
                stack.append(name)
            i = m.end()
        elif ch == "&":
            m = _ENTITY_RE.match(text, i)
            if m is None:
                raise _bad_request(
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
        raise _bad_request(
            f"can't parse entities: can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    return "".join(out)


def _utf16_len(text: str) -> int:
    # Telegram counts lengths and offsets in UTF-16 code units.
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------------------------
# Request parsing
# --------------------------------------------------------------------------------------------


def _header_params(value: str) -> dict[str, str]:
    return {k.lower(): v for k, v in re.findall(r';\s*([\w*-]+)="?([^";]*)"?', ";" + value)}


def _parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    boundary = _header_params(content_type.split(";", 1)[1] if ";" in content_type else "").get(
        "boundary"
    )
    if not boundary:
        raise _bad_request("multipart boundary missing")
    params: dict[str, Any] = {}
    # Each part is preceded by CRLF--boundary; prefixing CRLF makes the first one uniform.
    for chunk in (b"\r\n" + body).split(b"\r\n--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        disposition = _header_params(headers.get("content-disposition", ""))
        field_name = disposition.get("name")
        if field_name is None:
            continue
        if "filename" in disposition or "content-type" in headers:
            filename = disposition.get("filename")
            params[field_name] = Upload(
                # HTTPX writes a quote inside a filename as %22.
                filename=filename.replace("%22", '"') if filename is not None else None,
                content_type=headers.get("content-type"),
                data=content,
            )
        else:
            params[field_name] = content.decode("utf-8")
    return params


def _parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    kind = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}
    if kind == "application/json":
        loaded = json.loads(body)
        if not isinstance(loaded, dict):
            raise _bad_request("JSON object expected")
        return loaded
    if kind == "multipart/form-data":
        return _parse_multipart(body, content_type)
    # application/x-www-form-urlencoded, and what Telegram assumes when nothing is said.
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


class _Params:
    """Typed access to request parameters that may arrive as JSON values or form strings."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = dict(raw)

    def has(self, name: str) -> bool:
        return name in self.raw and self.raw[name] not in (None, "")

    def obj(self, name: str) -> Any:
        value = self.raw.get(name)
        if isinstance(value, str) and name in _JSON_PARAMS:
            try:
                return json.loads(value) if value else None
            except json.JSONDecodeError as exc:
                raise _bad_request(f"can't parse {name} JSON object") from exc
        return value

    def str_(self, name: str) -> str | None:
        value = self.raw.get(name)
        if value is None or isinstance(value, str):
            return value
        return str(value)

    def int_(self, name: str, default: int | None = None) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise _bad_request(f'field "{name}" must be an Integer')
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise _bad_request(f'field "{name}" must be an Integer') from exc

    def need_int(self, name: str) -> int:
        value = self.int_(name)
        if value is None:
            raise _bad_request(f"{name} is empty" if name != "chat_id" else "chat_id is empty")
        return value

    def bool_(self, name: str) -> bool:
        value = self.raw.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)


# --------------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default listen backlog is 5: a burst of new connections (a load test's
    # users all starting at once) overflows it, the kernel drops SYNs and clients stall 1 s.
    request_queue_size = 128
    # Long-polls may still be parked when we stop; they are woken, but do not wait for them.
    block_on_close = False

    def __init__(self, fake: FakeBotApi) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes; on a kept-alive connection Nagle's
    # algorithm would hold the body until the client's delayed ACK (~40 ms per request).
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        self.server.fake._serve(self)

    def do_POST(self) -> None:
        self.server.fake._serve(self)

    def log_message(self, format: str, *args: Any) -> None:
        # Quiet: pytest output should show test failures, not an access log.
        return

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def respond(
        self, status: int, body: bytes, content_type: str, *, truncate_to: int | None = None
    ) -> None:
        # Connections are kept alive, as Telegram's are: a new TCP connection (and server
        # thread) per request would be this fake's cost, not the bot's. A cut-off body must
        # end its connection, or the client would wait for the rest.
        cut = truncate_to is not None
        self.close_connection = cut
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if cut:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body if truncate_to is None else body[:truncate_to])
        self.wfile.flush()

    def respond_json(self, status: int, payload: Any) -> None:
        self.respond(status, json.dumps(payload).encode(), "application/json")


# --------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------


class FakeBotApi:
    """Fake Telegram Bot API. ``start()`` it (or ``async with``), point PTB at ``base_url``."""

    def __init__(self, token: str = "123456:TEST-token", *, bot_username: str = "notes_test_bot"):
        self.token = token
        self.bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.bot_username = bot_username
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._delivery_thread: threading.Thread | None = None
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
        self._files_by_id: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._callbacks: dict[str, bool] = {}  # id -> answered
        self._answered: list[AnsweredCallback] = []
        self._chat_actions: list[tuple[int, str]] = []
        self._commands: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._calls: list[tuple[str, JSON]] = []
        self._webhook_url: str | None = None
        self._webhook_secret: str | None = None
        self._webhook_log: list[WebhookDelivery] = []
        self._faults: dict[str, list[_Fault]] = {}
        self._delays: dict[str, float] = {}
        self._truncation: _Truncation | None = None

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeBotApi:
        if self._server is not None:
            raise RuntimeError("FakeBotApi already started")
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-bot-api",
            daemon=True,
        )
        self._thread.start()
        self._delivery_thread = threading.Thread(
            target=self._deliver_loop, name="fake-bot-api-webhook", daemon=True
        )
        self._delivery_thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()  # release parked getUpdates long-polls
        self._server.shutdown()
        self._server.server_close()
        self._deliveries.put(None)
        for thread in (self._thread, self._delivery_thread):
            if thread is not None:
                thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> FakeBotApi:
        return self.start()

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        # shutdown() waits for serve_forever's poll loop: keep that off the event loop.
        await asyncio.to_thread(self.stop)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeBotApi not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ---- the user side -----------------------------------------------------------------------

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
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command.group(0))}
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
        width, height = _image_size(image_bytes)
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
            self._known_chats.setdefault(chat_id, _private_chat(user, chat_id))
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

    # ---- observation -------------------------------------------------------------------------

    @property
    def revision(self) -> int:
        """Increases on every change; compare against ``BotMessage.revision``."""
        with self._lock:
            return self._revision

    def bot_messages(self, chat_id: int, *, include_deleted: bool = False) -> list[BotMessage]:
        with self._lock:
            return [
                copy.deepcopy(m)
                for m in self._bot_messages.get(chat_id, {}).values()
                if include_deleted or not m.deleted
            ]

    def bot_message(self, chat_id: int, message_id: int) -> BotMessage | None:
        with self._lock:
            msg = self._bot_messages.get(chat_id, {}).get(message_id)
            return copy.deepcopy(msg) if msg is not None else None

    def last_bot_message(self, chat_id: int) -> BotMessage | None:
        messages = self.bot_messages(chat_id)
        return messages[-1] if messages else None

    @property
    def answered_callbacks(self) -> list[AnsweredCallback]:
        with self._lock:
            return list(self._answered)

    @property
    def chat_actions(self) -> list[tuple[int, str]]:
        """``(chat_id, action)`` for every sendChatAction, in order."""
        with self._lock:
            return list(self._chat_actions)

    @property
    def commands(self) -> list[tuple[str, str]]:
        """Commands set for the default scope and no language."""
        return self.commands_for()

    def commands_for(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._commands.get((_scope_key(scope), language_code), []))

    @property
    def calls(self) -> list[tuple[str, JSON]]:
        """Every API call as ``(method, params)``; uploads appear as ``Upload``."""
        with self._lock:
            return list(self._calls)

    def call_count(self, method: str) -> int:
        with self._lock:
            return sum(1 for name, _ in self._calls if name.lower() == method.lower())

    @property
    def webhook_url(self) -> str | None:
        with self._lock:
            return self._webhook_url

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        with self._lock:
            return list(self._webhook_log)

    @property
    def pending_updates(self) -> int:
        with self._lock:
            return len(self._updates)

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float = 10.0) -> T:  # noqa: ASYNC109
        """Wait until ``predicate()`` is truthy and return its value.

        Re-checked on every server change (no polling); raises ``TimeoutError`` naming what the
        bot had sent so far, which is usually what you need to debug the test."""
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        waiter = (loop, event)
        with self._lock:
            self._async_waiters.add(waiter)
        deadline = loop.time() + timeout
        try:
            while True:
                event.clear()  # clear first: a change during predicate() re-sets it
                result = predicate()
                if result:
                    return result
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError(
                        f"condition not met within {timeout}s; bot messages: {self._summary()}"
                    )
                try:
                    await asyncio.wait_for(event.wait(), remaining)
                except TimeoutError:
                    continue  # one last predicate check, then the deadline check raises
        finally:
            with self._lock:
                self._async_waiters.discard(waiter)

    def _summary(self) -> str:
        with self._lock:
            return repr(
                {
                    chat: [(m.message_id, m.body[:80], m.button_texts) for m in msgs.values()]
                    for chat, msgs in self._bot_messages.items()
                }
            )

    # ---- fault switches ----------------------------------------------------------------------

    def fail_method(
        self,
        method: str,
        *,
        times: int | None = 1,
        error_code: int = 400,
        description: str = "Bad Request: injected failure",
        parameters: JSON | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` (None: all) fail with this error."""
        with self._lock:
            self._faults.setdefault(method.lower(), []).append(
                _Fault(times, ApiError(error_code, description, parameters))
            )

    def fail_get_file(
        self,
        *,
        times: int | None = 1,
        description: str = "Bad Request: wrong file_id or the file is temporarily unavailable",
    ) -> None:
        self.fail_method("getFile", times=times, description=description)

    def rate_limit(self, method: str, *, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with 429 Too Many Requests."""
        self.fail_method(
            method,
            times=times,
            error_code=429,
            description=f"Too Many Requests: retry after {retry_after}",
            parameters={"retry_after": retry_after},
        )

    def delay_method(self, method: str, seconds: float) -> None:
        """Answer every call of ``method`` ``seconds`` late (0 to clear). The call itself takes
        effect at once, so a bot that times out may still have sent its message."""
        with self._lock:
            if seconds > 0:
                self._delays[method.lower()] = seconds
            else:
                self._delays.pop(method.lower(), None)

    def truncate_downloads(self, *, keep_bytes: int = 100, times: int | None = 1) -> None:
        """Next downloads announce the full Content-Length but send only ``keep_bytes``."""
        with self._lock:
            self._truncation = _Truncation(times, keep_bytes)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._delays.clear()
            self._truncation = None

    # ---- internals: state --------------------------------------------------------------------

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
    ) -> _StoredFile:
        with self._lock:
            n = next(self._ids)
            stored = _StoredFile(
                file_id=f"FILE{n:06d}-{folder}",
                file_unique_id=f"U{n:06d}",
                data=data,
                file_path=f"{folder}/file_{n}{suffix}",
                declared_size=len(data) if declared_size is None else declared_size,
            )
            self._files_by_id[stored.file_id] = stored
            self._files_by_path[stored.file_path] = stored
            return stored

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
            chat = self._known_chats.setdefault(chat_id, _private_chat(user, chat_id))
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
            width, height = _image_size(msg.photo.data)
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

    # ---- internals: HTTP ---------------------------------------------------------------------

    def _serve(self, handler: _Handler) -> None:
        try:
            path = urlsplit(handler.path)
            # PTB percent-quotes download URLs (the token's ':' becomes %3A).
            route = unquote(path.path)
            if route.startswith("/file/bot"):
                self._serve_file(handler, route[len("/file/bot") :])
                return
            if not route.startswith("/bot"):
                raise ApiError(404, "Not Found")
            token, _, method = route[len("/bot") :].partition("/")
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            body = handler.read_body()
            raw = dict(parse_qsl(path.query, keep_blank_values=True))
            try:
                raw.update(_parse_body(handler.headers.get("Content-Type", ""), body))
            except (ValueError, UnicodeDecodeError) as exc:
                raise _bad_request(f"can't parse request: {exc}") from exc
            result = self._call(method, _Params(raw))
            handler.respond_json(200, {"ok": True, "result": result})
        except ApiError as err:
            handler.respond_json(err.error_code, err.payload())
        except (BrokenPipeError, ConnectionResetError):
            return  # the client gave up (e.g. its timeout); nothing to answer

    def _serve_file(self, handler: _Handler, rest: str) -> None:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        with self._lock:
            self._calls.append(("<download>", {"file_path": file_path}))
            stored = self._files_by_path.get(file_path)
            truncate_to: int | None = None
            if stored is not None and self._truncation is not None:
                truncate_to = self._truncation.keep_bytes
                if self._truncation.remaining is not None:
                    self._truncation.remaining -= 1
                    if self._truncation.remaining <= 0:
                        self._truncation = None
            self._changed()
        if stored is None:
            raise ApiError(404, "Not Found")
        handler.respond(200, stored.data, "application/octet-stream", truncate_to=truncate_to)

    def _call(self, method: str, params: _Params) -> Any:
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

    def _execute(self, key: str, params: _Params) -> Any:
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

    # ---- internals: webhook delivery ----------------------------------------------------------

    def _deliver_loop(self) -> None:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while True:
            update = self._deliveries.get()
            if update is None:
                return
            with self._lock:
                url, secret = self._webhook_url, self._webhook_secret
            if url is None:  # webhook deleted meanwhile: fall back to getUpdates
                with self._lock:
                    self._updates.append(update)
                    self._changed()
                continue
            headers = {"Content-Type": "application/json"}
            if secret:
                headers["X-Telegram-Bot-Api-Secret-Token"] = secret
            status: int | None = None
            error: str | None = None
            # Telegram retries failed deliveries; a few quick tries cover a server still binding.
            for attempt in range(3):
                request = urllib.request.Request(
                    url, data=json.dumps(update).encode(), headers=headers, method="POST"
                )
                try:
                    with opener.open(request, timeout=10) as response:
                        status, error = response.status, None
                    break
                except urllib.error.HTTPError as exc:
                    status, error = exc.code, exc.reason
                    break
                except OSError as exc:
                    status, error = None, str(exc)
                    if self._stopping.wait(0.2 * (attempt + 1)):
                        break
            with self._lock:
                self._webhook_log.append(WebhookDelivery(update["update_id"], status, error))
                self._changed()

    # ---- Bot API methods ---------------------------------------------------------------------

    def _m_get_me(self, params: _Params) -> JSON:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _m_get_updates(self, params: _Params) -> list[JSON]:
        offset = params.int_("offset", 0) or 0
        limit = max(1, min(100, params.int_("limit", 100) or 100))
        try:
            timeout = max(0.0, float(params.raw.get("timeout") or 0))
        except (TypeError, ValueError) as exc:
            raise _bad_request('field "timeout" must be a Number') from exc
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

    def _m_delete_webhook(self, params: _Params) -> bool:
        with self._lock:
            self._webhook_url = None
            self._webhook_secret = None
            if params.bool_("drop_pending_updates"):
                self._updates.clear()
            self._changed()
        return True

    def _m_set_webhook(self, params: _Params) -> bool:
        url = params.str_("url")
        if not url:
            return self._m_delete_webhook(params)
        secret = params.str_("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise _bad_request("secret token contains unallowed characters")
        with self._lock:
            self._webhook_url = url
            self._webhook_secret = secret
            pending, self._updates = self._updates, []
            if not params.bool_("drop_pending_updates"):
                for update in pending:
                    self._deliveries.put(update)
            self._changed()
        return True

    def _m_get_webhook_info(self, params: _Params) -> JSON:
        with self._lock:
            return {
                "url": self._webhook_url or "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }

    def _m_set_my_commands(self, params: _Params) -> bool:
        commands = params.obj("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        parsed: list[tuple[str, str]] = []
        for item in commands:
            command = str(item.get("command", "")).removeprefix("/")
            description = str(item.get("description", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise _bad_request("command description is empty or too long")
            parsed.append((command, description))
        with self._lock:
            key = (_scope_key(params.obj("scope")), params.str_("language_code") or "")
            self._commands[key] = parsed
            self._changed()
        return True

    def _m_get_my_commands(self, params: _Params) -> list[JSON]:
        with self._lock:
            key = (_scope_key(params.obj("scope")), params.str_("language_code") or "")
            return [{"command": c, "description": d} for c, d in self._commands.get(key, [])]

    def _m_delete_my_commands(self, params: _Params) -> bool:
        with self._lock:
            key = (_scope_key(params.obj("scope")), params.str_("language_code") or "")
            self._commands.pop(key, None)
            self._changed()
        return True

    def _chat(self, params: _Params) -> int:
        chat_id = params.need_int("chat_id")
        if chat_id not in self._known_chats:
            raise _bad_request("chat not found")
        return chat_id

    def _reply_to(self, params: _Params) -> int | None:
        reply = params.obj("reply_parameters")
        if isinstance(reply, dict) and "message_id" in reply:
            return int(reply["message_id"])
        return params.int_("reply_to_message_id")

    def _new_bot_message(self, chat_id: int, params: _Params, **fields: Any) -> BotMessage:
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

    def _m_send_message(self, params: _Params) -> JSON:
        text = params.str_("text") or ""
        parse_mode = params.str_("parse_mode")
        _check_text(text, parse_mode, MAX_TEXT_LENGTH, "message is too long", "text")
        markup = _check_markup(params.obj("reply_markup"))
        with self._lock:
            chat_id = self._chat(params)
            msg = self._new_bot_message(
                chat_id, params, text=text, parse_mode=parse_mode, reply_markup=markup
            )
            return self._message_json(msg)

    def _editable(self, params: _Params) -> BotMessage:
        if params.has("inline_message_id"):
            raise _bad_request("inline messages are not supported by the fake")
        chat_id = params.need_int("chat_id")
        message_id = params.need_int("message_id")
        msg = self._bot_messages.get(chat_id, {}).get(message_id)
        if msg is None or msg.deleted:
            raise _bad_request("message to edit not found")
        return msg

    def _apply_edit(self, msg: BotMessage, **changes: Any) -> JSON:
        after = copy.copy(msg)
        for name, value in changes.items():
            setattr(after, name, value)
        if _rendered(after) == _rendered(msg):
            raise ApiError(400, NOT_MODIFIED)
        for name, value in changes.items():
            setattr(msg, name, value)
        msg.edit_count += 1
        self._changed()
        msg.revision = self._revision
        return self._message_json(msg)

    def _m_edit_message_text(self, params: _Params) -> JSON:
        text = params.str_("text") or ""
        parse_mode = params.str_("parse_mode")
        _check_text(text, parse_mode, MAX_TEXT_LENGTH, "message is too long", "text")
        # Telegram drops the keyboard when an edit does not repeat it.
        markup = _check_markup(params.obj("reply_markup"))
        with self._lock:
            msg = self._editable(params)
            if msg.text is None:
                raise _bad_request("there is no text in the message to edit")
            return self._apply_edit(msg, text=text, parse_mode=parse_mode, reply_markup=markup)

    def _m_edit_message_caption(self, params: _Params) -> JSON:
        caption = params.str_("caption") or ""
        parse_mode = params.str_("parse_mode")
        _check_text(
            caption, parse_mode, MAX_CAPTION_LENGTH, "message caption is too long", "caption"
        )
        markup = _check_markup(params.obj("reply_markup"))
        with self._lock:
            msg = self._editable(params)
            if msg.text is not None:
                raise _bad_request("there is no caption in the message to edit")
            return self._apply_edit(
                msg, caption=caption or None, parse_mode=parse_mode, reply_markup=markup
            )

    def _m_edit_message_media(self, params: _Params) -> JSON:
        """A photo or document message gets a new file (uploaded or by file_id), caption and
        keyboard; like Telegram, a text message cannot become a photo this way."""
        media = params.obj("media")
        if not isinstance(media, dict):
            raise _bad_request("can't parse InputMedia JSON object")
        kind = media.get("type")
        if kind not in ("photo", "document"):
            raise _bad_request(f"media type {kind} is not supported by the fake")
        ref = str(media.get("media", ""))
        name = ref.removeprefix("attach://")
        sub = _Params({name: params.raw.get(name) if ref.startswith("attach://") else ref})
        caption = media.get("caption") or None
        parse_mode = media.get("parse_mode")
        if caption:
            _check_text(
                caption, parse_mode, MAX_CAPTION_LENGTH, "message caption is too long", "caption"
            )
        markup = _check_markup(params.obj("reply_markup"))
        with self._lock:
            msg = self._editable(params)
            if msg.text is not None:
                raise _bad_request("there is no media in the message to edit")
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

    def _m_edit_message_reply_markup(self, params: _Params) -> JSON:
        markup = _check_markup(params.obj("reply_markup"))
        with self._lock:
            msg = self._editable(params)
            return self._apply_edit(msg, reply_markup=markup)

    def _m_delete_message(self, params: _Params) -> bool:
        with self._lock:
            chat_id = params.need_int("chat_id")
            msg = self._bot_messages.get(chat_id, {}).get(params.need_int("message_id"))
            if msg is None or msg.deleted:
                raise _bad_request("message to delete not found")
            msg.deleted = True
            self._changed()
            msg.revision = self._revision
        return True

    def _m_answer_callback_query(self, params: _Params) -> bool:
        query_id = params.str_("callback_query_id") or ""
        with self._lock:
            if self._callbacks.get(query_id, True):  # unknown or already answered
                raise ApiError(400, QUERY_TOO_OLD)
            self._callbacks[query_id] = True
            text = params.str_("text")
            if text is not None and len(text) > 200:
                raise _bad_request("MESSAGE_TOO_LONG")
            self._answered.append(
                AnsweredCallback(query_id, text, params.bool_("show_alert"), params.str_("url"))
            )
            self._changed()
        return True

    def _m_send_chat_action(self, params: _Params) -> bool:
        with self._lock:
            chat_id = self._chat(params)
            self._chat_actions.append((chat_id, params.str_("action") or ""))
            self._changed()
        return True

    def _m_get_file(self, params: _Params) -> JSON:
        file_id = params.str_("file_id") or ""
        with self._lock:
            stored = self._files_by_id.get(file_id)
        if stored is None:
            raise _bad_request("invalid file_id")
        if stored.declared_size > MAX_DOWNLOAD_BYTES:
            raise _bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.declared_size,
            "file_path": stored.file_path,
        }

    def _upload(self, params: _Params, name: str, folder: str) -> tuple[Upload, str]:
        """The uploaded (or re-sent by file_id) file and its new file_id."""
        value = params.raw.get(name)
        if isinstance(value, str) and value:
            with self._lock:
                known = self._files_by_id.get(value)
            if known is None:
                raise _bad_request("wrong remote file identifier specified")
            value = Upload(known.file_path.rsplit("/", 1)[-1], None, known.data)
        if not isinstance(value, Upload):
            raise _bad_request(f"there is no {name} in the request")
        if not value.data:
            raise _bad_request("file must be non-empty")
        suffix = ""
        if value.filename and "." in value.filename:
            suffix = "." + value.filename.rsplit(".", 1)[1]
        stored = self._register_file(value.data, folder, suffix, None)
        return value, stored.file_id

    def _caption(self, params: _Params) -> tuple[str | None, str | None]:
        caption = params.str_("caption")
        parse_mode = params.str_("parse_mode")
        if caption:
            _check_text(
                caption, parse_mode, MAX_CAPTION_LENGTH, "message caption is too long", "caption"
            )
        return caption or None, parse_mode

    def _m_send_document(self, params: _Params) -> JSON:
        return self._send_file(params, "document", "documents")

    def _m_send_photo(self, params: _Params) -> JSON:
        return self._send_file(params, "photo", "photos")

    def _send_file(self, params: _Params, field: str, folder: str) -> JSON:
        """sendDocument / sendPhoto: store the upload on a new bot message."""
        caption, parse_mode = self._caption(params)
        markup = _check_markup(params.obj("reply_markup"))
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

    def _m_send_media_group(self, params: _Params) -> list[JSON]:
        media = params.obj("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise _bad_request("wrong number of media in the album: must be 2-10")
        with self._lock:
            chat_id = self._chat(params)
            group_id = f"G{next(self._ids)}"
        prepared: list[JSON] = []
        for item in media:
            ref = str(item.get("media", ""))
            name = ref.removeprefix("attach://")
            sub = _Params({name: params.raw.get(name) if ref.startswith("attach://") else ref})
            kind = item.get("type")
            if kind not in ("photo", "document"):
                raise _bad_request(f"media type {kind} is not supported by the fake")
            upload, file_id = self._upload(sub, name, kind + "s")
            caption = item.get("caption")
            if caption:
                _check_text(
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


_METHODS: dict[str, Callable[[FakeBotApi, _Params], Any]] = {
    "getme": FakeBotApi._m_get_me,
    "getupdates": FakeBotApi._m_get_updates,
    "deletewebhook": FakeBotApi._m_delete_webhook,
    "setwebhook": FakeBotApi._m_set_webhook,
    "getwebhookinfo": FakeBotApi._m_get_webhook_info,
    "setmycommands": FakeBotApi._m_set_my_commands,
    "getmycommands": FakeBotApi._m_get_my_commands,
    "deletemycommands": FakeBotApi._m_delete_my_commands,
    "sendmessage": FakeBotApi._m_send_message,
    "editmessagetext": FakeBotApi._m_edit_message_text,
    "editmessagecaption": FakeBotApi._m_edit_message_caption,
    "editmessagemedia": FakeBotApi._m_edit_message_media,
    "editmessagereplymarkup": FakeBotApi._m_edit_message_reply_markup,
    "deletemessage": FakeBotApi._m_delete_message,
    "answercallbackquery": FakeBotApi._m_answer_callback_query,
    "sendchataction": FakeBotApi._m_send_chat_action,
    "getfile": FakeBotApi._m_get_file,
    "senddocument": FakeBotApi._m_send_document,
    "sendphoto": FakeBotApi._m_send_photo,
    "sendmediagroup": FakeBotApi._m_send_media_group,
}


def _check_text(text: str, parse_mode: str | None, limit: int, too_long: str, what: str) -> None:
    plain = html_to_plain(text) if (parse_mode or "").upper() == "HTML" else text
    if not plain.strip():
        raise _bad_request(f"message {what} is empty")
    if _utf16_len(plain) > limit:
        raise _bad_request(too_long)


def _rendered(msg: BotMessage) -> tuple[str, tuple[str, ...], str, str]:
    """What Telegram compares for "message is not modified": the visible text (trimmed, as
    Telegram stores it), the formatting, the keyboard and the file; not the raw markup
    spelling."""
    html = (msg.parse_mode or "").upper() == "HTML"
    tags = tuple(m.group(0) for m in _TAG_RE.finditer(msg.body)) if html else ()
    keyboard = json.dumps(msg.reply_markup, sort_keys=True) if msg.reply_markup else ""
    media = msg.photo or msg.document
    return msg.visible.strip(), tags, keyboard, media.file_id if media else ""


def _check_markup(markup: Any) -> JSON | None:
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup  # reply keyboards / remove / force_reply: stored, not validated
    if not isinstance(rows, list):
        raise _bad_request('field "inline_keyboard" must be an Array')
    for row in rows:
        for button in row:
            if not button.get("text"):
                raise _bad_request("BUTTON_TEXT_INVALID")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise _bad_request("BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not re.match(r"(https?|tg)://\S+$", str(url)):
                raise _bad_request("BUTTON_URL_INVALID")
            kinds = {"callback_data", "url", "switch_inline_query", "web_app", "copy_text",
                     "switch_inline_query_current_chat", "login_url", "pay", "callback_game",
                     "switch_inline_query_chosen_chat"}  # fmt: skip
            if not kinds & button.keys():
                raise _bad_request('can\'t find field "callback_data"')
    return copy.deepcopy(markup)


def _scope_key(scope: Any) -> str:
    if not scope or (isinstance(scope, dict) and scope.get("type") == "default"):
        return "default"
    return json.dumps(scope, sort_keys=True)


def _private_chat(user: JSON, chat_id: int | None = None) -> JSON:
    return {
        "id": user["id"] if chat_id is None else chat_id,
        "type": "private",
        "first_name": user.get("first_name", "Tester"),
    }


def _image_size(data: bytes) -> tuple[int, int]:
    """Real dimensions for PhotoSize; garbage bytes (tests of bad uploads) get 100x100."""
    try:
        from PIL import Image  # local import: only photo-sending tests need Pillow

        with Image.open(io.BytesIO(data)) as image:
            return int(image.width), int(image.height)
    except Exception:  # any undecodable upload is a legitimate test input here
        return 100, 100
