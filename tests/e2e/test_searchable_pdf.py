"""The searchable PDF as a user gets it: /export pdf and a note's 📄 PDF button. Checked the way
any PDF reader would see it: poppler's pdftotext finds the text, pdftoppm draws the pages."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

from PIL import Image

from testkit.buttons import questions
from testkit.drawing import draw_lines, note_png, scribbled_note, to_bytes
from testkit.fake_bot_api import BotMessage, FakeBotApi
from testkit.harness import Conversation
from testkit.pdfs import make_pdf
from tests.e2e.test_review_flow import _card_moved

PAGE_1 = ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm")
PAGE_2 = ("Finish the quarterly report", "Read chapter five again")
CLEAN = ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm", "Read chapter five again")
# What the user types for an unsure line: Vietnamese and Chinese must be findable as typed.
RETYPED = "Gặp Nguyễn Đức lúc 3 giờ 买牛奶和鸡蛋"


def _pdftotext(pdf: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


def _pdfinfo(pdf: Path) -> str:
    return subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True, text=True).stdout


def _pages(pdf: Path) -> int:
    return int(next(ln for ln in _pdfinfo(pdf).splitlines() if ln.startswith("Pages:")).split()[1])


def _render(pdf: Path, page: int, out: Path) -> Image.Image:
    """Page ``page`` as pdftoppm draws it with its defaults (150 dpi)."""
    prefix = out / f"page{page}"
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-singlefile",
            "-f",
            str(page),
            "-l",
            str(page),
            str(pdf),
            str(prefix),
        ],
        check=True,
    )
    return Image.open(f"{prefix}.png")


def _note_text(m: BotMessage) -> str | None:
    """The final note's text, under its heading ("📝 Your note (3 lines), saved:")."""
    heading, _, text = m.visible.partition("\n")
    return text.strip() if heading.startswith("📝 Your note (") and not questions(m) else None


async def _final(chat: Conversation, lines: tuple[str, ...] | list[str]) -> BotMessage:
    text = "\n".join(lines)
    return await chat.await_reply(lambda m: _note_text(m) == text, timeout=120)


async def _export(chat: Conversation, tmp_path: Path, name: str = "export.pdf") -> Path:
    chat.send_command("export", "pdf")
    sent = await chat.await_reply(lambda m: m.document is not None, timeout=120)
    assert sent.document is not None
    assert (sent.document.file_name or "").endswith(".pdf")
    path = tmp_path / name
    path.write_bytes(sent.document.data)
    return path


async def test_export_pdf_has_the_photos_with_every_line_searchable(
    bot: Any, fake_api: FakeBotApi, tmp_path: Path
) -> None:
    photos = [note_png(PAGE_1), note_png(PAGE_2)]
    chat = Conversation(fake_api, chat_id=6001)
    for photo in photos:
        chat.send_photo(photo, media_group_id="album-6001")
    await _final(chat, [*PAGE_1, *PAGE_2])

    pdf = await _export(chat, tmp_path)
    assert _pages(pdf) == 2, "one page per photo"
    text = _pdftotext(pdf)
    for line in (*PAGE_1, *PAGE_2):
        assert line in text
    for number, photo in enumerate(photos, start=1):
        drawn = _render(pdf, number, tmp_path)
        assert drawn.size == Image.open(io.BytesIO(photo)).size
    # The photo is there, not a blank page: dark ink where the first line was written.
    assert min(drawn.convert("L").tobytes()) < 100


async def test_retyped_line_carries_the_users_text(
    bot: Any, fake_api: FakeBotApi, tmp_path: Path
) -> None:
    chat = Conversation(fake_api, chat_id=6002)
    chat.send_photo(to_bytes(scribbled_note(CLEAN)))
    card = await chat.await_reply(lambda m: m.photo is not None and bool(m.buttons), timeout=120)
    chat.press("✏️ Retype / closer photo", message_id=card.message_id)
    asking = await chat.await_reply(contains="Send the correct text")
    chat.send_text(RETYPED)
    await _card_moved(fake_api, 6002, card.message_id, asking.revision)
    # Confirm (or drop) whatever else the card shows, one tap per line.
    for _ in range(10):
        current = fake_api.bot_message(6002, card.message_id)
        assert current is not None
        texts = current.button_texts
        if not texts:
            break
        chat.press("✅ Confirm" if "✅ Confirm" in texts else "🗑 Drop", message_id=card.message_id)
        await _card_moved(fake_api, 6002, card.message_id, current.revision)
    # The final note: every line, the retyped one as typed (sent once the note is stored).
    await chat.await_reply(
        lambda m: RETYPED in m.visible and CLEAN[0] in (_note_text(m) or ""), timeout=60
    )

    text = _pdftotext(await _export(chat, tmp_path))
    assert RETYPED in text
    for line in CLEAN:
        assert line in text


async def test_pdf_note_exports_with_its_text_layer_page(
    bot: Any, fake_api: FakeBotApi, tmp_path: Path
) -> None:
    typed = ["Agenda for Friday", "Budget: 1,200 EUR"]
    chat = Conversation(fake_api, chat_id=6003)
    chat.send_document(
        make_pdf([typed, draw_lines(list(PAGE_2))]), "agenda.pdf", "application/pdf"
    )
    await _final(chat, [*typed, *PAGE_2])
    pdf = await _export(chat, tmp_path)
    assert _pages(pdf) == 2
    text = _pdftotext(pdf)
    for line in (*typed, *PAGE_2):
        assert line in text
    # Page 1 comes back at the size of the A4 page it was.
    assert "595 x 842 pts" in _pdfinfo(pdf)


async def test_photo_telegram_no_longer_has_becomes_a_text_page(
    bot: Any, fake_api: FakeBotApi, tmp_path: Path
) -> None:
    chat = Conversation(fake_api, chat_id=6004)
    chat.send_photo(note_png(CLEAN))
    await _final(chat, CLEAN)
    fake_api.fail_get_file(times=None)
    pdf = await _export(chat, tmp_path)
    told = await chat.await_reply(contains="no longer has the photo", timeout=30)
    assert "page 1" in told.visible
    assert _pages(pdf) == 1
    text = _pdftotext(pdf)
    for line in CLEAN:
        assert line in text


async def test_pdf_button_on_a_note(bot: Any, fake_api: FakeBotApi, tmp_path: Path) -> None:
    chat = Conversation(fake_api, chat_id=6005)
    chat.send_photo(note_png(CLEAN))
    await _final(chat, CLEAN)
    listing = None
    for _ in range(20):  # the note is stored right after the final message is sent
        chat.send_command("notes")
        listing = await chat.await_reply(
            lambda m: "Your notes" in m.visible or "no saved notes" in m.visible
        )
        if "Your notes" in listing.visible:
            break
    assert listing is not None
    opener = next(t for t in listing.button_texts if t.startswith("📄"))
    chat.press(opener, message_id=listing.message_id)
    view = await chat.await_reply(lambda m: "📄 PDF" in m.button_texts)
    chat.press("📄 PDF", message_id=view.message_id)
    sent = await chat.await_reply(lambda m: m.document is not None, timeout=60)
    assert sent.document is not None
    path = tmp_path / "note.pdf"
    path.write_bytes(sent.document.data)
    assert _pages(path) == 1
    text = _pdftotext(path)
    for line in CLEAN:
        assert line in text
