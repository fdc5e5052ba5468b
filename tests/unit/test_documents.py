"""bot/documents without a bot: what a PDF, a TIFF and a page reference turn into."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.documents.pdf import read_pdf, render_page
from bot.documents.refs import PageRef, files, parse
from bot.documents.sources import Limits, pages_of
from bot.errors import PageTooLarge, PdfBroken, PdfLocked, TooManyPages
from bot.i18n import load_catalogs
from testkit.drawing import draw_lines
from testkit.pdfs import huge_page_pdf, image_bomb_pdf, make_pdf, many_pages_pdf

LINES = ["Shopping list (Monday)", "Buy milk and eggs", "Call the dentist at 3 pm"]
LIMITS = Limits(max_pages=20, max_side=2000, max_pixels=60_000_000)


def test_refs_round_trip_and_plain_file_ids_stay_plain() -> None:
    for ref in (
        PageRef("AgAD-x_1"),
        PageRef("BQAC_9", "pdf", 3, (1414, 2000)),
        PageRef("BQAC_9", "tiff", 1),
    ):
        assert parse(str(ref)) == ref
    assert parse("AgACAgIAAxkBAAIB") == PageRef("AgACAgIAAxkBAAIB")
    assert parse("pdf:x:broken") == PageRef("pdf:x:broken")
    pages = [str(PageRef("F1", "pdf", i, (10, 10))) for i in range(3)]
    assert files([*pages, "P2"]) == ["F1", "P2"]


def test_text_layer_page_gives_exact_lines_boxed_in_pixels() -> None:
    [page] = read_pdf(make_pdf([LINES]), "F", language="en", max_pages=20, max_side=2000)
    assert page.page is not None and not page.image
    assert [line.text for line in page.page.lines] == LINES
    assert all(line.confidence == 1.0 for line in page.page.lines)
    width, height = page.size
    assert max(width, height) == 2000  # an A4 page: the long side at OCR_MAX_SIDE
    tops = [line.box.top for line in page.page.lines if line.box]
    assert tops == sorted(tops) and 0 < tops[0] < height // 4
    for line in page.page.lines:
        assert line.box is not None and line.box.right <= width and line.box.height > 10


def test_scanned_page_is_rendered_within_max_side() -> None:
    scan = draw_lines(["Read chapter five again"])
    [page] = read_pdf(make_pdf([scan]), "F", language="en", max_pages=20, max_side=800)
    assert page.page is None
    image = Image.open(io.BytesIO(page.image))
    assert max(image.size) <= 800 and image.size == page.size
    again, points = render_page(make_pdf([scan]), 0, page.size)
    assert again.size == page.size and points[0] == pytest.approx(scan.width * 72 / 150)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (make_pdf([LINES], password="pw"), PdfLocked),
        (b"%PDF-1.7\n%%EOF", PdfBroken),
        (make_pdf([LINES])[:300], PdfBroken),
        (many_pages_pdf(21), TooManyPages),
        (huge_page_pdf(100_000), PageTooLarge),
        (image_bomb_pdf(100_000), PageTooLarge),
    ],
)
def test_bad_pdfs_are_refused_before_rendering(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        read_pdf(data, "F", language="en", max_pages=20, max_side=2000)


def test_the_page_limit_counts_an_album_of_documents_together() -> None:
    files_ = [("A", many_pages_pdf(12)), ("B", many_pages_pdf(12))]
    with pytest.raises(TooManyPages) as caught:
        pages_of(files_, language="en", limits=LIMITS)
    assert caught.value.params == {"pages": 24, "limit": 20}
    told = load_catalogs(["en"]).get("en").error(caught.value)
    assert "24 pages" in told and "at most 20" in told


def test_multi_page_tiff_becomes_pages_and_a_photo_stays_as_it_is() -> None:
    frames = [draw_lines([f"Page {n}"]).convert("L") for n in (1, 2, 3)]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:])
    pages = pages_of([("T", buf.getvalue()), ("P", b"\xff\xd8jpeg")], language="en", limits=LIMITS)
    assert [p.ref for p in pages] == ["tiff:0:T", "tiff:1:T", "tiff:2:T", "P"]
    assert Image.open(io.BytesIO(pages[1].image)).size == frames[1].size
    assert pages[3].image == b"\xff\xd8jpeg"


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_text_layer_boxes_sit_on_the_ink_of_turned_pages(rotation: int) -> None:
    import pikepdf

    pdf = pikepdf.open(io.BytesIO(make_pdf([LINES])))
    pdf.pages[0].Rotate = rotation
    out = io.BytesIO()
    pdf.save(out)
    [page] = read_pdf(out.getvalue(), "F", language="en", max_pages=20, max_side=1000)
    assert page.page is not None
    assert sorted(line.text for line in page.page.lines) == sorted(LINES)
    rendered, _ = render_page(out.getvalue(), 0, page.size)
    grey = rendered.convert("L")
    for line in page.page.lines:
        box = line.box
        assert box is not None
        crop = grey.crop((box.left, box.top, box.right, box.bottom))
        assert min(crop.tobytes()) < 100, f"no ink under {line.text!r} at {box}"
