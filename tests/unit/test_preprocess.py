"""Every bad upload gets its own sentence; good photos come out upright and bounded."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from bot.errors import (
    AnimatedImage,
    BadImageShape,
    DecompressionBomb,
    EmptyFile,
    ImageTooLarge,
    InputError,
    UnsupportedImage,
)
from bot.ocr.preprocess import PreparedImage, prepare, to_png_bytes
from testkit.drawing import draw_lines, note_png, to_bytes

MB = 1024 * 1024


def _prepare(data: bytes, **kw: int) -> PreparedImage:
    opts = {"max_bytes": 20 * MB, "max_pixels": 60_000_000, "max_side": 2000} | kw
    return prepare(data, **opts)


def _png(size: tuple[int, int], color: str = "white") -> bytes:
    return to_bytes(Image.new("RGB", size, color))


def test_clean_note_passes_unchanged() -> None:
    data = note_png()
    prepared = _prepare(data)
    original = Image.open(io.BytesIO(data))
    assert prepared.image.size == original.size
    assert prepared.original_size == original.size
    assert prepared.scale == 1.0
    assert prepared.image.mode in ("RGB", "L")


def test_empty_file() -> None:
    with pytest.raises(EmptyFile):
        _prepare(b"")


def test_too_many_bytes() -> None:
    with pytest.raises(ImageTooLarge):
        _prepare(note_png(), max_bytes=1000)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
        b"Buy milk and eggs tomorrow\nCall the dentist\n",
        b"\x00" * 64,
    ],
    ids=["pdf", "text", "zeros"],
)
def test_not_an_image(data: bytes) -> None:
    with pytest.raises(UnsupportedImage):
        _prepare(data)


def test_zip_is_not_an_image() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("note.png", note_png())
    with pytest.raises(UnsupportedImage):
        _prepare(buf.getvalue())


def test_truncated_jpeg() -> None:
    jpeg = to_bytes(draw_lines(["Buy milk and eggs tomorrow"]), "JPEG")
    with pytest.raises(UnsupportedImage):
        _prepare(jpeg[: len(jpeg) // 2])


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_animated(fmt: str) -> None:
    frames = [Image.new("RGB", (100, 100), c) for c in ("white", "black", "gray")]
    buf = io.BytesIO()
    frames[0].save(buf, fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    with pytest.raises(AnimatedImage):
        _prepare(buf.getvalue())


def test_single_frame_gif_is_fine() -> None:
    buf = io.BytesIO()
    draw_lines(["Call the dentist"]).convert("P").save(buf, "GIF")
    assert _prepare(buf.getvalue()).image.mode in ("RGB", "L")


def test_decompression_bomb_rejected_before_decoding() -> None:
    # A 20000 x 20000 white PNG compresses to a few hundred KB; decoding it would take 1.2 GB.
    # The limit is set low so the test stays small: what matters is that the header decides.
    data = _png((3000, 3000))
    with pytest.raises(DecompressionBomb):
        _prepare(data, max_pixels=1_000_000)


def test_header_lying_about_size_is_a_bomb_not_a_crash() -> None:
    # A PNG whose IHDR claims 100000 x 100000: only a header, no pixels to decode.
    png = bytearray(_png((16, 16)))
    ihdr = png.index(b"IHDR") + 4
    png[ihdr : ihdr + 8] = (100_000).to_bytes(4, "big") * 2
    with pytest.raises(InputError) as info:
        _prepare(bytes(png))
    assert isinstance(info.value, (DecompressionBomb, UnsupportedImage))


@pytest.mark.parametrize("size", [(4000, 50), (50, 4000), (10, 200), (200, 10)])
def test_bad_shape(size: tuple[int, int]) -> None:
    with pytest.raises(BadImageShape):
        _prepare(_png(size))


def test_big_photo_is_downscaled_and_scale_maps_back() -> None:
    prepared = _prepare(_png((5000, 3000)), max_side=2000)
    assert max(prepared.image.size) == 2000
    assert prepared.original_size == (5000, 3000)
    assert prepared.scale == pytest.approx(2.5)


def test_exif_rotation_is_applied() -> None:
    note = draw_lines(["Buy milk and eggs tomorrow", "Call the dentist"])
    # A phone held sideways stores the pixels rotated and says "rotate 90 CW" in EXIF (6).
    stored = note.rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    stored.save(buf, "JPEG", exif=exif.tobytes(), quality=92)
    prepared = _prepare(buf.getvalue())
    assert prepared.image.size == note.size
    assert prepared.original_size == note.size


def test_transparent_png_gets_white_paper() -> None:
    img = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    prepared = _prepare(to_bytes(img))
    assert prepared.image.mode == "RGB"
    assert prepared.image.getpixel((10, 10)) == (255, 255, 255)


def test_to_png_bytes_round_trips() -> None:
    img = draw_lines(["Read chapter five again"])
    back = Image.open(io.BytesIO(to_png_bytes(img)))
    assert back.format == "PNG"
    assert back.size == img.size
