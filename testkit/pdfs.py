"""Build PDFs with known content (a text layer, scanned pages, hostile ones) for tests and benches.

pikepdf writes them object by object, so each test states exactly what its PDF holds.
"""

from __future__ import annotations

import io

import pikepdf
from PIL import Image

# The page lines sit at this size (pt) in text-layer pages, one line every 1.6 sizes.
TEXT_SIZE = 16


def _escape(text: str) -> bytes:
    raw = text.encode("latin-1")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _text_page(pdf: pikepdf.Pdf, lines: list[str], size: tuple[float, float]) -> None:
    width, height = size
    ops = [b"BT", f"/F1 {TEXT_SIZE} Tf".encode()]
    y = height - 72
    for line in lines:
        ops.append(f"1 0 0 1 72 {y:.1f} Tm".encode())
        ops.append(b"(" + _escape(line) + b") Tj")
        y -= TEXT_SIZE * 1.6
    ops.append(b"ET")
    font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.Type1,
        BaseFont=pikepdf.Name.Helvetica,
        Encoding=pikepdf.Name.WinAnsiEncoding,
    )
    page = pikepdf.Page(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, width, height],
            Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
            Contents=pdf.make_stream(b"\n".join(ops)),
        )
    )
    pdf.pages.append(page)


def _image_page(pdf: pikepdf.Pdf, image: Image.Image, size: tuple[float, float] | None) -> None:
    rgb = image.convert("RGB")
    buf = io.BytesIO()
    rgb.save(buf, "JPEG", quality=90)
    width, height = size or (rgb.width * 72 / 150, rgb.height * 72 / 150)  # a 150 dpi scan
    xobject = pdf.make_stream(
        buf.getvalue(),
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=rgb.width,
        Height=rgb.height,
        ColorSpace=pikepdf.Name.DeviceRGB,
        BitsPerComponent=8,
        Filter=pikepdf.Name.DCTDecode,
    )
    page = pikepdf.Page(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, width, height],
            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=xobject)),
            Contents=pdf.make_stream(f"q {width} 0 0 {height} 0 0 cm /Im0 Do Q".encode()),
        )
    )
    pdf.pages.append(page)


def make_pdf(
    pages: list[list[str] | Image.Image],
    *,
    page_size: tuple[float, float] = (595, 842),
    image_page_size: tuple[float, float] | None = None,
    password: str | None = None,
) -> bytes:
    """A PDF whose pages are, in order, text pages (a list of lines in Helvetica, a real text
    layer) or scanned pages (an image and nothing else)."""
    pdf = pikepdf.new()
    for item in pages:
        if isinstance(item, Image.Image):
            _image_page(pdf, item, image_page_size)
        else:
            _text_page(pdf, item, page_size)
    out = io.BytesIO()
    if password is None:
        pdf.save(out)
    else:
        pdf.save(out, encryption=pikepdf.Encryption(owner=password + "-owner", user=password))
    return out.getvalue()


def many_pages_pdf(count: int) -> bytes:
    """``count`` blank pages (small, whatever the count)."""
    pdf = pikepdf.new()
    for _ in range(count):
        pdf.add_blank_page(page_size=(595, 842))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def huge_page_pdf(side: float = 100_000) -> bytes:
    """One page of ``side`` x ``side`` pt (the spec's limit is 14,400): rendered at any sane
    resolution it would be billions of pixels."""
    pdf = pikepdf.new()
    # Written by hand: pikepdf's add_blank_page itself refuses sides over 14,400.
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page, MediaBox=[0, 0, side, side], Contents=pdf.make_stream(b"")
    )
    pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def image_bomb_pdf(side: int = 100_000) -> bytes:
    """An A4 page holding an image whose dictionary claims ``side`` x ``side`` pixels of one
    grey value: a few bytes compressed, tens of gigabytes once a renderer decodes it."""
    import zlib

    pdf = pikepdf.new()
    row = zlib.compressobj(9)
    body = b"".join(row.compress(b"\xff" * side) for _ in range(8)) + row.flush()
    image = pdf.make_stream(
        body,
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=side,
        Height=side,
        ColorSpace=pikepdf.Name.DeviceGray,
        BitsPerComponent=8,
        Filter=pikepdf.Name.FlateDecode,
    )
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, 595, 842],
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
        Contents=pdf.make_stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q"),
    )
    pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()
