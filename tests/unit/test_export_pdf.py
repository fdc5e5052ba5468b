"""The searchable PDF writer, read back by poppler as any PDF reader would."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from PIL import Image

from bot.export.pages import text_pages
from bot.export.pdf import ExportPage, PageImage, TextLine, write_pdf


def _jpeg(size: tuple[int, int]) -> PageImage:
    buf = io.BytesIO()
    Image.new("RGB", size, "white").save(buf, "JPEG")
    return PageImage(buf.getvalue(), *size)


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return done.stdout.decode()


def test_every_script_is_found_as_written(tmp_path: Path) -> None:
    lines = [
        TextLine("Buy milk and eggs", (50, 50, 600, 40)),
        TextLine("买牛奶和鸡蛋", (50, 150, 200, 40)),
        TextLine("Gặp Nguyễn Đức lúc 3 giờ", (50, 250, 500, 35)),
        TextLine("𠀀𠀁 beyond the BMP", (50, 350, 400, 40)),
    ]
    page = ExportPage(_jpeg((1000, 600)), 480, 288, lines)
    text = _text(write_pdf([page]), tmp_path)
    for line in lines:
        assert line.text in text


def test_lines_without_a_place_are_still_found(tmp_path: Path) -> None:
    page = ExportPage(_jpeg((400, 400)), 192, 192, [TextLine("old note line"), TextLine("two")])
    text = _text(write_pdf([page, page]), tmp_path)
    assert text.count("old note line") == 2 and "two" in text


def test_text_page_wraps_long_lines_and_stays_searchable(tmp_path: Path) -> None:
    long = "word " * 60
    pages = text_pages([TextLine("A short line"), TextLine(long.strip())])
    assert len(pages) == 1
    text = _text(write_pdf(pages), tmp_path)
    assert "A short line" in text
    assert " ".join(text.split()).count("word") == 60
    many = text_pages([TextLine(f"line {n}") for n in range(80)])
    assert len(many) > 1, "lines that do not fit go on to a next page"
    found = _text(write_pdf(many), tmp_path).split()
    assert all(str(n) in found for n in range(80))


def test_export_takes_the_newest_notes_that_fit() -> None:
    from datetime import UTC, datetime

    from bot.handlers.searchable import newest_that_fit
    from bot.storage.notes import Note

    def note(note_id: int, pages: int) -> Note:
        return Note(
            note_id,
            1,
            datetime.now(UTC),
            "text",
            "en",
            "tesseract",
            file_ids=[f"F{note_id}-{n}" for n in range(pages)],
        )

    notes = [note(1, 60), note(2, 30), note(3, 50), note(4, 0)]  # oldest first
    assert [n.id for n in newest_that_fit(notes, limit=100)] == [2, 3, 4]  # 1 + 50 + 30
    assert [n.id for n in newest_that_fit(notes, limit=1000)] == [1, 2, 3, 4]
    assert [n.id for n in newest_that_fit([note(5, 300)], limit=100)] == [5]


def test_the_bots_own_pdf_sent_back_reads_from_its_text_layer() -> None:
    from bot.documents.pdf import read_pdf

    lines = [
        TextLine("Buy milk and eggs", (50, 50, 600, 40)),
        TextLine("买牛奶和鸡蛋", (50, 150, 200, 40)),
        TextLine("Gặp Nguyễn Đức lúc 3 giờ", (60, 320, 500, 35)),
    ]
    # 1000 px over 480 pt, read back with the long side at 1000 px: the same pixels.
    pdf = write_pdf([ExportPage(_jpeg((1000, 600)), 480, 288, lines)])
    [page] = read_pdf(pdf, "F", language="vi", max_pages=5, max_side=1000)
    assert page.page is not None
    assert [line.text for line in page.page.lines] == [line.text for line in lines]
    for read, written in zip(page.page.lines, lines, strict=True):
        assert read.box is not None and written.box is not None
        got = (read.box.left, read.box.top, read.box.width, read.box.height)
        assert all(abs(a - b) <= 2 for a, b in zip(got, written.box, strict=True)), got
