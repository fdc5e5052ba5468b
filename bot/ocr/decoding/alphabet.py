"""The labels a line may hold when it is written in the Latin alphabet.

RapidOCR's recognizer has 18,710 labels, nearly all of them Chinese and Japanese
characters. On a page in English it reads a strip of paper edge or a stain as katakana
("スンベのルンアのルート…", a real typewritten page) and a smudge as a sign of some other
script, and each such letter is one more edit for the user to make. A line in a language
written in the Latin alphabet is decoded over the labels such a line can hold
(:meth:`Alphabet.restricted`): ASCII, the Latin letters with diacritics, and a few signs of
print. A full-width form counts as its ASCII character ("，" as ","); the probability of
every other label goes to the blank, since nothing the line can hold was seen there.

The matrix shrinks to these labels (about 330 of 18,710 columns), which makes every
decoding step after it cheaper too.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

# The label of the CTC blank in RapidOCR's label list (column 0).
_BLANK = "blank"
# Signs of print beyond ASCII that notes in Latin-script languages hold.
_SIGNS = frozenset("£€¥¢§°±×÷–—‘’‚“”„•…«»¿¡·µ²³¹ºª")
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
    folded: NDArray[np.intp]  # columns of forms counted as a kept label ...
    into: NDArray[np.intp]  # ... and the position of that label among ``labels``

    def restricted(self, probs: NDArray[np.float32]) -> NDArray[np.float32]:
        """``probs`` (T x all labels) over :attr:`labels` only: a full-width form's
        probability added to its character's, every other label's to the blank. Each row
        still sums to 1, and a character kept keeps its probability."""
        kept = probs[:, self.keep]
        np.add.at(kept, (slice(None), self.into), probs[:, self.folded])
        kept[:, 0] += np.maximum(0.0, 1.0 - kept.sum(axis=1))
        return kept


def applies(language: str) -> bool:
    """Lines in ``language`` are decoded over :func:`latin`'s labels."""
    from bot.ocr.decoding.lm import WORDFREQ_CODE

    return language in WORDFREQ_CODE  # all written in the Latin alphabet


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
        same = unicodedata.normalize("NFKC", label)
        if same in position and same.strip():
            folded.append(i)
            into.append(position[same])
    return Alphabet(
        [labels[i] for i in keep],
        np.array(keep, dtype=np.intp),
        np.array(folded, dtype=np.intp),
        np.array(into, dtype=np.intp),
    )
