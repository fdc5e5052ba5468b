"""What people send besides a photo: a PDF (text layer and scans), an iPhone HEIC, a scanner's
multi-page TIFF. Each becomes one note, read like the photo it stands for."""

from __future__ import annotations

import io
from typing import Any

import pillow_heif
import pytest
from PIL import Image

from testkit.buttons import questions
from testkit.drawing import draw_lines, to_bytes
from testkit.fake_bot_api import BotMessage, FakeBotApi
from testkit.harness import Conversation
from testkit.pdfs import huge_page_pdf, image_bomb_pdf, make_pdf, many_pages_pdf

TYPED = ["Project kickoff: Monday 9:30", "Owner: Lan (budget, 2 pages)", "Next review on 12/03"]
PAGE_2 = ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm")
PAGE_3 = ("Finish the quarterly report", "Read chapter five again")


async def _stored_notes(app: Any, user_id: int) -> list[Any]:
    return list(await app.bot_data["services"].db.notes.get_notes(user_id))


def _note_text(m: BotMessage) -> str | None:
    """The final note's text, under its heading ("📝 Your note (3 lines), saved:")."""
    heading, _, text = m.visible.partition("\n")
    return text.strip() if heading.startswith("📝 Your note (") and not questions(m) else None


async def _final_note(chat: Conversation, lines: list[str] | tuple[str, ...]) -> Any:
    """The final note: the text alone, sent once the note is stored."""
    text = "\n".join(lines)
    return await chat.await_reply(lambda m: _note_text(m) == text, timeout=120)


async def test_pdf_with_text_layer_and_scans_becomes_one_note(
    bot: Any, fake_api: FakeBotApi
) -> None:
    pdf = make_pdf([TYPED, draw_lines(list(PAGE_2)), draw_lines(list(PAGE_3))])
    chat = Conversation(fake_api, chat_id=5001)
    chat.send_document(pdf, "minutes.pdf", "application/pdf")
    await _final_note(chat, [*TYPED, *PAGE_2, *PAGE_3])
    assert not [m for m in chat.bot_messages() if m.photo is not None], "no line to check"

    [note] = await _stored_notes(bot, 5001)
    assert len(note.file_ids) == 3, "one page of the note per page of the PDF"
    first = [line for line in note.lines if line["page"] == 0]
    # Taken from the text layer: exactly as typed, and never put to the user.
    assert [line["text"] for line in first] == TYPED
    assert all(line["state"] == "accepted" for line in first)
    assert {line["page"] for line in note.lines} == {0, 1, 2}
    assert note.text.splitlines()[:3] == TYPED


async def test_heic_sent_as_file_reads_like_the_jpeg(bot: Any, fake_api: FakeBotApi) -> None:
    img = draw_lines(list(PAGE_2)).convert("RGB")
    heic = io.BytesIO()
    pillow_heif.from_pillow(img).save(heic, quality=90)
    chat = Conversation(fake_api, chat_id=5002)
    chat.send_document(heic.getvalue(), "IMG_0001.HEIC", "image/heic")
    await _final_note(chat, PAGE_2)
    chat.send_document(to_bytes(img, "JPEG", 90), "IMG_0001.jpg", "image/jpeg")
    await _final_note(chat, PAGE_2)
    heic_row, jpeg_row = await _stored_notes(bot, 5002)
    assert heic_row.text == jpeg_row.text == "\n".join(PAGE_2)
    # The same lines in the same places (a pixel or two apart: both encodings are lossy).
    for heic_line, jpeg_line in zip(heic_row.lines, jpeg_row.lines, strict=True):
        pairs = zip(heic_line["box"], jpeg_line["box"], strict=True)
        assert all(abs(a - b) <= 3 for a, b in pairs)


async def test_multi_page_tiff_becomes_pages(bot: Any, fake_api: FakeBotApi) -> None:
    frames = [draw_lines(list(PAGE_2)).convert("L"), draw_lines(list(PAGE_3)).convert("L")]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_lzw")
    chat = Conversation(fake_api, chat_id=5003)
    chat.send_document(buf.getvalue(), "scan.tiff", "image/tiff")
    await _final_note(chat, [*PAGE_2, *PAGE_3])
    [note] = await _stored_notes(bot, 5003)
    assert len(note.file_ids) == 2


async def test_exif_orientation_is_honoured_for_heic(bot: Any, fake_api: FakeBotApi) -> None:
    # Stored lying on its side with "turn 90° clockwise to view", as phones do.
    img = draw_lines(list(PAGE_3)).convert("RGB").rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6
    heic = io.BytesIO()
    img.save(heic, "HEIF", exif=exif.tobytes())
    chat = Conversation(fake_api, chat_id=5004)
    chat.send_document(heic.getvalue(), "IMG_0002.heic", "application/octet-stream")
    await _final_note(chat, PAGE_3)


def _corrupt_pdf() -> bytes:
    """A real PDF cut in half, as an interrupted download leaves it."""
    whole = make_pdf([TYPED, draw_lines(list(PAGE_2))])
    return whole[: len(whole) // 2]


@pytest.mark.parametrize(
    ("data", "file_name", "mime", "words"),
    [
        (make_pdf([TYPED], password="secret"), "locked.pdf", "application/pdf", ("password",)),
        (many_pages_pdf(500), "book.pdf", "application/pdf", ("500 pages", "at most 20")),
        (_corrupt_pdf(), "cut.pdf", "application/pdf", ("damaged",)),
        (huge_page_pdf(100_000), "poster.pdf", "application/pdf", ("far too large",)),
        (image_bomb_pdf(100_000), "bomb.pdf", "application/pdf", ("far too large",)),
        (b"", "IMG_0003.HEIC", "image/heic", ("empty",)),
    ],
    ids=["encrypted", "500-pages", "corrupt", "100000pt-page", "image-bomb", "zero-byte-heic"],
)
async def test_bad_document_gets_one_sentence_and_nothing_is_stored(
    bot: Any,
    fake_api: FakeBotApi,
    data: bytes,
    file_name: str,
    mime: str,
    words: tuple[str, ...],
) -> None:
    chat = Conversation(fake_api, chat_id=5100)
    chat.send_document(data, file_name, mime)
    reply = await chat.await_reply(
        lambda m: all(w in m.visible for w in words) and not questions(m), timeout=60
    )
    text = reply.visible
    assert len(text) < 120 and text.count(".") <= 2, f"one short sentence, not {text!r}"
    assert "went wrong" not in text
    # The bot goes on serving, and nothing was kept: no note, no review waiting.
    chat.send_command("notes")
    await chat.await_reply(contains="no saved notes")
    services = bot.bot_data["services"]
    assert await _stored_notes(bot, 5100) == []
    assert await services.db.reviews.open_review_for(5100, 5100) is None


async def test_help_says_what_can_be_sent_and_the_limits(bot: Any, fake_api: FakeBotApi) -> None:
    chat = Conversation(fake_api, chat_id=5200)
    chat.send_command("help")
    reply = await chat.await_reply(contains="How it works")
    wanted = ("photo", "HEIC", "album", "PDF", "20 MB", "20 pages", "[md|json|txt|pdf]")
    for words in wanted:
        assert words in reply.visible, words


async def test_opening_a_pdf_note_sends_the_pdf_once(bot: Any, fake_api: FakeBotApi) -> None:
    pdf = make_pdf([TYPED, TYPED[::-1]])
    chat = Conversation(fake_api, chat_id=5300)
    chat.send_document(pdf, "minutes.pdf", "application/pdf")
    await _final_note(chat, [*TYPED, *TYPED[::-1]])
    chat.send_command("notes")
    listing = await chat.await_reply(contains="Your notes")
    opener = next(t for t in listing.button_texts if t.startswith("📄"))
    chat.press(opener, message_id=listing.message_id)
    await chat.await_reply(lambda m: "📄 PDF" in m.button_texts)
    # (The fake takes a document's file_id in sendPhoto too; Telegram makes it a document.)
    sent = [m.document or m.photo for m in chat.bot_messages() if m.document or m.photo]
    assert [f.data for f in sent if f is not None] == [pdf], "the PDF is sent back once"
