"""Draw note images with known text, for engine tests, end-to-end tests and benchmarks.

Every image here is made by code, so its ground truth is exact. Fonts come from Debian
packages installed by scripts/install-system-deps.sh.
"""

from __future__ import annotations

import io
import random
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

_FETCHED = Path(__file__).resolve().parents[1] / ".cache" / "fonts"
# Hands with every Vietnamese letter (face, fetched file): Pangolin and Patrick Hand are held
# out (bench.held_out), Sriracha and Mali fitted on (bench.vi_training).
_VI_HANDS = (
    ("pangolin", "pangolin"),
    ("patrick", "patrick-hand"),
    ("sriracha", "sriracha"),
    ("mali", "mali"),
)
FONTS: dict[str, str] = {
    "sans": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    # A typewriter's face (Courier's metrics): typescripts.
    "typewriter": "/usr/share/fonts/opentype/urw-base35/NimbusMonoPS-Regular.otf",
    "serif": "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    # Handwriting-like faces.
    "comic": "/usr/share/fonts/opentype/comic-neue/ComicNeue-Regular.otf",
    "script": "/usr/share/fonts/opentype/dancingscript/DancingScript-Regular.otf",
    "chancery": "/usr/share/fonts/opentype/urw-base35/Z003-MediumItalic.otf",
    "dkg": "/usr/share/fonts/truetype/fifthhorseman/dkg.ttf",
    "femke": "/usr/share/fonts/truetype/femkeklaver/femkeklaver.ttf",
    "breip": "/usr/share/fonts/truetype/breip/Breip.ttf",
    # SIL's literacy face: letters shaped as they are taught to be written, and the one
    # handwriting-like face in Debian with every Vietnamese letter (the ones above lack
    # some or most of ơ ư ạ ọ ờ ...).
    "andika": "/usr/share/fonts/truetype/andika/Andika-Regular.ttf",
    # CJK: a brush-like hand (UKai) and a clean print (Noto Sans CJK).
    "cjk": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "cjk_hand": "/usr/share/fonts/truetype/arphic/ukai.ttc",
    # A semi-handwritten Kai face covering both Chinese and Vietnamese.
    "wenkai": "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf",
    # Handwriting with every Vietnamese letter, as a hand writes them: the dot below small
    # and apart, the marks loose (scripts/fetch_fonts.py; each face is three subsets).
    **{
        f"{face}{part}": str(_FETCHED / f"{file}-{subset}.woff")
        for face, file in _VI_HANDS
        for part, subset in (("", "latin"), ("-ext", "latin-ext"), ("-vi", "vietnamese"))
    },
}
# Chinese written by hand (scripts/fetch_fonts.py): Ma Shan Zheng, Long Cang and Zhi Mang Xing,
# each in @fontsource's unicode-range subsets (the same ones in all three), the face itself
# the first of them and the others tried in turn, as a browser would.
CHINESE_HANDS = ("ma-shan-zheng", "long-cang", "zhi-mang-xing")
_HAN_NUMBERED = (5, 6, *range(21, 86), 90, 91, 97, 99, *range(100, 120))
HAN_SUBSETS = tuple(sorted(("chinese-simplified", "latin", *map(str, _HAN_NUMBERED))))
FONTS.update(
    {
        f"{face}#{part}" if part != HAN_SUBSETS[0] else face: str(_FETCHED / f"{face}-{part}.woff")
        for face in CHINESE_HANDS
        for part in HAN_SUBSETS
    }
)

HANDWRITING_FONTS = (
    "comic",
    "script",
    "chancery",
    "dkg",
    "femke",
    "breip",
    "andika",
    "wenkai",
    "pangolin",
    "patrick",
    "sriracha",
    "mali",
)
# A face's own other subsets, tried before FALLBACK_FONTS.
SUBSETS: dict[str, tuple[str, ...]] = {
    **{face: (f"{face}-vi", f"{face}-ext") for face, _ in _VI_HANDS},
    **{face: tuple(f"{face}#{part}" for part in HAN_SUBSETS[1:]) for face in CHINESE_HANDS},
}

# Where a letter comes from when the note's face has no glyph for it (Comic Neue has no ọ or
# ờ): the first of these that has one. Pillow would draw the face's empty box instead, and
# no reader can read a letter the page does not show.
FALLBACK_FONTS = ("andika", "sans", "cjk")

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
    # Writing leaning right by this shear (tan of the slant; 0.4 is about 22 degrees), as a
    # slanted hand writes: each row moved right by this many px per px above the bottom.
    slant: float = 0.0


def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    path = FONTS[name]
    if not Path(path).exists():
        raise FileNotFoundError(f"font {name} missing at {path}: run scripts/bootstrap.sh")
    return ImageFont.truetype(path, size)


def lacks(font_name: str, text: str) -> str:
    """The letters of ``text`` the face has no glyph for, each once, in order."""
    return "".join(dict.fromkeys(c for c in _clusters(text) if not _has_glyph(font_name, c)))


def runs(text: str, font_name: str) -> list[tuple[str, str]]:
    """``text`` cut into (face, stretch) runs: the face's own where it has the letters, the
    first of FALLBACK_FONTS that has a letter where it does not."""
    out: list[tuple[str, str]] = []
    others = (*SUBSETS.get(font_name, ()), *FALLBACK_FONTS)
    for cluster in _clusters(text):
        name = font_name
        if not _has_glyph(font_name, cluster):
            name = next((f for f in others if _has_glyph(f, cluster)), font_name)
        if out and out[-1][0] == name:
            out[-1] = (name, out[-1][1] + cluster)
        else:
            out.append((name, cluster))
    return out


def _clusters(text: str) -> list[str]:
    # A letter with its combining marks is one: it is drawn from one face or not at all.
    out: list[str] = []
    for c in text:
        if out and unicodedata.combining(c):
            out[-1] += c
        else:
            out.append(c)
    return out


@lru_cache(maxsize=4096)
def _has_glyph(font_name: str, letter: str) -> bool:
    # Pillow gives no cmap; a letter the face lacks is drawn as its .notdef glyph, the same
    # pixels as a code point no face has (through HarfBuzz a letter the face can build from
    # a base and a combining mark it has, as Comic Neue's ĩ, is drawn and counts as had).
    if letter.isspace():
        return True
    if _subset(font_name):
        # A subset has its letters as glyphs of their own: HarfBuzz would build "ọ" from an
        # "o" and a dot below the subset lacks, and draw a bare "o".
        return _inked(font_name, letter, basic=True) != _inked(font_name, "\uffff", basic=True)
    return _inked(font_name, letter) != _notdef(font_name)


def _subset(font_name: str) -> bool:
    return font_name in SUBSETS or any(font_name in parts for parts in SUBSETS.values())


@lru_cache(maxsize=64)
def _notdef(font_name: str) -> bytes:
    return _inked(font_name, "\uffff")


def _inked(font_name: str, letter: str, *, basic: bool = False) -> bytes:
    size = 32
    img = Image.new("L", (4 * size, 3 * size))
    face = _face(font_name, size)
    if basic:
        face = ImageFont.truetype(FONTS[font_name], size, layout_engine=ImageFont.Layout.BASIC)
    ImageDraw.Draw(img).text((size, size), letter, fill=255, font=face)
    return img.tobytes()


@lru_cache(maxsize=64)
def _face(font_name: str, size: int) -> ImageFont.FreeTypeFont:
    return font(font_name, size)


def _length(text: str, font_name: str, size: int) -> float:
    return sum(_face(name, size).getlength(part) for name, part in runs(text, font_name))


def _write(
    d: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    *,
    font_name: str,
    size: int,
    fill: tuple[int, int, int],
) -> None:
    """Draw ``text`` at ``xy`` (its top-left, as ``ImageDraw.text``), each letter from a face
    that has it."""
    parts = runs(text, font_name)
    if [name for name, _ in parts] in ([], [font_name]):
        d.text(xy, text, fill=fill, font=_face(font_name, size))
        return
    # Runs from other faces share the note face's baseline, not its top.
    x, y = xy[0], xy[1] + _face(font_name, size).getmetrics()[0]
    for name, part in parts:
        face = _face(name, size)
        d.text((x, y), part, fill=fill, font=face, anchor="ls")
        x += face.getlength(part)


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
    """Draw ``lines`` top to bottom; an empty string leaves a blank line. A letter the face
    has no glyph for is drawn from FALLBACK_FONTS, never as a box."""
    rng = random.Random(seed)
    text_w = max((int(_length(line, font_name, size)) for line in lines if line), default=size)
    w = width or text_w + 2 * margin
    step = int(size * line_gap)
    h = 2 * margin + step * len(lines)
    img = Image.new("RGB", (w, h), effects.paper_tint)
    d = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        jitter = rng.randint(-3, 3) if font_name in HANDWRITING_FONTS else 0
        xy = (margin + jitter, margin + i * step)
        _write(d, xy, line, font_name=font_name, size=size, fill=ink)
    return apply_effects(img, effects, seed=seed)


def apply_effects(img: Image.Image, effects: Effects, *, seed: int = 0) -> Image.Image:
    rng = random.Random(seed)
    if effects.slant:
        # output x = input x + slant * (height - y): the top moves right, nothing is cut
        extra = int(abs(effects.slant) * img.height) + 1
        start = -effects.slant * img.height if effects.slant > 0 else 0.0
        img = img.transform(
            (img.width + extra, img.height),
            Image.Transform.AFFINE,
            (1.0, effects.slant, start, 0.0, 1.0, 0.0),
            resample=Image.Resampling.BICUBIC,
            fillcolor=effects.paper_tint,
        )
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
    words = text.split(" ")
    lengths = [_length(w, font_name, size) for w in words]
    margin = size // 2
    width = int(sum(lengths) + gap * size * (len(words) - 1)) + 2 * margin
    img = Image.new("RGB", (width, int(size * 1.6)), "white")
    d = ImageDraw.Draw(img)
    x = float(margin)
    for word, length in zip(words, lengths, strict=True):
        _write(d, (x, size * 0.2), word, font_name=font_name, size=size, fill=(20, 20, 30))
        x += length + gap * size
    return img


def letter_note(
    heading: str,
    date: str,
    body: tuple[str, ...] | list[str],
    signature: str,
    *,
    drop: float = 0.5,
    gap: float = 1.0,
    font_name: str = "comic",
    size: int = 40,
    effects: Effects = Effects(),
    seed: int = 0,
) -> Image.Image:
    """A letter as people write one: ``heading`` (a place) top left, ``date`` starting
    ``gap`` x ``size`` px after its end and ``drop`` x ``size`` px lower; the ``body`` lines;
    ``signature`` as far after the end of the last line and as far under it. A negative
    ``gap`` starts the date (the signature) over the end of the line before, lower down; at
    ``drop`` 0 it is on that line's baseline."""
    step = int(size * 1.9)
    margin = 60
    heading_w = _length(heading, font_name, size)
    last_w = _length(body[-1], font_name, size) if body else heading_w
    date_x = margin + heading_w + gap * size
    top = margin + max(0.0, drop) * size  # the body starts a line under the date
    last_y = top + step * len(body)
    sign_x = margin + last_w + gap * size
    widths = [
        date_x + _length(date, font_name, size),
        sign_x + _length(signature, font_name, size),
        *(margin + _length(line, font_name, size) for line in body),
    ]
    height = int(last_y + max(0.0, drop) * size + step + margin)
    img = Image.new("RGB", (int(max(widths)) + margin, height), effects.paper_tint)
    d = ImageDraw.Draw(img)

    def write(xy: tuple[float, float], text: str) -> None:
        _write(d, xy, text, font_name=font_name, size=size, fill=(20, 20, 30))

    write((margin, margin), heading)
    write((date_x, margin + drop * size), date)
    for i, line in enumerate(body):
        write((margin, top + step * (1 + i)), line)
    write((sign_x, last_y + drop * size), signature)
    return apply_effects(img, effects, seed=seed)


def crowded_note(
    lines: tuple[str, ...] | list[str],
    *,
    close: int,
    step: float = 0.9,
    slope: float = 0.0,
    indent: float = 1.5,
    font_name: str = "comic",
    size: int = 40,
    effects: Effects = Effects(),
) -> Image.Image:
    """``lines`` written 1.9 x ``size`` apart, except line ``close + 1``: only ``step`` x
    ``size`` under line ``close`` and ``indent`` x ``size`` to the right (a signature under
    "yours sincerely"), line ``close`` sloping ``slope`` degrees (counter-clockwise), so the
    descenders of one reach the other and a text detector may draw one box over both."""
    margin = 60
    width = int(max(_length(line, font_name, size) for line in lines) + (indent + 2) * size)
    img = Image.new("RGB", (width + 2 * margin, int(len(lines) * 1.9 * size) + 3 * margin))
    img.paste(effects.paper_tint, (0, 0, img.width, img.height))
    y = float(margin)
    for i, line in enumerate(lines):
        # The line drawn white on black is the mask its ink is pasted through.
        drawn = Image.new("RGB", (int(_length(line, font_name, size)) + size, 2 * size))
        white = (255, 255, 255)
        _write(
            ImageDraw.Draw(drawn),
            (size / 2, 0.4 * size),
            line,
            font_name=font_name,
            size=size,
            fill=white,
        )
        ink = drawn.convert("L")
        if i == close:
            ink = ink.rotate(slope, expand=True, resample=Image.Resampling.BICUBIC)
        x = margin + (indent * size if i == close + 1 else 0)
        img.paste((20, 20, 30), (int(x), int(y), int(x) + ink.width, int(y) + ink.height), ink)
        y += (step if i == close else 1.9) * size
    return apply_effects(img, effects)
