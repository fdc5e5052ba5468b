"""How far the beam search's reading of a line stands out among the readings it kept.

Evidence for deciding (issue 18 part 3). The recognizer's score is the mean of its
characters' probabilities and says nothing of the other readings the image allows; the
beam search weighed them. A reading that holds nearly all the probability of the readings
kept, with the language model and by the image alone, is seldom wrong; one with a close
rival ("esss" / "eggs", "ileeting" / "Meeting") often is. Measured on the drawn notes'
evaluation seeds, fitted on the training seeds and the real lines: right lines flagged
109 -> 53 of 446 at the same recall (bench/README.md, 2026-12-07).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

# The lead of a reading no other reading came near (log score): the beam kept no rival.
LEAD_CAP = 30.0


@dataclass(frozen=True, slots=True)
class Standing:
    """``posterior``: the reading's share of the probability of every reading the beam kept,
    with the language model; ``image``: the same by the image alone; ``lead``: its log score
    over the next reading's, at most :data:`LEAD_CAP`."""

    posterior: float = 1.0
    image: float = 1.0
    lead: float = LEAD_CAP

    @classmethod
    def among(cls, best: str, kept: Iterable[tuple[str, float, float]]) -> Standing:
        """``best`` among the ``kept`` readings: (text, log score with the LM, log
        probability by the image alone) each; a text more than one beam spells (spacing
        aside) counts once, its probabilities summed."""
        with_lm: dict[str, float] = {}
        by_image: dict[str, float] = {}
        for text, ranked, image in kept:
            key = " ".join(text.split())
            with_lm[key] = logadd(with_lm.get(key, -math.inf), ranked)
            by_image[key] = logadd(by_image.get(key, -math.inf), image)
        key = " ".join(best.split())
        if key not in with_lm:
            return cls()
        rivals = [score for text, score in with_lm.items() if text != key]
        lead = with_lm[key] - max(rivals) if rivals else LEAD_CAP
        return cls(_share(with_lm, key), _share(by_image, key), min(lead, LEAD_CAP))

    @classmethod
    def least(cls, standings: Iterable[Standing]) -> Standing | None:
        """The least of each figure over a line's pieces (None: no piece was searched)."""
        found = list(standings)
        if not found:
            return None
        return cls(
            min(s.posterior for s in found),
            min(s.image for s in found),
            min(s.lead for s in found),
        )


class Doubt(NamedTuple):
    """How sure RapidOCR was of a line beyond its score (None: not known): the lowest
    probability of any character it read, the least margin of a character over the next
    likeliest label, and how the reading stands among those its beam search kept, with
    the LM and by the image alone, and its lead over the next
    (:mod:`bot.ocr.decoding.standing`; the least of its pieces')."""

    least: float | None = None
    margin: float | None = None
    posterior: float | None = None
    image_posterior: float | None = None
    lead: float | None = None


def _share(scores: dict[str, float], key: str) -> float:
    total = -math.inf
    for score in scores.values():
        total = logadd(total, score)
    return math.exp(scores[key] - total) if total > -math.inf else 1.0


def logadd(a: float, b: float) -> float:
    """log(exp(a) + exp(b)), without leaving floats (numpy scalars cost 10x here)."""
    if a < b:
        a, b = b, a
    if b == -math.inf:
        return a
    return a + math.log1p(math.exp(b - a))
