"""Odd, broken and hostile uploads: each gets one short, clear reply and the bot keeps serving."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from typing import Any

import pytest
from PIL import Image

from testkit.buttons import questions
from testkit.drawing import draw_lines, note_png, to_bytes
from testkit.fake_bot_api import BotMessage, FakeBotApi
from testkit.harness import Conversation

CLEAN = ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm", "Read chapter five again")
FALLBACK = "something went wrong"


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _bomb_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """A tiny file whose header claims a huge grey image (900 megapixels)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    row = b"\x00" + b"\xff" * 64  # a few bytes of data: the header alone must be refused
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(row * 4))
        + _png_chunk(b"IEND", b"")
    )


def _animated_gif() -> bytes:
    # Distinct colours: Pillow merges identical consecutive frames when saving.
    frames = [Image.new("RGB", (64, 64), c) for c in ((255, 0, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buf.getvalue()


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("notes.txt", "Buy milk")
    return buf.getvalue()


def _png(img: Image.Image) -> bytes:
    return to_bytes(img)


def _rotated_jpeg() -> bytes:
    """The note stored lying on its side, with EXIF Orientation 6 ("turn 90° clockwise to
    view"), as phones save portrait shots; exif_transpose stands it up again."""
    img = draw_lines(list(CLEAN), font_name="sans", size=40).convert("RGB").rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=92, exif=exif.tobytes())
    return buf.getvalue()


def _short_clear(reply: BotMessage, *words: str) -> None:
    text = reply.visible
    assert text.strip(), "never an empty message"
    assert len(text) < 200, f"one short sentence, not {text!r}"
    assert FALLBACK not in text.lower(), f"a specific reason, not the fallback: {text!r}"
    assert any(w.lower() in text.lower() for w in words), text


async def _still_serving(chat: Conversation) -> None:
    chat.send_command("start")
    await chat.await_reply(contains="Send me a photo")


def _replies_with(*words: str) -> Any:
    return lambda m: any(w.lower() in m.visible.lower() for w in words) and not questions(m)


@pytest.mark.parametrize(
    ("data", "file_name", "mime", "words"),
    [
        (b"", "empty.jpg", "image/jpeg", ("empty", "not an image")),
        (
            b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF",
            "notes.pdf",
            "application/pdf",
            ("cannot open this PDF",),
        ),
        (_zip(), "notes.zip", "application/zip", ("not an image",)),
        (b"Buy milk\nCall the dentist\n", "notes.txt", "text/plain", ("not an image",)),
        (_animated_gif(), "moving.gif", "image/gif", ("animated",)),
        (_bomb_png(), "huge.png", "image/png", ("too many pixels",)),
        (
            _png(Image.new("L", (50_000, 10), 255)),
            "banner.png",
            "image/png",
            ("too narrow", "too small"),
        ),
        # A PNG that is really something else: the bytes decide, not the MIME type.
        (b"MZ\x90\x00" + b"\x00" * 200, "note.png", "image/png", ("not an image",)),
    ],
    ids=["zero-bytes", "pdf", "zip", "text", "animated-gif", "bomb", "50000x10", "fake-png"],
)
async def test_bad_document_gets_a_short_reply(
    bot: Any,
    fake_api: FakeBotApi,
    data: bytes,
    file_name: str,
    mime: str,
    words: tuple[str, ...],
) -> None:
    chat = Conversation(fake_api, chat_id=3001)
    chat.send_document(data, file_name, mime)
    reply = await chat.await_reply(_replies_with(*words), timeout=30)
    _short_clear(reply, *words)
    await _still_serving(chat)


async def test_truncated_jpeg_photo(bot: Any, fake_api: FakeBotApi) -> None:
    whole = to_bytes(draw_lines(list(CLEAN)), "JPEG", 90)
    chat = Conversation(fake_api, chat_id=3002)
    chat.send_photo(whole[: len(whole) // 2])
    reply = await chat.await_reply(_replies_with("not an image", "could not read"), timeout=30)
    _short_clear(reply, "not an image", "could not read")
    await _still_serving(chat)


async def test_photo_over_the_size_limit_is_refused_before_download(
    bot: Any, fake_api: FakeBotApi
) -> None:
    chat = Conversation(fake_api, chat_id=3003)
    chat.send_photo(note_png(CLEAN), file_size=25 * 1024 * 1024)
    reply = await chat.await_reply(_replies_with("too large"))
    _short_clear(reply, "too large")
    await _still_serving(chat)
    assert fake_api.call_count("getFile") == 0, "a file over the limit is never fetched"


async def test_photo_without_text_says_so(bot: Any, fake_api: FakeBotApi) -> None:
    chat = Conversation(fake_api, chat_id=3004)
    chat.send_photo(_png(Image.new("RGB", (800, 600), (250, 250, 245))))
    reply = await chat.await_reply(contains="found no text", timeout=60)
    _short_clear(reply, "no text")
    assert all(m.visible.strip() or m.photo or m.document for m in chat.bot_messages())
    await _still_serving(chat)


async def test_photo_rotated_by_exif_reads_upright(bot: Any, fake_api: FakeBotApi) -> None:
    chat = Conversation(fake_api, chat_id=3005)
    chat.send_photo(_rotated_jpeg())
    await chat.await_reply(
        lambda m: "Call the dentist" in m.visible and "Buy milk" in m.visible, timeout=60
    )


async def test_caption_with_html_is_harmless(bot: Any, fake_api: FakeBotApi) -> None:
    chat = Conversation(fake_api, chat_id=3006)
    chat.send_photo(note_png(CLEAN), caption='<b>bold</b> <a href="x">&amp; <script>x</script>')
    await chat.await_reply(contains="Call the dentist at 3 pm", timeout=60)
    assert not any(FALLBACK in m.visible.lower() for m in chat.bot_messages())
    assert not any("<script>" in m.visible for m in chat.bot_messages())
    await _still_serving(chat)


async def test_text_without_pending_resend_gets_a_hint(bot: Any, fake_api: FakeBotApi) -> None:
    chat = Conversation(fake_api, chat_id=3007)
    chat.send_text("Water the plants")
    reply = await chat.await_reply(contains="photo")
    _short_clear(reply, "Send me a photo")
    await _still_serving(chat)


@pytest.mark.parametrize(
    ("command", "args", "words"),
    [
        ("language", "xx", ("not available",)),
        ("threshold", "150", ("0 to 100", "0-100")),
        ("strictness", "very", ("lenient", "0 to 100")),
        ("export", "docx", ("md", "json")),
    ],
)
async def test_bad_command_arguments(
    bot: Any, fake_api: FakeBotApi, command: str, args: str, words: tuple[str, ...]
) -> None:
    chat = Conversation(fake_api, chat_id=3008)
    chat.send_command(command, args)
    reply = await chat.await_reply(_replies_with(*words))
    _short_clear(reply, *words)
    await _still_serving(chat)
