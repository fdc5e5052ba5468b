"""What a finished review taught about the user's words (issue 18): every word of a line
they typed or edited (a retyped line, an Edit-in-place text, a fix of a saved note), and at
a lower weight the words of lines they confirmed. The weights are
:mod:`bot.ocr.vocabulary`'s; the words are kept by ``bot.storage.words``."""

from __future__ import annotations

import logging
from collections import Counter

from bot.ocr.vocabulary import CONFIRMED, TYPED, words_of
from bot.review.line import LineState
from bot.review.session import ReviewSession
from bot.storage.words import WordsRepo

log = logging.getLogger(__name__)

_WEIGHTS = {LineState.REPLACED: TYPED, LineState.CONFIRMED: CONFIRMED}


def taught(session: ReviewSession) -> dict[str, int]:
    """Each word the user's answers in ``session`` taught, with its weight (summed over the
    lines it is in)."""
    weights: Counter[str] = Counter()
    for line in session.lines:
        weight = _WEIGHTS.get(line.state, 0)
        for word in words_of(line.text) if weight else ():
            weights[word] += weight
    return dict(weights)


async def learn(words: WordsRepo, session: ReviewSession) -> None:
    """The words ``session`` taught join its owner's vocabulary, read with their next photos
    (called once, by whoever closes the review: chat or API). Never at the cost of the note:
    a failure is logged."""
    try:
        await words.teach(session.owner_user_id, taught(session))
    except Exception:
        log.exception("could not keep the words review %s taught", session.id)
