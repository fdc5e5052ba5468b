"""A user's own words as hotwords of the beam search (issue 18 part 2): a reading that spells
one of them is kept in the beam and, once the word is whole, wins where the image allows it,
so a name the language model does not know can be read.

The words are folded as the Vietnamese model folds letters (lower case, no diacritics:
RapidOCR cannot write most of them, and ``bot.ocr.decide.words`` writes them back). A
reading earns :data:`BONUS` per character of a whole user's word it read (at the word's end,
and only where the image agrees, :func:`bot.ocr.decoding.ctc.search`: a user's "bearer"
never shortens "bearers"); while it is only spelling the start of one, it earns nothing, but
has room of its own in the beam (:data:`ROOM` readings besides the beam's width), so it is
neither pruned before the word is whole nor pushes out the readings the image and the
language model prefer: a reading that turns out not to be the user's word leaves the others
as they were. (pyctcdecode's hotword scorer scores a partial word instead: in a beam of 6,
that pushed right readings out on real handwriting; bench/README.md.) Tokens are letters,
with an apostrophe or hyphen inside where a user's word has one; anything else ends one.

Only the user's words that are rare in the line's language are hotwords (names, terms:
:func:`bot.ocr.decide.words.rare`), of :data:`SHORTEST` letters or more: the model knows the
common ones already.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from bot.ocr.decoding.lm import skeleton

# What a character of a whole user's word read is worth (nats, against the image's log
# probability and the LM's weighted one; chosen on real and drawn lines: bench/README.md
# "Hotwords").
BONUS = 1.5
# Readings spelling the start of a user's word kept besides the beam's width.
ROOM = 3
# Shorter words are no hotwords: they have too many near neighbours (measured on real
# handwriting with other notes' words: "sor", "Thos", "tion" read into unreadable stretches).
SHORTEST = 5
# Characters that may stand inside a token (where a user's word has them).
_JOINERS = frozenset("'\u2019-")


class Shown(NamedTuple):
    """What the image shows at a step of the recognizer's output."""

    letter: str  # its likeliest label's letter, folded ("" for the blank, a space, a sign)
    fresh: bool  # a letter starts here (the step before showed another, or none)
    gap: bool  # a space or a sign at least as likely as not: a word may start after it


@dataclass(frozen=True, slots=True)
class Hotwords:
    """The folded words and every prefix of them."""

    words: frozenset[str]
    prefixes: frozenset[str]
    bonus: float = BONUS
    room: int = ROOM

    def step(self, token: str | None, char: str) -> tuple[str | None, float]:
        """The token after ``char`` (``None``: not a user's word, until the next token) and
        what the reading earns: a whole word's bonus where ``char`` ends it. ``token`` is
        ``""`` where a token may start."""
        if token is None:
            return (None, 0.0) if _inside(char) else ("", 0.0)
        longer = token + _folded(char)
        if longer in self.prefixes:
            return longer, 0.0
        if char.isalpha():
            return None, 0.0
        return "", self.whole(token)

    def whole(self, token: str | None) -> float:
        """What a token ended here earns: the bonus if it is a user's word."""
        return self.bonus * len(token) if token and token in self.words else 0.0

    @staticmethod
    def shown(probs: NDArray[np.float32], labels: Sequence[str]) -> list[Shown]:
        """What the image shows at each step of ``probs`` (T x ``labels``, column 0 the
        blank). A space the recognizer left out and :mod:`bot.ocr.decoding.spaces` put back
        has an even chance: it counts as shown."""
        best = probs.argmax(axis=1).tolist()
        spaces = [i for i, label in enumerate(labels) if label.isspace()]
        spaced = (probs[:, spaces].sum(axis=1) >= 0.5).tolist()
        letters = [_folded(labels[i]) if i and labels[i].isalpha() else "" for i in best]
        return [
            Shown(
                x,
                bool(x) and (t == 0 or x != letters[t - 1]),
                spaced[t] or (best[t] > 0 and not x),
            )
            for t, x in enumerate(letters)
        ]


def fold(text: str) -> str:
    """``text`` as the hotwords are matched: lower case, without diacritics."""
    return skeleton(text)


@lru_cache(maxsize=4096)
def _folded(char: str) -> str:
    return fold(char)


def _inside(char: str) -> bool:
    return char.isalpha() or char in _JOINERS


@lru_cache(maxsize=256)
def of(words: tuple[str, ...], bonus: float = BONUS, room: int = ROOM) -> Hotwords | None:
    """The hotwords of ``words`` (None for none: the beam search then does no extra work)."""
    folded = frozenset(fold(w) for w in words if len(w) >= SHORTEST)
    if not folded:
        return None
    prefixes = frozenset(w[:n] for w in folded for n in range(1, len(w) + 1))
    return Hotwords(folded, prefixes, bonus, room)
