"""The labels a line may hold when it is written in the Latin alphabet.

RapidOCR's recognizer has 18,710 labels, nearly all of them Chinese and Japanese
characters. On a page in English it reads a strip of paper edge or a stain as katakana
("スンベのルンアのルート…", a real typewritten page) and a smudge as a sign of some other
script, and each such letter is one more edit for the user to make. A line in a language
written in the Latin alphabet is decoded over the labels such a line can hold
(:meth:`Alphabet.restricted`): ASCII, the Latin letters with diacritics, and a few signs of
print. A full-width form counts as its ASCII character (U+FF0C as ","); every other label is
left out and each timestep's probabilities are taken given the labels kept (renormalised;
giving the mass left out to the blank instead read a handwritten "If" as "f", where the
recognizer had put some of the "I" on a character of another script).

The matrix shrinks to these labels (512 of 18,710 columns), which makes every
decoding step after it cheaper too.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

# The label of the CTC blank in RapidOCR's label list (column 0).
_BLANK = "blank"
# Signs of print beyond ASCII that notes in Latin-script languages hold (the escapes: the
# multiplication sign, the em dash, typographic quotes, the bullet and the ellipsis).
_SIGNS = frozenset(
    "£€¥¢§°±÷«»¿¡·µ²³¹ºª\u00d7\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2022\u2026"
)
# Labels read as another kept label: the en dash is the hyphen no hand writes apart from it
# ("112-140", "pall-bearers"), and what a user types on a phone.
_AS = {"\u2013": "-"}
# Latin letters with diacritics: Latin-1, Extended-A and -B, Extended Additional (Vietnamese).
_LETTER_BLOCKS = ((0x00C0, 0x024F), (0x1E00, 0x1EFF))


def allowed(label: str) -> bool:
    """A line written in the Latin alphabet may hold this label."""
    if label in (_BLANK, " "):
        return True
    if len(label) != 1:
        return False
    if label.isascii():
        return label.isprintable()
    code = ord(label)
    if any(low <= code <= high for low, high in _LETTER_BLOCKS):
        return unicodedata.category(label) in ("Lu", "Ll")
    return label in _SIGNS


@dataclass(frozen=True, slots=True)
class Alphabet:
    """The columns of the recognizer's output kept for a Latin-script line, and the
    full-width forms whose probability is added to their ASCII character."""

    labels: list[str]  # the labels kept, in their order: the blank first, the space last
    keep: NDArray[np.intp]  # their columns in the recognizer's output
    # (columns of forms counted as a kept label, that label's position among ``labels``),
    # in rounds that each name a kept label once (full-width and circled M are both "M")
    folds: tuple[tuple[NDArray[np.intp], NDArray[np.intp]], ...]

    def restricted(self, probs: NDArray[np.float32]) -> NDArray[np.float32]:
        """``probs`` (T x all labels) over :attr:`labels` only: a full-width form's
        probability added to its character's (the en dash's to the hyphen's), each row then
        divided by what it kept."""
        kept = probs[:, self.keep]
        for columns, into in self.folds:
            kept[:, into] += probs[:, columns]
        kept /= np.maximum(kept.sum(axis=1, keepdims=True), 1e-12)
        return kept


def applies(language: str) -> bool:
    """Lines in ``language`` are decoded over :func:`latin`'s labels."""
    from bot.ocr.decoding.lm import WORDFREQ_CODE

    return language in WORDFREQ_CODE  # all written in the Latin alphabet


# The labels last given to :func:`of_labels`, and their Alphabet.
_latest: list[tuple[Sequence[str], Alphabet]] = []


def of_labels(labels: Sequence[str]) -> Alphabet:
    """:func:`latin` of ``labels``, known at once when they are the same object as last
    time (the recognizer's: copying and hashing its 18,710 labels cost ~0.3 ms a line, under
    the GIL the other reading thread waits for)."""
    latest = _latest[:1]
    if latest and latest[0][0] is labels:
        return latest[0][1]
    letters = latin(tuple(labels))
    _latest[:] = [(labels, letters)]
    return letters


@lru_cache(maxsize=2)
def latin(labels: tuple[str, ...]) -> Alphabet:
    """The :class:`Alphabet` of Latin-script lines among the recognizer's ``labels``
    (column 0 the blank, the last column the space)."""
    keep = [i for i, label in enumerate(labels) if allowed(label)]
    position = {labels[i]: at for at, i in enumerate(keep)}
    folded, into = [], []
    for i, label in enumerate(labels):
        if label in position or len(label) != 1:
            continue
        same = _AS.get(label) or unicodedata.normalize("NFKC", label)
        if same in position and same.strip():
            folded.append(i)
            into.append(position[same])
    rounds: list[tuple[list[int], list[int]]] = []
    for column, at in zip(folded, into, strict=True):
        free = next((r for r in rounds if at not in r[1]), None)
        if free is None:
            free = ([], [])
            rounds.append(free)
        free[0].append(column)
        free[1].append(at)
    folds = tuple((np.array(c, dtype=np.intp), np.array(a, dtype=np.intp)) for c, a in rounds)
    return Alphabet([labels[i] for i in keep], np.array(keep, dtype=np.intp), folds)
