"""Proof that ``FakeBotApi`` is a Bot API the real python-telegram-bot accepts.

A tiny real Application (echo + inline keyboard + callback handler) runs against the fake over
real HTTP, in polling and webhook mode, and the fault switches surface in PTB as the same
exceptions real Telegram would cause. If these pass, e2e failures are the bot's, not the fake's.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from PIL import Image
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Update,
    WebAppInfo,
)
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from testkit.drawing import note_png
from testkit.fake_bot_api import FakeBotApi, html_to_plain
from testkit.harness import Conversation, free_port, running_bot, running_webhook_bot

TOKEN = "424242:fake-token-for-tests"
CHAT = 5001

AnyApp = Application[Any, Any, Any, Any, Any, Any]


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(TOKEN) as api:
        yield api


def build_app(fake: FakeBotApi, *, rate_limiter: AIORateLimiter | None = None) -> AnyApp:
    builder = (
        ApplicationBuilder().token(TOKEN).base_url(fake.base_url).base_file_url(fake.base_file_url)
    )
    if rate_limiter is not None:
        # PTB's builder generics pin the limiter's argument type to None; AIORateLimiter is fine.
        builder = builder.rate_limiter(rate_limiter)  # type: ignore[arg-type]
    app = builder.build()

    async def post_init(app: AnyApp) -> None:
        await app.bot.set_my_commands([BotCommand("start", "Say hello")])

    app.post_init = post_init

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            f"echo: {update.effective_message.text}",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("Done", callback_data="done")]]
            ),
        )

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("<b>Hello</b> &amp; welcome", parse_mode="HTML")

    async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        file = await message.photo[-1].get_file()
        data = await file.download_as_bytearray()
        await message.reply_document(
            bytes(data), filename="copy.bin", caption=hashlib.sha256(data).hexdigest()
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("ok")
        # No reply_markup: Telegram drops the keyboard, which the fake must mirror.
        await query.edit_message_text(f"pressed {query.data}")

    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(MessageHandler(filters.PHOTO, photo))
    app.add_handler(CallbackQueryHandler(pressed))
    return app


async def test_polling_echo_round_trip_and_commands(fake: FakeBotApi) -> None:
    chat = Conversation(fake, CHAT)
    async with running_bot(build_app(fake)):
        chat.send_text("hello there")
        reply = await chat.await_reply(contains="echo: hello there")
        assert reply.buttons == [[("Done", "done")]]

        chat.send_command("start")
        greeting = await chat.await_reply(contains="Hello")
        assert greeting.text == "<b>Hello</b> &amp; welcome"
        assert greeting.parse_mode == "HTML"
    # running_bot runs post_init like run_polling does.
    assert fake.commands == [("start", "Say hello")]
    # PTB confirmed what it handled (getUpdates offset): a restarted bot would not see it again.
    assert fake.pending_updates == 0


async def test_button_press_is_answered_and_edit_drops_keyboard(fake: FakeBotApi) -> None:
    chat = Conversation(fake, CHAT)
    async with running_bot(build_app(fake)):
        chat.send_text("note")
        echoed = await chat.await_reply(contains="echo: note")
        query_id = chat.press("Done")
        edited = await chat.await_reply(contains="pressed done")
        answer = await chat.await_callback_answer(query_id)

    assert edited.message_id == echoed.message_id
    assert edited.buttons == []
    assert answer.text == "ok"
    assert len(fake.answered_callbacks) == 1
    with pytest.raises(AssertionError, match="no button"):
        chat.press("Done")  # the keyboard is gone; a human could not press it either


async def test_photo_download_returns_identical_bytes_and_document_upload_is_kept(
    fake: FakeBotApi,
) -> None:
    image = bytes(range(256)) * 300  # not an image: the fake must still serve the bytes as-is
    chat = Conversation(fake, CHAT)
    async with running_bot(build_app(fake)):
        chat.send_photo(image, caption="scan")
        reply = await chat.await_reply(lambda m: m.document is not None)

    assert reply.document is not None
    assert reply.document.data == image
    assert reply.document.file_name == "copy.bin"
    assert reply.caption == hashlib.sha256(image).hexdigest()


async def test_not_modified_bad_html_long_text_and_bad_button_data(fake: FakeBotApi) -> None:
    fake.add_chat(CHAT)
    async with build_app(fake).bot as bot:
        sent = await bot.send_message(CHAT, "same")
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_text("same", CHAT, sent.message_id)
        # Telegram compares what the user sees: same words, same formatting -> not modified.
        html = await bot.send_message(CHAT, "<b>A</b> &amp; B", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_text(
                "<b>A</b> &#38; B", CHAT, html.message_id, parse_mode="HTML"
            )
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_reply_markup(CHAT, html.message_id, reply_markup=None)
        await bot.edit_message_text("<i>A</i> &amp; B", CHAT, html.message_id, parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(CHAT, "a <b>bold", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(CHAT, "1 < 2", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(CHAT, "x" * 4097)
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(
                CHAT,
                "pick",
                reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton("b", callback_data="d" * 65)]]
                ),
            )
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(CHAT + 1, "nobody here")
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("noSuchMethod")

    # Only the valid messages exist; the rejected ones left no trace.
    assert [m.visible for m in fake.bot_messages(CHAT)] == ["same", "A & B"]


async def test_web_app_buttons_only_in_private_chats_and_over_https(fake: FakeBotApi) -> None:
    group = -100_777
    fake.add_chat(CHAT)
    fake.add_chat(group)

    def page(url: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("📝", web_app=WebAppInfo(url))]])

    async with build_app(fake).bot as bot:
        await bot.send_message(CHAT, "open", reply_markup=page("https://notes.example/app/"))
        with pytest.raises(BadRequest, match=r"(?i)button_type_invalid"):
            await bot.send_message(group, "open", reply_markup=page("https://notes.example/"))
        with pytest.raises(BadRequest, match=r"(?i)button_url_invalid"):
            await bot.send_message(CHAT, "open", reply_markup=page("http://notes.example/"))
    assert [m.visible for m in fake.bot_messages(group)] == []


def test_html_validator_accepts_telegram_subset() -> None:
    text = '<b>b</b> <i>i</i> <a href="https://x.y/?a=1&amp;b=2">l</a> &lt;&gt;&quot;&#33;'
    assert html_to_plain(text) == 'b i l <>"!'
    assert html_to_plain("<pre><code>x</code></pre> <tg-spoiler>s</tg-spoiler>") == "x s"


async def test_wrong_token_is_unauthorized(fake: FakeBotApi) -> None:
    app = ApplicationBuilder().token("1:wrong").base_url(fake.base_url).build()
    with pytest.raises(InvalidToken):
        await app.bot.initialize()


async def test_get_file_failure_and_truncated_download_surface_as_errors(
    fake: FakeBotApi,
) -> None:
    message = fake.user_sends_photo(CHAT, CHAT, b"\x89PNG fake bytes" * 100)
    file_id = message["photo"][-1]["file_id"]
    async with build_app(fake).bot as bot:
        fake.fail_get_file()
        with pytest.raises(BadRequest, match=r"(?i)temporarily unavailable"):
            await bot.get_file(file_id)

        file = await bot.get_file(file_id)
        fake.truncate_downloads(keep_bytes=10)
        with pytest.raises(NetworkError):
            await file.download_as_bytearray()
        # One-shot faults: the next download is whole again.
        assert bytes(await file.download_as_bytearray()) == b"\x89PNG fake bytes" * 100


# PTB itself warns about RetryAfter.retry_after becoming a timedelta; not ours to fix.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_429_is_retry_after_and_rate_limiter_retries(fake: FakeBotApi) -> None:
    fake.add_chat(CHAT)
    async with build_app(fake).bot as bot:
        fake.rate_limit("sendMessage", times=1, retry_after=1)
        with pytest.raises(RetryAfter):
            await bot.send_message(CHAT, "too fast")

    app = build_app(fake, rate_limiter=AIORateLimiter(max_retries=1))
    async with app:
        fake.rate_limit("sendMessage", times=1, retry_after=1)
        await app.bot.send_message(CHAT, "eventually")

    assert [m.text for m in fake.bot_messages(CHAT)] == ["eventually"]
    assert fake.call_count("sendMessage") == 3  # refused, refused, retried


async def test_webhook_delivers_with_secret_and_rejects_wrong_secret(fake: FakeBotApi) -> None:
    port = free_port()
    chat = Conversation(fake, CHAT)
    async with running_webhook_bot(build_app(fake), fake, port, "s3cret-Token"):
        chat.send_text("via webhook")
        await chat.await_reply(contains="echo: via webhook")

        async with httpx.AsyncClient() as client:
            response = await client.post(
                f"http://127.0.0.1:{port}/telegram",
                json={"update_id": 999, "message": {}},
                headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
            )
    assert response.status_code == 403
    assert [d.status for d in fake.webhook_deliveries] == [200]
    assert fake.pending_updates == 0  # webhook mode never queues for getUpdates


async def test_album_photo_sizes_and_media_group_upload(fake: FakeBotApi) -> None:
    png = note_png(("Album page",))
    first = fake.user_sends_photo(CHAT, CHAT, png, caption="p1", media_group_id="alb1")
    second = fake.user_sends_photo(CHAT, CHAT, png, media_group_id="alb1")
    assert first["media_group_id"] == second["media_group_id"] == "alb1"
    biggest = first["photo"][-1]
    with Image.open(io.BytesIO(png)) as image:
        assert (biggest["width"], biggest["height"]) == image.size
    assert all(size["file_size"] == len(png) for size in first["photo"])

    async with build_app(fake).bot as bot:
        sent = await bot.send_media_group(
            CHAT, [InputMediaPhoto(png, caption="one"), InputMediaPhoto(b"second image")]
        )
    assert len({m.media_group_id for m in sent}) == 1
    stored = fake.bot_messages(CHAT)
    assert [m.photo.data if m.photo else None for m in stored] == [png, b"second image"]
    assert stored[0].caption == "one"


async def test_delayed_method_times_out_in_ptb(fake: FakeBotApi) -> None:
    fake.add_chat(CHAT)
    fake.delay_method("sendChatAction", 30)  # cut short when the fake stops
    async with build_app(fake).bot as bot:
        with pytest.raises(TimedOut):
            await bot.send_chat_action(CHAT, "typing", read_timeout=0.2)
        fake.delay_method("sendChatAction", 0)
        await bot.send_chat_action(CHAT, "typing")
    # The server did act on the slow call; only the answer came too late for the bot.
    assert fake.chat_actions == [(CHAT, "typing")] * 2
