"""What the user's answers taught about their words (issue 18): every word of a line they
typed or edited (a retyped line, an Edit-in-place text, a fix of a saved note), and at a
lower weight the words of lines they confirmed. The weights are
:mod:`bot.ocr.vocabulary`'s; the words are kept by ``bot.storage.words``."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping

from bot.ocr.vocabulary import CONFIRMED, TYPED, words_of
from bot.review.line import LineState
from bot.review.session import ReviewSession
from bot.storage.words import WordsRepo

log = logging.getLogger(__name__)

_WEIGHTS = {LineState.REPLACED: TYPED, LineState.CONFIRMED: CONFIRMED}


def taught(session: ReviewSession) -> dict[str, int]:
    """Each word the user's answers in ``session`` taught, with its weight (summed over the
    lines it is in)."""
    return _weighed((line.text, _WEIGHTS.get(line.state, 0)) for line in session.lines)


def typed(text: str) -> dict[str, int]:
    """What one line the user typed teaches (a saved note's line fixed through the API)."""
    return _weighed([(text, TYPED)])


def _weighed(lines: Iterable[tuple[str, int]]) -> dict[str, int]:
    weights: Counter[str] = Counter()
    for text, weight in lines:
        for word in words_of(text) if weight else ():
            weights[word] += weight
    return dict(weights)


async def learn(words: WordsRepo, user_id: int, weights: Mapping[str, int]) -> None:
    """``weights`` join the user's vocabulary, read with their next photos (called once, by
    whoever closes the review or saves the fix: chat or API). Never at the cost of the note:
    a failure is logged."""
    try:
        await words.teach(user_id, weights)
    except Exception:
        log.exception("could not keep the words user %s taught", user_id)
