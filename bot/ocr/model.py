"""The result of reading one image: a page of lines, each with how sure we are."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# The named strictness levels (/threshold lenient, normal, strict): a line is flagged when
# its confidence is below the level, 0..100 (:meth:`Line.is_flagged`).
STRICTNESS_PRESETS: dict[str, int] = {"lenient": 60, "normal": 75, "strict": 90}


class ConfidenceSource(StrEnum):
    """Where a line's confidence came from."""

    ENGINE = "engine"  # the engine's own score, calibrated
    VERIFIED = "verified"  # a second engine re-read the line's crop and we combined both
    SECOND_ENGINE = "second-engine"  # the engine read nothing there; Tesseract's reading
    DETECTED = "detected"  # writing was found there but nothing could be read
    UNKNOWN = "unknown"  # the engine gave no usable score (e.g. Aspose trial: 0)


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle in image pixels (of the image as the user sent it, after EXIF rotation)."""

    left: int
    top: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height

    def scaled(self, scale: float) -> Box:
        """This box with every coordinate multiplied by ``scale`` (prepared image -> photo)."""
        if scale == 1.0:
            return self
        return Box(
            left=round(self.left * scale),
            top=round(self.top * scale),
            width=max(1, round(self.width * scale)),
            height=max(1, round(self.height * scale)),
        )

    def vertical_overlap(self, other: Box) -> float:
        """Share of the shorter box's height that the two boxes have in common."""
        inter = min(self.bottom, other.bottom) - max(self.top, other.top)
        if inter <= 0:
            return 0.0
        return inter / max(1, min(self.height, other.height))


@dataclass(frozen=True, slots=True)
class Line:
    """One line of writing. ``confidence`` is 0..1, or None when nothing honest is known."""

    text: str
    confidence: float | None
    box: Box | None = None
    source: ConfidenceSource = ConfidenceSource.ENGINE

    def is_flagged(self, threshold: int) -> bool:
        """True when the user should check this line. ``threshold`` is 0..100."""
        if not self.text.strip() or self.confidence is None:
            return True
        return self.confidence * 100 < threshold


@dataclass(frozen=True, slots=True)
class Page:
    """All lines read from one image, top to bottom."""

    engine: str
    language: str
    lines: tuple[Line, ...]
    width: int = 0
    height: int = 0
    # The Aspose trial cut the text short: what is here is not the whole page.
    truncated: bool = False
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines if line.text)

    def to_json(self, threshold: int) -> dict[str, object]:
        return {
            "engine": self.engine,
            "language": self.language,
            "truncated": self.truncated,
            "warnings": list(self.warnings),
            "lines": [
                {
                    "text": line.text,
                    "confidence": None if line.confidence is None else round(line.confidence, 3),
                    "flagged": line.is_flagged(threshold),
                    "source": line.source.value,
                    "box": None
                    if line.box is None
                    else [line.box.left, line.box.top, line.box.width, line.box.height],
                }
                for line in self.lines
            ],
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything in the page, losslessly, as plain JSON-able values (to cross a queue)."""
        return {
            "engine": self.engine,
            "language": self.language,
            "width": self.width,
            "height": self.height,
            "truncated": self.truncated,
            "warnings": list(self.warnings),
            "lines": [
                {
                    "text": line.text,
                    "confidence": line.confidence,
                    "source": line.source.value,
                    "box": None
                    if line.box is None
                    else [line.box.left, line.box.top, line.box.width, line.box.height],
                }
                for line in self.lines
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Page:
        """The page :meth:`to_dict` described."""
        return cls(
            engine=str(data["engine"]),
            language=str(data["language"]),
            width=int(data["width"]),
            height=int(data["height"]),
            truncated=bool(data["truncated"]),
            warnings=tuple(str(w) for w in data["warnings"]),
            lines=tuple(
                Line(
                    text=str(line["text"]),
                    confidence=None if line["confidence"] is None else float(line["confidence"]),
                    box=None if line["box"] is None else Box(*(int(v) for v in line["box"])),
                    source=ConfidenceSource(line["source"]),
                )
                for line in data["lines"]
            ),
        )
