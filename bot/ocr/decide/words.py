"""How a user's words bias a reading (issue 18 part 2): the default engine's readings of a
line are rewritten word by word before deciding (:func:`applied`).

A read word that is the user's word but for its diacritics, or a near misreading of it, or
that a reader split at a missed letter, is written as the user wrote it ("Nguyn" ->
"Nguyễn"), and the reading carries the user's words it has (``Reading.known``), which the
lexicon counts as ordinary words: a line read as words the user is known to write is not
put to them again.

The rules keep a right word right: only a word rare in the line's language (a name, a term)
is written in, never over a common word, and a near match must be unique and close. An empty
vocabulary changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.ocr.decide.calibration import levenshtein
from bot.ocr.decide.evidence import (
    LineEvidence,
    Model,
    Reading,
    Script,
    agreement,
    base_letters,
    script_of,
)
from bot.ocr.vocabulary import MIN_LENGTH, WORD, Vocabulary

if TYPE_CHECKING:
    from bot.ocr.languages import Language
    from bot.ocr.model import Line

# Zipf frequency (wordfreq, 0..7) from which a word is common in a language: a common user
# word is never written in (the readers and the language model know it already), and a
# common read word is never written over, diacritics aside.
COMMON = 4.0
# A read word that is a word at all (this frequency or more) is never taken for a near
# misreading of another.
A_WORD = 2.5
# Languages whose words are separated by spaces and for which frequencies are known.
_LISTED = frozenset({"en", "de", "fr", "es", "it", "pt", "pl", "vi"})
# Two words one space apart, the second short: a word a reader split at a letter it missed.
_SPLIT = re.compile(r"([^\W\d_]{2,}) ([^\W\d_]{1,3})\b")


@dataclass(frozen=True, slots=True)
class Knowing:
    """A model that decides each line with the user's ``words`` applied to its evidence
    first: wherever the pipeline decides (a line settled early, or with every check)."""

    model: Model
    words: Vocabulary

    def line(self, evidence: LineEvidence, language: Language) -> Line:
        return self.model.line(applied(evidence, self.words, language), language)


def applied(evidence: LineEvidence, words: Vocabulary, language: Language) -> LineEvidence:
    """``evidence`` with each reading rewritten (:func:`rewrite`) and, where the readers
    then agree (or only one read the line), the user's words in it marked for deciding: the
    user's words vouch for a reading, not for one reader against another."""
    if not words:
        return evidence
    readings = [
        _rewritten(r, words, language.code)
        for r in (evidence.rapid, evidence.tesseract, evidence.aspose)
    ]
    script = script_of(language)
    # RapidOCR cannot write most Vietnamese tone marks: there, Tesseract's text stands alone.
    judged = readings[1:2] if script is Script.VIETNAMESE and readings[1] else readings
    texts = [r.text for r in judged if r is not None and r.text]
    if all(agreement(texts[0], t, script) >= 1 for t in texts[1:]):
        readings = [_known(r, words) for r in readings]
    rapid, tesseract, aspose = readings
    return replace(evidence, rapid=rapid, tesseract=tesseract, aspose=aspose)


def _rewritten(reading: Reading | None, words: Vocabulary, language: str) -> Reading | None:
    if reading is None or not reading.text:
        return reading
    return replace(reading, text=rewrite(reading.text, words, language))


def _known(reading: Reading | None, words: Vocabulary) -> Reading | None:
    if reading is None:
        return None
    found = frozenset(w.lower() for w in WORD.findall(reading.text)) & words.known
    return replace(reading, known=found)


def rewrite(text: str, words: Vocabulary, language: str) -> str:
    """``text`` with each word that is a user's word misread written as they wrote it."""
    teaching = _teaching(rare(words, language))
    if not teaching:
        return text
    text = _SPLIT.sub(lambda m: _joined(m, teaching, language), text)
    return WORD.sub(lambda m: _written(m.group(0), teaching, language), text)


def rare(words: Vocabulary, language: str) -> tuple[str, ...]:
    """The user's words that teach (typed at least once) and are rare in ``language``
    (names, terms): the ones written in over a misreading, and the beam search's hotwords
    (:mod:`bot.ocr.decoding.hotwords`). None in a language without frequencies."""
    if language not in _LISTED or not words:
        return ()
    return _rare(words.teaching, language)


@lru_cache(maxsize=256)
def _rare(candidates: tuple[str, ...], language: str) -> tuple[str, ...]:
    return tuple(w for w in candidates if len(w) >= MIN_LENGTH and _zipf(w, language) < COMMON)


@lru_cache(maxsize=256)
def _teaching(candidates: tuple[str, ...]) -> dict[str, list[str]]:
    """``candidates`` by their base letters' first letter (a misreading rarely gets the
    first letter wrong and the rest right)."""
    by_first: dict[str, list[str]] = {}
    for word in candidates:
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
    near = [
        w
        for w in candidates
        if _shape(w) == _shape(read) and levenshtein(base_letters(w), base) <= _slack(w)
    ]
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


def _shape(word: str) -> tuple[int, int]:
    """A word's apostrophes and hyphens: a near match keeps them ("Stanfors" is not
    "Stanford's", "pall-hearers" not "pallbearers")."""
    return (word.count("'") + word.count("\u2019"), word.count("-"))


def _slack(word: str) -> int:
    """Letters a misreading of ``word`` may get wrong: one in a word of 5-7, two from 8
    (a shorter word has too many near neighbours: "Trom" is not "trời")."""
    return 0 if len(word) < 5 else 1 if len(word) < 8 else 2


def _cased(word: str, read: str) -> str:
    """The user's word as they wrote it, in capitals where the line is."""
    return word.upper() if read.isupper() and len(read) > 1 else word


@lru_cache(maxsize=65536)
def _zipf(word: str, language: str) -> float:
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word.lower(), language))
