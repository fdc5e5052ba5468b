"""The letter case a language writes its words in, from a dictionary that keeps it.

Word frequencies (``wordfreq``) know words in small letters only, so they cannot tell a
name or a day ("Anna", "Friday") from a common word a reader capitalised ("Five", "Fence").
Debian's word lists (SCOWL for English: ``wamerican``; ``wngerman``, ``wfrench``...,
installed by scripts/install-system-deps.sh) write each word as the language does. Deciding
(:func:`bot.ocr.decide.lexicon.capitals_inside`) and the beam search
(:mod:`bot.ocr.decoding.ctc`) read them. A language without a list here is judged as
before, by word frequency alone.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import NamedTuple

log = logging.getLogger(__name__)


class CasedWords(NamedTuple):
    """A language's words as its dictionary writes them: ``capitalised``, the forms that
    begin with a capital ("Friday"); ``small``, the words it has in small letters ("five",
    "may")."""

    capitalised: frozenset[str]
    small: frozenset[str]

    def written(self, word: str) -> bool | None:
        """Is capitalised ``word`` written so in this language? None where the list has no
        such word at all (a name, a rare word)."""
        if word in self.capitalised:
            return True
        return False if word.lower() in self.small else None

    def names(self) -> frozenset[str]:
        """The words (in small letters) the language writes capitalised only: names, days,
        months ("anna", "friday"; not "may", nor "will", nor "St" or "ABC")."""
        titled = (w.lower() for w in self.capitalised if len(w) > 2 and w.istitle())
        return frozenset(titled) - self.small


# Word lists that keep letter case, from Debian's wordlist packages (scripts/
# install-system-deps.sh: wamerican, wngerman, wfrench, wspanish, witalian, wportuguese).
_DICT = Path("/usr/share/dict")
_CASED_LISTS = {
    "en": "american-english",
    "de": "ngerman",
    "fr": "french",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
}


_NONE = CasedWords(frozenset(), frozenset())


def cased_words(language: str) -> CasedWords:
    """``language``'s :class:`CasedWords`, read once; empty where it has no list here."""
    name = _CASED_LISTS.get(language)
    return _NONE if name is None else _read(name)


@cache
def names(language: str) -> frozenset[str]:
    """:meth:`CasedWords.names` of ``language``, worked out once (deciding asks for them on
    every reading it weighs)."""
    return cased_words(language).names()


# Cached per list only (six at most): other languages never push a list out to be read again.
@cache
def _read(name: str) -> CasedWords:
    path = _DICT / name
    if not path.is_file():
        log.warning("no word list at %s: letter case judged without it", path)
        return _NONE
    capitalised: set[str] = set()
    small: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.strip()
        if not word or "'" in word:
            continue
        (capitalised if word[0].isupper() else small).add(word)
    return CasedWords(frozenset(capitalised), frozenset(small))


def installed() -> tuple[list[str], list[str]]:
    """The languages whose word list is installed here, and those whose is not."""
    found = [code for code, name in _CASED_LISTS.items() if (_DICT / name).is_file()]
    return found, [code for code in _CASED_LISTS if code not in found]
