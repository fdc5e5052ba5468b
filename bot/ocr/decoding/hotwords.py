"""A user's own words as hotwords of the beam search (issue 18 part 2): a reading that is
spelling one of them is helped along, so a name the language model does not know can win
where the image allows it.

The words are folded as the Vietnamese model folds letters (lower case, no diacritics:
RapidOCR cannot write most of them, and ``bot.ocr.decide.words`` writes them back). A
prefix of a token that is the start of a user's word earns :data:`BONUS` per character;
the token left for a letter that no user word has next, or ended short of a whole word,
pays it all back (pyctcdecode's hotword scorer has the same idea: a partial word scored
while the beam is inside it). A whole word keeps it. Tokens are letters, with an apostrophe
or hyphen inside where a user's word has one; anything else ends one.

Only the user's words that are rare in the line's language are hotwords (names, terms:
:func:`bot.ocr.decide.words.rare`): the model knows the common ones already.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from bot.ocr.decoding.lm import skeleton

# What a character of a user's word is worth while a reading spells it (nats, against the
# image's log probability and the LM's weighted one; tuned in bench.vocabulary).
BONUS = 2.0
# Characters that may stand inside a token (where a user's word has them).
_JOINERS = frozenset("'\u2019-")


@dataclass(frozen=True, slots=True)
class Hotwords:
    """The folded words and every prefix of them."""

    words: frozenset[str]
    prefixes: frozenset[str]
    bonus: float = BONUS

    def step(self, token: str | None, char: str) -> tuple[str | None, float]:
        """The token after ``char`` (``None``: not a user's word, until the next one starts)
        and what the reading earns or pays back for it. ``token`` is ``""`` at a start."""
        if token is None:
            return (None, 0.0) if _inside(char) else ("", 0.0)
        longer = token + fold(char)
        if longer in self.prefixes:
            return longer, self.bonus * (len(longer) - len(token))
        if char.isalpha():
            return None, -self.bonus * len(token)
        return "", self.ended(token)

    def ended(self, token: str | None) -> float:
        """What a token ended here pays back: nothing if it is a whole word."""
        if not token or token in self.words:
            return 0.0
        return -self.bonus * len(token)


def fold(text: str) -> str:
    """``text`` as the hotwords are matched: lower case, without diacritics."""
    return skeleton(text)


def _inside(char: str) -> bool:
    return char.isalpha() or char in _JOINERS


@lru_cache(maxsize=256)
def of(words: tuple[str, ...], bonus: float = BONUS) -> Hotwords | None:
    """The hotwords of ``words`` (None for none: the beam search then does no extra work)."""
    folded = frozenset(fold(w) for w in words if w)
    if not folded:
        return None
    prefixes = frozenset(w[:n] for w in folded for n in range(1, len(w) + 1))
    return Hotwords(folded, prefixes, bonus)
