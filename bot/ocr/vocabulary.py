"""A user's own words (issue 18 part 2): what their corrections taught, and how that biases
a reading of their next photo.

Every word a user typed or edited in a review (and, at a lower weight, the words of lines
they confirmed) joins their vocabulary (``bot.storage.words``). Reading their next photo,
the default engine's readings of a line are rewritten word by word before deciding
(:meth:`Vocabulary.rewrite`): a read word that is the user's word but for its diacritics,
or a near misreading of it, is written as the user wrote it ("Nguyn" -> "Nguyễn"), and the
user's words count as ordinary words for deciding (:func:`bot.ocr.decide.lexicon.plausibility`):
a line read as words the user is known to write is not put to them again.

The rules keep a right word right: only a word rare in the line's language (a name, a term)
is written in, never over a common word, and a near match must be unique and close. An empty
vocabulary changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from bot.ocr.decide.calibration import levenshtein
from bot.ocr.decide.evidence import LineEvidence, Reading, base_letters

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
# Zipf frequency (wordfreq, 0..7) from which a word is common in a language: a common user
# word is never written in (the readers and the language model know it already), and a
# common read word is never written over, diacritics aside.
COMMON = 4.0
# A read word that is a word at all (this frequency or more) is never taken for a near
# misreading of another.
A_WORD = 2.5
# Two words one space apart, the second short: a word a reader split at a letter it missed.
_SPLIT = re.compile(r"([^\W\d_]{2,}) ([^\W\d_]{1,3})\b")
# Languages whose words are separated by spaces and for which frequencies are known.
_LISTED = frozenset({"en", "de", "fr", "es", "it", "pt", "pl", "vi"})


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

    def applied(self, evidence: LineEvidence, language: str) -> LineEvidence:
        """``evidence`` with each reading rewritten (:meth:`rewrite`) and its known words
        marked for deciding."""
        if not self.weights:
            return evidence
        return replace(
            evidence,
            rapid=self._applied(evidence.rapid, language),
            tesseract=self._applied(evidence.tesseract, language),
            aspose=self._applied(evidence.aspose, language),
        )

    def _applied(self, reading: Reading | None, language: str) -> Reading | None:
        if reading is None or not reading.text:
            return reading
        text = self.rewrite(reading.text, language)
        known = self.known
        found = frozenset(w.lower() for w in WORD.findall(text)) & known
        return replace(reading, text=text, known=found)

    def rewrite(self, text: str, language: str) -> str:
        """``text`` with each word that is a user's word misread written as they wrote it."""
        if language not in _LISTED or not self.weights:
            return text
        teaching = _teaching(tuple(sorted(self.weights.items())), language)
        if not teaching:
            return text
        text = _SPLIT.sub(lambda m: _joined(m, teaching, language), text)
        return WORD.sub(lambda m: _written(m.group(0), teaching, language), text)


NO_WORDS = Vocabulary()


def words_of(text: str) -> list[str]:
    """The words of ``text`` a vocabulary learns (NFC, as written, 3-48 letters)."""
    text = unicodedata.normalize("NFC", text)
    return [w for w in WORD.findall(text) if MIN_LENGTH <= len(w) <= LONGEST]


@lru_cache(maxsize=256)
def _teaching(items: tuple[tuple[str, int], ...], language: str) -> dict[str, list[str]]:
    """The user's words that may be written in, rare in ``language``, by their base letters'
    first letter (a misreading rarely gets the first letter wrong and the rest right)."""
    by_first: dict[str, list[str]] = {}
    for word, weight in items:
        if weight >= TEACHES and len(word) >= MIN_LENGTH and _zipf(word, language) < COMMON:
            by_first.setdefault(base_letters(word)[:1], []).append(word)
    return by_first


def _written(read: str, teaching: dict[str, list[str]], language: str) -> str:
    """The user's word ``read`` is a misreading of, or ``read`` itself."""
    if len(read) < MIN_LENGTH:
        return read
    base = base_letters(read)
    candidates = teaching.get(base[:1], [])
    if any(word == read for word in candidates):
        return read
    same = [w for w in candidates if base_letters(w) == base]
    if same:
        # The user's word but for diacritics or case: theirs, unless the read word is itself
        # a common word (never turn "resume" into "résumé").
        if len(same) == 1 and _zipf(read, language) < COMMON:
            return _cased(same[0], read)
        return read
    if _zipf(read, language) >= A_WORD:
        return read  # a real word: not a misreading of the user's
    near = [w for w in candidates if levenshtein(base_letters(w), base) <= _slack(w)]
    if len(near) != 1:
        return read  # none, or two words it could be: leave it to the reader
    return _cased(near[0], read)


def _joined(pair: re.Match[str], teaching: dict[str, list[str]], language: str) -> str:
    """Two words a reader split one of the user's words into ("Nguy n"), written as theirs;
    else the two as read."""
    first, second = pair.group(1), pair.group(2)
    if min(_zipf(first, language), _zipf(second, language)) >= A_WORD:
        return pair.group(0)  # two real words
    joined = _written(first + second, teaching, language)
    return joined if joined != first + second else pair.group(0)


def _slack(word: str) -> int:
    """Letters a misreading of ``word`` may get wrong: one in a word of 4-7, two from 8."""
    return 0 if len(word) < 4 else 1 if len(word) < 8 else 2


def _cased(word: str, read: str) -> str:
    """The user's word as they wrote it, in capitals where the line is."""
    return word.upper() if read.isupper() and len(read) > 1 else word


@lru_cache(maxsize=65536)
def _zipf(word: str, language: str) -> float:
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word.lower(), language))
