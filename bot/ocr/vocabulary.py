"""A user's own words (issue 18 part 2): what their corrections taught, with a weight each.

Every word a user typed or edited in a review (and, at a lower weight, the words of lines
they confirmed: :mod:`bot.review.taught`) joins their vocabulary (``bot.storage.words``).
Their photos are read with it: :mod:`bot.ocr.decide.words` rewrites a reading's misread
user words as the user wrote them, and deciding counts the user's words as ordinary words
(:func:`bot.ocr.decide.lexicon.plausibility`). It goes with a queued job in its wire form.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

# What one word weighs: typed or edited by the user, or only in a line they confirmed.
TYPED = 3
CONFIRMED = 1
# A word counts as ordinary for deciding from this weight on (typed once, or confirmed in
# two lines), and is written in over misreadings from TEACHES on (typed at least once).
KNOWN = 2
TEACHES = TYPED
# A word as the user wrote it: letters, with an apostrophe or hyphen inside.
WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
# Words shorter than this are neither learned nor written in (too many near neighbours).
MIN_LENGTH = 3
LONGEST = 48


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """A user's words as they wrote them, each with its weight (the sum of its uses)."""

    weights: dict[str, int] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.weights)

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, int]]) -> Vocabulary:
        return cls({word: int(weight) for word, weight in pairs})

    def to_wire(self) -> list[list[Any]]:
        """Small and plain, for a queued job: ``[[word, weight], ...]``."""
        return [[word, weight] for word, weight in self.weights.items()]

    @classmethod
    def from_wire(cls, data: object) -> Vocabulary:
        if not isinstance(data, list):
            return NO_WORDS
        pairs = [p for p in data if isinstance(p, list | tuple) and len(p) == 2]
        return cls.of((str(w), int(n)) for w, n in pairs if isinstance(n, int))

    @property
    def known(self) -> frozenset[str]:
        """The words deciding counts as ordinary, lower case."""
        return frozenset(w.lower() for w, n in self.weights.items() if n >= KNOWN)

    @property
    def teaching(self) -> tuple[str, ...]:
        """The words that may be written in over a misreading of them."""
        return tuple(sorted(w for w, n in self.weights.items() if n >= TEACHES))


NO_WORDS = Vocabulary()


def words_of(text: str) -> list[str]:
    """The words of ``text`` a vocabulary learns (NFC, as written, 3-48 letters)."""
    text = unicodedata.normalize("NFC", text)
    return [w for w in WORD.findall(text) if MIN_LENGTH <= len(w) <= LONGEST]
