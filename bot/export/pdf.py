"""Write a searchable PDF: each page an image, the note's text invisible over each line's box.

This is how OCRmyPDF and Tesseract make scans searchable. The text is drawn in rendering
mode 3 (neither filled nor stroked) in a "glyphless" font: one empty glyph, used for every
character code, embedded once (bot/export/glyphless.ttf, Tesseract's pdf.ttf, Apache-2.0,
572 bytes). Text is written as 2-byte codes (Identity-H) equal to the UTF-16 code units, and a
ToUnicode map written for exactly the codes used says which character each one is: so
Chinese, Vietnamese, any script a note holds, is found by search, copied and extracted
(pdftotext) without a font that can draw it. Each line is stretched (Tz) to its box, so a
selection covers the writing it stands for.

pikepdf (qpdf) writes the file: the images go in as they are (a JPEG byte for byte).
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

import pikepdf
from pikepdf import Dictionary, Name

# The glyph's advance is half an em: a line's natural width is len(text) * size / 2.
_GLYPH_WIDTH = 500
# Every CID shows glyph 1, the font's one (empty) glyph.
_CID_TO_GID = zlib.compress(b"\x00\x01" * 65536)


@dataclass(frozen=True, slots=True)
class TextLine:
    """A line of the note and where it is on its page, in the image's pixels (None: unknown;
    such lines are stacked down the page so they can still be found)."""

    text: str
    box: tuple[int, int, int, int] | None = None


@dataclass(frozen=True, slots=True)
class PageImage:
    """An image as the PDF holds it: JPEG bytes (DCTDecode), their pixel size and colours."""

    jpeg: bytes
    width: int
    height: int
    grey: bool = False


@dataclass(frozen=True, slots=True)
class ExportPage:
    image: PageImage
    width_pt: float  # the page's size; the image fills it
    height_pt: float
    lines: Sequence[TextLine] = field(default_factory=tuple)


@dataclass
class _Codes:
    """Character -> 2-byte code for this document. BMP characters are their own code; the
    rare character beyond it (some CJK extension B) borrows a code from the private use
    area that the document does not otherwise use."""

    used: dict[int, str] = field(default_factory=dict)
    _next_private: int = 0xF8FF

    def encode(self, text: str) -> bytes:
        out = bytearray()
        for char in text:
            point = ord(char)
            if point > 0xFFFF or 0xD800 <= point <= 0xDFFF:
                point = self._borrow(char)
            self.used.setdefault(point, char)
            out += point.to_bytes(2, "big")
        return bytes(out)

    def _borrow(self, char: str) -> int:
        for code, known in self.used.items():
            if known == char and code >= 0xE000:
                return code
        while self._next_private in self.used:
            self._next_private -= 1
        code, self._next_private = self._next_private, self._next_private - 1
        return code

    def to_unicode(self) -> bytes:
        entries = sorted(self.used.items())
        parts = [
            b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            b"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            b"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        ]
        for start in range(0, len(entries), 100):  # at most 100 entries a block (the spec)
            block = entries[start : start + 100]
            parts.append(f"{len(block)} beginbfchar\n".encode())
            for code, char in block:
                parts.append(f"<{code:04X}> <{char.encode('utf-16-be').hex().upper()}>\n".encode())
            parts.append(b"endbfchar\n")
        parts.append(b"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
        return b"".join(parts)


@cache
def _font_program() -> bytes:
    return files("bot.export").joinpath("glyphless.ttf").read_bytes()


def _font(pdf: pikepdf.Pdf, codes: _Codes) -> pikepdf.Object:
    descriptor = pdf.make_indirect(
        Dictionary(
            Type=Name.FontDescriptor,
            FontName=Name.GlyphLessFont,
            Flags=5,
            FontBBox=[0, 0, _GLYPH_WIDTH, 1000],
            ItalicAngle=0,
            Ascent=1000,
            Descent=-1,
            CapHeight=1000,
            StemV=80,
            FontFile2=pdf.make_stream(_font_program()),
        )
    )
    cid_font = pdf.make_indirect(
        Dictionary(
            Type=Name.Font,
            Subtype=Name.CIDFontType2,
            BaseFont=Name.GlyphLessFont,
            CIDSystemInfo=Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
            FontDescriptor=descriptor,
            DW=_GLYPH_WIDTH,
            CIDToGIDMap=pdf.make_stream(_CID_TO_GID, Filter=Name.FlateDecode),
        )
    )
    return pdf.make_indirect(
        Dictionary(
            Type=Name.Font,
            Subtype=Name.Type0,
            BaseFont=Name.GlyphLessFont,
            Encoding=Name("/Identity-H"),
            DescendantFonts=[cid_font],
            ToUnicode=pdf.make_stream(codes.to_unicode()),
        )
    )


def _text_ops(page: ExportPage, codes: _Codes) -> list[bytes]:
    """The invisible text of one page, each line stretched over its box."""
    sx = page.width_pt / page.image.width  # points per image pixel
    sy = page.height_pt / page.image.height
    lines = [line for line in page.lines if line.text.strip()]
    step = page.height_pt / (sum(1 for line in lines if line.box is None) + 1)
    stacked = 0
    ops = [b"BT", b"3 Tr"]
    for line in lines:
        text = " ".join(line.text.split())
        if line.box is not None:
            left, top, width, height = line.box
            x, size, box_w = left * sx, max(1.0, height * sy), max(1.0, width * sx)
            y = page.height_pt - (top + height) * sy
        else:
            # Where a line is not known, stack such lines down the page.
            stacked += 1
            size = min(step * 0.8, 24.0)
            box_w = len(text) * size * _GLYPH_WIDTH / 1000  # its natural width: no stretch
            x, y = page.width_pt * 0.05, page.height_pt - step * stacked
        natural = len(text) * size * _GLYPH_WIDTH / 1000
        stretch = 100 * box_w / natural if natural else 100
        # The font's glyph spans baseline to one em above it (no descent): with the baseline
        # on the box's bottom edge and the size its height, a selection covers the box.
        ops.append(f"/F1 {size:.2f} Tf {stretch:.2f} Tz".encode())
        ops.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm".encode())
        ops.append(b"<" + codes.encode(text).hex().upper().encode() + b"> Tj")
    ops.append(b"ET")
    return ops


def write_pdf(pages: Sequence[ExportPage], *, title: str = "Notes") -> bytes:
    """The searchable PDF of ``pages``, in order."""
    pdf = pikepdf.new()
    codes = _Codes()
    contents: list[tuple[ExportPage, bytes]] = []
    for page in pages:
        ops = [
            f"q {page.width_pt:.3f} 0 0 {page.height_pt:.3f} 0 0 cm /Im0 Do Q".encode(),
            *_text_ops(page, codes),
        ]
        contents.append((page, b"\n".join(ops)))
    # One font for the whole file; its ToUnicode map knows every code the pages use.
    font = _font(pdf, codes)
    for page, content in contents:
        image = pdf.make_stream(
            page.image.jpeg,
            Type=Name.XObject,
            Subtype=Name.Image,
            Width=page.image.width,
            Height=page.image.height,
            ColorSpace=Name.DeviceGray if page.image.grey else Name.DeviceRGB,
            BitsPerComponent=8,
            Filter=Name.DCTDecode,
        )
        pdf.pages.append(
            pikepdf.Page(
                Dictionary(
                    Type=Name.Page,
                    MediaBox=[0, 0, round(page.width_pt, 3), round(page.height_pt, 3)],
                    Resources=Dictionary(XObject=Dictionary(Im0=image), Font=Dictionary(F1=font)),
                    Contents=pdf.make_stream(content),
                )
            )
        )
    pdf.docinfo[Name.Title] = title
    pdf.docinfo[Name.Producer] = "notes-ocr-bot"
    out = io.BytesIO()
    # Object streams and compressed content: a smaller file, as any modern reader takes.
    pdf.save(out, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()
