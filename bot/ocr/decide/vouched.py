"""Tesseract's doubt on a Vietnamese line that RapidOCR answers, and the doubt it leaves.

Tesseract's score of a line is the mean of its confidence in each word. Where RapidOCR read
a word letter for letter, marks and all (it can write them: "quá", "ngày", "chương",
"mai"), two readers agree on every letter of it, and Tesseract's doubt there says nothing
of the line: such a word counts as sure as Tesseract's surest word in the line. The doubt
that stays is on the words only Tesseract could judge, where a mark RapidOCR has no label
for decides between two real words ("muỗng" / "muống": RapidOCR writes "muông" for both):
a word there that Tesseract itself doubts keeps the line unsure, however sure the rest.

Measured (2026-12-07, issue 18; bench/README "Tesseract's doubt that RapidOCR answers"): on
the Vietnamese fitting pages (seeds 11-55 and ``bench.vi_training``'s), right lines flagged
90 -> 56 of 1230, no wrong line made sure; :data:`DOUBTED` was the lowest cut (in steps of
0.05) at which none is. Since a wrong tone that makes no word is caught by the words it fails
to make (:mod:`.compounds`) and a consonant read otherwise by RapidOCR is a contradiction
(:func:`~bot.ocr.decide.syllables.onset_contradicts`), no cut down to 0 makes a wrong line
sure on the fitting pages, the two Vietnamese hands, the eval seeds or the held-out texts
(2026-12-07, seventh session); 0.5 keeps a deep doubt of Tesseract's, and flags 33 fewer
right lines of vi-training's 1652 than 0.8 did.
"""

from __future__ import annotations

from typing import NamedTuple

from bot.ocr.decide.evidence import Reading
from bot.ocr.decide.syllables import aligned, split_edges

# A word only Tesseract could judge and read at a confidence under this keeps its line unsure.
DOUBTED = 0.5


class Vouched(NamedTuple):
    """Tesseract's score of the line with the words RapidOCR read alike as sure as its surest
    one; ``doubted``: a word only Tesseract could judge it read under :data:`DOUBTED`."""

    score: float
    doubted: bool


def vouched(tesseract: Reading, rapid: str) -> Vouched:
    """Tesseract's Vietnamese reading of a line judged with RapidOCR's (``rapid``) beside it,
    word by word; as read where its words' confidences are not known."""
    words = tesseract.text.split()
    if not words or not rapid.strip() or len(words) != len(tesseract.words):
        return Vouched(tesseract.score, doubted=False)
    surest = max(tesseract.words)
    scores: list[float] = []
    alone: list[float] = []
    for word, seen, score in zip(words, aligned(words, rapid), tesseract.words, strict=True):
        core = split_edges(word)[1]
        if core and seen is not None and core == split_edges(seen)[1]:
            scores.append(surest)
        else:
            scores.append(score)
            alone.append(score)
    return Vouched(sum(scores) / len(scores), doubted=any(s < DOUBTED for s in alone))
