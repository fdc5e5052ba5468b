"""Draw note images with known text, for engine tests, end-to-end tests and benchmarks.

Every image here is made by code, so its ground truth is exact. Fonts come from Debian
packages installed by scripts/install-system-deps.sh.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONTS: dict[str, str] = {
    "sans": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "serif": "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    # Handwriting-like faces.
    "comic": "/usr/share/fonts/opentype/comic-neue/ComicNeue-Regular.otf",
    "script": "/usr/share/fonts/opentype/dancingscript/DancingScript-Regular.otf",
    "chancery": "/usr/share/fonts/opentype/urw-base35/Z003-MediumItalic.otf",
    "dkg": "/usr/share/fonts/truetype/fifthhorseman/dkg.ttf",
    "femke": "/usr/share/fonts/truetype/femkeklaver/femkeklaver.ttf",
    "breip": "/usr/share/fonts/truetype/breip/Breip.ttf",
    # CJK: a brush-like hand (UKai) and a clean print (Noto Sans CJK).
    "cjk": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "cjk_hand": "/usr/share/fonts/truetype/arphic/ukai.ttc",
    # A semi-handwritten Kai face covering both Chinese and Vietnamese.
    "wenkai": "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf",
}

HANDWRITING_FONTS = ("comic", "script", "chancery", "dkg", "femke", "breip", "wenkai")

NOTE_LINES = (
    "Buy milk and eggs tomorrow",
    "Call the dentist at 3 pm",
    "Finish the quarterly report",
    "Meeting notes: budget review",
    "Pick up the dry cleaning",
    "Read chapter five again",
)


@dataclass(frozen=True)
class Effects:
    """Photo-like damage applied after drawing. All off by default (a clean scan)."""

    skew_degrees: float = 0.0
    blur_radius: float = 0.0
    shadow: bool = False
    noise: float = 0.0  # 0..1, share of salt-and-pepper pixels times 10
    jpeg_quality: int | None = None
    paper_tint: tuple[int, int, int] = (255, 255, 255)


def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    path = FONTS[name]
    if not Path(path).exists():
        raise FileNotFoundError(f"font {name} missing at {path}: run scripts/bootstrap.sh")
    return ImageFont.truetype(path, size)


def draw_lines(
    lines: tuple[str, ...] | list[str],
    *,
    font_name: str = "sans",
    size: int = 40,
    width: int | None = None,
    margin: int = 60,
    line_gap: float = 1.9,
    ink: tuple[int, int, int] = (20, 20, 30),
    effects: Effects = Effects(),
    seed: int = 0,
) -> Image.Image:
    """Draw ``lines`` top to bottom; an empty string leaves a blank line."""
    face = font(font_name, size)
    rng = random.Random(seed)
    text_w = max((int(face.getlength(line)) for line in lines if line), default=size)
    w = width or text_w + 2 * margin
    step = int(size * line_gap)
    h = 2 * margin + step * len(lines)
    img = Image.new("RGB", (w, h), effects.paper_tint)
    d = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        jitter = rng.randint(-3, 3) if font_name in HANDWRITING_FONTS else 0
        d.text((margin + jitter, margin + i * step), line, fill=ink, font=face)
    return apply_effects(img, effects, seed=seed)


def apply_effects(img: Image.Image, effects: Effects, *, seed: int = 0) -> Image.Image:
    rng = random.Random(seed)
    if effects.shadow:
        shade = Image.linear_gradient("L").resize(img.size).point(lambda v: 255 - v // 3)
        gray = Image.new("RGB", img.size, (90, 90, 90))
        img = Image.composite(img, gray, shade)
    if effects.skew_degrees:
        img = img.rotate(
            effects.skew_degrees,
            resample=Image.Resampling.BICUBIC,
            expand=True,
            fillcolor=effects.paper_tint,
        )
    if effects.blur_radius:
        img = img.filter(ImageFilter.GaussianBlur(effects.blur_radius))
    if effects.noise:
        px = img.load()
        assert px is not None
        n = int(img.width * img.height * effects.noise / 10)
        for _ in range(n):
            x, y = rng.randrange(img.width), rng.randrange(img.height)
            px[x, y] = (0, 0, 0) if rng.random() < 0.5 else (255, 255, 255)
    return img


def to_bytes(img: Image.Image, fmt: str = "PNG", quality: int = 90) -> bytes:
    buf = io.BytesIO()
    if fmt.upper() in ("JPEG", "JPG"):
        img.convert("RGB").save(buf, "JPEG", quality=quality)
    else:
        img.save(buf, fmt)
    return buf.getvalue()


def note_png(lines: tuple[str, ...] = NOTE_LINES, **kwargs: object) -> bytes:
    """The drawn note as PNG bytes (JPEG when effects ask for it)."""
    img = draw_lines(lines, **kwargs)  # type: ignore[arg-type]
    effects = kwargs.get("effects")
    if isinstance(effects, Effects) and effects.jpeg_quality:
        return to_bytes(img, "JPEG", effects.jpeg_quality)
    return to_bytes(img)


def scribbled_note(lines: tuple[str, ...] | list[str], *, seed: int = 0) -> Image.Image:
    """Three clean printed lines with a blurred scribble between the 2nd and 3rd: a line of
    writing the reader finds but cannot trust."""
    img = draw_lines([*lines[:2], "", lines[2]], font_name="sans", size=40, seed=seed)
    smudge = draw_lines(
        ["qzx vwkj pltr"],
        font_name="script",
        size=34,
        ink=(60, 60, 60),
        effects=Effects(blur_radius=1.2),
        margin=10,
    )
    img.paste(smudge, (60, 60 + 2 * int(40 * 1.9) - 10))
    return img


def errand_note(name: str, item: str) -> tuple[str, str]:
    """Two lines that say whose note it is: which photo's text reached which chat shows."""
    return (f"{name} needs {item}", "Call the dentist on Monday")


def draw_words(
    text: str, *, font_name: str = "sans", size: int = 34, gap: float = 0.15
) -> Image.Image:
    """One line whose words stand ``gap`` x ``size`` px apart (a normal space is about 0.3):
    the narrow word spaces a recognizer drops."""
    face = font(font_name, size)
    words = text.split(" ")
    margin = size // 2
    width = int(sum(face.getlength(w) for w in words) + gap * size * (len(words) - 1)) + 2 * margin
    img = Image.new("RGB", (width, int(size * 1.6)), "white")
    d = ImageDraw.Draw(img)
    x = float(margin)
    for word in words:
        d.text((x, size * 0.2), word, fill=(20, 20, 30), font=face)
        x += face.getlength(word) + gap * size
    return img
