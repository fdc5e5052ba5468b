"""The reading job: from an image and a language to a Page, the same whatever runs it.

:func:`read` is a plain synchronous function: validate, read, turn the page and read it
again when it reads as if it lay on its side, and put every box on the photo as the user
sent it. What reads a page is a :class:`Pipeline`, one per engine combination:
:mod:`~bot.ocr.job.rapid_tesseract` (RapidOCR finds the lines; RapidOCR and Tesseract read
them), :mod:`~bot.ocr.job.tesseract_alone`, :mod:`~bot.ocr.job.aspose_checked` (Aspose
reads in a worker process; Tesseract and RapidOCR check each line). Each gathers the
evidence of every line it finds and lets its model in :mod:`bot.ocr.decide` decide. What
runs the job (threads, processes, a queue) is :mod:`bot.ocr.run`'s business.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

from bot.ocr.job.orientation import looks_turned, sure_chars, turned_size, unturn_box
from bot.ocr.model import Box, Line, Page
from bot.ocr.preprocess import PreparedImage, prepare
from bot.ocr.readers.tesseract import upright_turn
from bot.ocr.vocabulary import NO_WORDS, Vocabulary

if TYPE_CHECKING:
    from PIL import Image

    from bot.config import Settings
    from bot.ocr.languages import Language

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Limits:
    """What a photo may be (bytes, pixels) and the long side it is read at."""

    max_bytes: int = 20 * 1024 * 1024
    max_pixels: int = 60_000_000
    max_side: int = 2000

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(settings.max_image_bytes, settings.max_pixels, settings.ocr_max_side)


@dataclass(frozen=True, slots=True)
class PageReading:
    """What a pipeline read on one image: lines with boxes in that image's pixels, or, when
    it straightened the page first (``skew`` degrees, counter-clockwise), in the pixels of
    the straightened page of ``straight_size``."""

    lines: list[Line]
    language: Language  # the language read (for "auto": the one the script showed)
    skew: float = 0.0
    straight_size: tuple[int, int] = (0, 0)
    truncated: bool = False
    warnings: tuple[str, ...] = field(default_factory=tuple)


class Pipeline(Protocol):
    """An engine combination: which readers read a page, and how their evidence is decided."""

    @property
    def name(self) -> str: ...

    def language(self, code: str) -> Language:
        """The language ``code`` names; LanguageUnavailable when this pipeline cannot read it."""
        ...

    def may_turn(self, language: Language) -> bool:
        """Whether a page that reads poorly is worth reading turned upright."""
        ...

    def read_page(
        self, image: Image.Image, language: Language, timeout_ms: int, words: Vocabulary = NO_WORDS
    ) -> PageReading:
        """Read one upright, validated page. ``timeout_ms``: where an engine can stop itself,
        it should by then (0: no limit). ``words``: the user's own words, where the pipeline
        lets them bias its reading (:mod:`bot.ocr.decide.words`)."""
        ...


def validate(
    image: bytes, language: str, pipeline: Pipeline, limits: Limits
) -> tuple[PreparedImage, Language]:
    """The page to read and its language, or an InputError / LanguageUnavailable: checked
    before any reading, so a runner can refuse a photo before it waits its turn."""
    lang = pipeline.language(language)
    prepared = prepare(
        image, max_bytes=limits.max_bytes, max_pixels=limits.max_pixels, max_side=limits.max_side
    )
    return prepared, lang


def read(
    image: bytes,
    language: str,
    pipeline: Pipeline,
    limits: Limits | None = None,
    words: Vocabulary = NO_WORDS,
) -> Page:
    """The whole job on an image as the user sent it (raises a subclass of BotError)."""
    prepared, lang = validate(image, language, pipeline, limits or Limits())
    return read_prepared(prepared, lang, pipeline, words=words)


def read_prepared(
    prepared: PreparedImage,
    language: Language,
    pipeline: Pipeline,
    *,
    timeout_ms: int = 0,
    words: Vocabulary = NO_WORDS,
) -> Page:
    """Read a validated page; boxes on the photo as the user sent it."""
    image = prepared.image
    found = pipeline.read_page(image, language, timeout_ms, words)
    lines = _on_photo(found, image.size, prepared.scale)
    if pipeline.may_turn(found.language) and looks_turned(lines):
        # A photo taken sideways (or upside down) with no EXIF to say so reads as gibberish
        # or not at all. Tesseract's orientation detection says how to turn it; the turned
        # page is kept only if it reads better, its boxes mapped back onto the photo.
        turn = _upright_turn(image)
        if turn:
            turned = image.rotate(turn, expand=True)
            again = pipeline.read_page(turned, found.language, timeout_ms, words)
            again_lines = _on_photo(again, turned.size, prepared.scale)
            if sure_chars(again_lines) > sure_chars(lines):
                size = turned_size(prepared.original_size, turn)
                found = again
                lines = [replace(ln, box=unturn_box(ln.box, turn, size)) for ln in again_lines]
    width, height = prepared.original_size
    return Page(
        engine=pipeline.name,
        language=found.language.code,
        lines=tuple(lines),
        width=width,
        height=height,
        truncated=found.truncated,
        warnings=found.warnings,
    )


def _upright_turn(image: Image.Image) -> int:
    try:
        return upright_turn(image)
    except Exception:  # orientation is a rescue attempt, never a new way to fail
        log.exception("orientation detection failed")
        return 0


def _on_photo(found: PageReading, size: tuple[int, int], scale: float) -> list[Line]:
    """``found``'s lines with their boxes on the photo (``size``: of the image read)."""
    return [replace(ln, box=on_photo(ln.box, found, size, scale)) for ln in found.lines]


def on_photo(
    box: Box | None, found: PageReading, size: tuple[int, int], scale: float
) -> Box | None:
    """A box of ``found`` (read on an image of ``size``, ``scale`` times smaller than the
    photo) on the photo: the page's straightening undone, then scaled, rounded once."""
    if box is None:
        return None
    if not found.skew:
        return box.scaled(scale)
    left, top, right, bottom = float(box.left), float(box.top), float(box.right), float(box.bottom)
    # Undo the straightening: turn the corners back about the page centre, keep their bounds.
    t = math.radians(found.skew)
    cos, sin = math.cos(t), math.sin(t)
    sw, sh = found.straight_size[0] / 2, found.straight_size[1] / 2
    pw, ph = size[0] / 2, size[1] / 2
    xs, ys = [], []
    for x, y in ((left, top), (right, top), (left, bottom), (right, bottom)):
        rx, ry = x - sw, y - sh
        xs.append(pw + rx * cos - ry * sin)
        ys.append(ph + rx * sin + ry * cos)
    left = max(0.0, min(xs))
    top = max(0.0, min(ys))
    right = min(float(size[0]), max(xs))
    bottom = min(float(size[1]), max(ys))
    return Box(
        left=round(left * scale),
        top=round(top * scale),
        width=max(1, round((right - left) * scale)),
        height=max(1, round((bottom - top) * scale)),
    )
