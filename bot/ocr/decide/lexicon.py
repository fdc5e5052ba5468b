"""Are the words of a reading words of the language? Evidence the readers cannot give.

Both readers can be sure of a wrong line: RapidOCR writes "Buy milk and esss tomorrow" at
0.97, Tesseract "Hôm noy trời" at 0.9. Word frequencies (``wordfreq``: many languages,
including Vietnamese syllables) tell a line made of real words from one with a misread
word in it. A word with a capital inside it ("FRiday") is a misread too. Names and rare
words score low as well: that costs a line a check, never a wrong line shown as sure.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise
from typing import Any

from bot.ocr.wordcase import cased_words

# wordfreq's languages among ours (Chinese needs a segmenter; its lines are short and its
# readers agree well, so it goes without).
_LISTED = frozenset({"en", "de", "fr", "es", "it", "pt", "pl", "vi", "ru", "uk"})
# Zipf frequency of a very common word is 6-7; of a word seen once in a billion, 0-1.
_COMMON = 6.0
# A capitalised word rarer than this (Zipf) is taken for a name (English "Branner" 1.4,
# "Okonkwo" 1.9, "Lathrop" 2.6; "five" 5.5, "rent" 4.6).
_NAME = 3.0
# How ordinary a word the user is known to write counts as, at least (issue 18).
_KNOWN = 4.5
# Letters, with an apostrophe inside ("don't", "l'eau"; straight or curly).
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")


# Remembered: deciding asks it of the same texts ~65 times a line (bot.ocr.job.settle).
@lru_cache(maxsize=8192)
def plausibility(text: str, language: str, known: frozenset[str] = frozenset()) -> float:
    """0..1: how ordinary the least ordinary word of ``text`` is (1.0 where there are no
    words to judge, or no list for ``language``). ``known``: words (lower case) the user is
    known to write, as ordinary as an everyday word (issue 18, :mod:`bot.ocr.vocabulary`)."""
    if language not in _LISTED:
        return 1.0
    words = [w for w in _WORD.findall(text) if len(w) > 1]
    if any(_odd_case(w) for w in words):
        return 0.0  # the user's own words too: "tomorRow" is a misread of any word
    if not words:
        return 1.0
    return min(_ordinary(w.lower(), language, known) for w in words) / _COMMON


def unvouched(text: str, other: str, language: str, known: frozenset[str] = frozenset()) -> bool:
    """A word of ``text`` (two letters or more) that no word list of ``language`` has (Zipf
    0), that the user is not known to write, and that ``other``, another reader's reading
    of the line, does not read: "Nguyn" where Tesseract read "Nguyén"."""
    if language not in _LISTED or not other:
        return False
    vouched = known | {w.lower() for w in _WORD.findall(other)}
    words = (w.lower() for w in _WORD.findall(text) if len(w) > 1)
    return any(w not in vouched and _frequency(w, language) == 0.0 for w in words)


def listed(language: str) -> bool:
    """``language`` has a word list (wordfreq)."""
    return language in _LISTED


def frequency(word: str, language: str) -> float:
    """The Zipf frequency of ``word`` (any case) in ``language``, at most that of a very
    common word."""
    return _frequency(word.lower(), language)


def _ordinary(word: str, language: str, known: frozenset[str]) -> float:
    """The word's Zipf frequency; a word the user is known to write is at least as ordinary
    as an everyday word ("garden", "invoice"): a name of theirs no longer looks like a
    misread, and their common words count as they always did."""
    frequency = _frequency(word, language)
    return max(frequency, _KNOWN) if word in known else frequency


def _odd_case(word: str) -> bool:
    """A capital inside a word that is not all capitals ("FRiday", "RepoRt")."""
    return not word.isupper() and any(c.isupper() for c in word[1:])


@lru_cache(maxsize=65536)
def _frequency(word: str, language: str) -> float:
    from wordfreq import zipf_frequency

    return min(zipf_frequency(word, language), _COMMON)


def commonness(text: str, language: str) -> float:
    """Mean Zipf frequency (0..6) of the words of ``text`` in ``language``: how much it reads
    like that language (0 where there is no word list for it)."""
    if language not in _LISTED:
        return 0.0
    words = [w.lower() for w in _WORD.findall(text) if len(w) > 1]
    if not words:
        return 0.0
    return sum(_frequency(w, language) for w in words) / len(words)


# An English ordinal whose 1 was read as a letter: "the Ist", "lst", "ist" (no English word).
_FIRST = re.compile(r"(?<![\w'\u2019])[Iil|]st\b")


def as_written(text: str, language: str) -> str:
    """A reader's ``text`` written as ``language`` writes it: numbers read as letters put
    back (:func:`numbers_as_written`), Chinese characters written simplified
    (:func:`simplified`)."""
    if language == "zh":
        return simplified(text)
    return numbers_as_written(text, language)


@lru_cache(maxsize=1)
def _to_simplified() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=8192)
def simplified(text: str) -> str:
    """``text`` with the Chinese characters written in their traditional form written as
    simplified Chinese writes them (OpenCC's ``t2s``, phrase by phrase): the bot reads
    中文 (简体), and RapidOCR's recognizer, trained on both, writes a handwritten 给 or 电
    as 給 or 電 now and then ("給媽妈打電話", one line in each set of drawn notes: every such
    line made right, none made wrong, bench/README "Chinese written simplified")."""
    if text.isascii():
        return text
    return str(_to_simplified().convert(text))


def numbers_as_written(text: str, language: str) -> str:
    """``text`` with the digits readers take for letters put back where only a number
    makes sense: "Pay rent before the Ist" -> "... the 1st" (both readers read it so,
    sure; the language model knows no digits)."""
    if language != "en":
        return text
    return _FIRST.sub("1st", text)


@lru_cache(maxsize=8192)
def capitals_inside(text: str, language: str = "", names: str = "") -> float:
    """1.0 when a word after the first is capitalised though the word before it ends no
    sentence ("Read chapter Five again", "Pay Rent"): readers confuse the case of letters
    that look alike at both sizes far more often than writers capitalise inside a sentence.
    Where ``language`` has a word list that keeps letter case (:func:`cased_words`), a word
    it writes capitalised ("Friday", "Anna", "May"; German nouns) is no doubt, and one it
    writes only in small letters ("Five", "Fence") always is. A word the list lacks is
    weighed as names are: ``names``, a language whose names and titles are known to be read
    as written (both readers read the line alike): there a word that is no common word
    (:data:`_NAME`: "Lathrop", "Okonkwo") is taken for a name, and "Mr.", "Dr.", "St." for
    titles; neither counts. A misread name ("Priyanka Nguyn", RapidOCR without the ễ) is
    read alike by no two readers."""
    cased = cased_words(language)
    words = text.split()
    for before, word in pairwise(words):
        letters = _WORD.match(word)
        if letters is None or len(letters.group()) < 2:
            continue
        if word[0].isupper() and not word.isupper() and not before.endswith((".", ":", "!", "?")):
            written = cased.written(letters.group())
            if written is not None:
                if written:
                    continue
                return 1.0
            if names in _LISTED and _named(letters.group(), word, names):
                continue
            return 1.0
    return 0.0


def _named(letters: str, word: str, language: str) -> bool:
    """A capitalised word that is a name or a title, not a misread common word."""
    title = word == letters + "." and len(letters) <= 3
    return title or _frequency(letters.lower(), language) < _NAME
