"""The words of a language, for the beam search's word-level term (issue 18: "like tr send",
"mever lived", "Dinally" on real handwritten pages).

The character model (:mod:`bot.ocr.decoding.lm`) scores a word letter by letter, so a
non-word spelled like English ("mever", "foculty", "thie") costs it little more than the
word the writer meant. Here each word a reading completes is looked up among the
language's most frequent words in the installed ``wordfreq`` (``Weights.lexicon`` of them,
folded as the character model folds letters; split at anything not a letter, as the beam
search splits them):

- a word that is none of them pays ``Weights.oov``, once, as soon as its letters can no
  longer become one of them (pyctcdecode's partial-word check: the beam drops it before
  it crowds out the readings that still can), or where it ends as the start of one only;
- a word of two letters or more among them earns ``Weights.unigram`` times how much more
  common it is than :data:`ORDINARY` (Zipf), and loses as much where it is rarer: "to"
  over "tr", both in the list.

A clear image still wins: the price is a few nats against the image's log probability.
Built when the engine loads (well under a second from wordfreq's tables, which deciding
loads anyway; a dict and a sorted tuple, about 1 MB). The size and the weights were chosen
on drawn notes and the real handwritten lines, cross-validated (bench/README.md, "A word
list in the beam search").
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache

# How many of the language's most frequent words count as words (``Weights.lexicon``).
WORDS = 5_000
# The Zipf frequency of a word that earns nothing (1 in 100,000 words of running text).
ORDINARY = 4.0

# A word is known, may still become one, or cannot.
KNOWN, PREFIX, OUTSIDE = 0, 1, 2
# Runs of letters: what the beam search calls a word.
_LETTERS = re.compile(r"[^\W\d_]+")
# Word states remembered before the memory is cleared.
_CACHE_SIZE = 100_000


@dataclass(frozen=True, slots=True)
class Wordlist:
    """A language's words (folded) with their Zipf frequency, and sorted for the prefix
    check."""

    zipf: dict[str, float]
    ordered: tuple[str, ...]
    # words the language writes capitalised only ("anna", "friday": bot.ocr.wordcase)
    names: frozenset[str] = frozenset()
    _states: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def state(self, word: str) -> int:
        """:data:`KNOWN`, :data:`PREFIX` (the start of a known word, not one itself) or
        :data:`OUTSIDE`. Thread-safe (a lost cache write costs only a recomputation)."""
        found = self._states.get(word)
        if found is None:
            if len(self._states) > _CACHE_SIZE:
                self._states.clear()
            found = self._state(word)
            self._states[word] = found
        return found

    def _state(self, word: str) -> int:
        if word in self.zipf:
            return KNOWN
        at = bisect_left(self.ordered, word)
        if at < len(self.ordered) and self.ordered[at].startswith(word):
            return PREFIX
        return OUTSIDE

    def leaves(self, before: str, after: str) -> bool:
        """A letter turning a word's folded letters ``before`` into ``after`` makes it one
        that can no longer become a word of the list (its price is paid here, once)."""
        return self.state(after) == OUTSIDE and (not before or self.state(before) != OUTSIDE)

    def common(self, word: str) -> bool:
        """``word`` (folded letters) is one of the list's words."""
        return bool(word) and self.state(word) == KNOWN

    def ended(self, word: str, oov: float, unigram: float) -> float:
        """What ``word`` (folded letters) earns where it ends: ``oov`` if it is the start of
        a word only (one that left the list paid when it did), ``unigram`` per Zipf unit
        above :data:`ORDINARY` if it is a word of two letters or more."""
        state = self.state(word) if word else OUTSIDE
        if state == PREFIX:
            return oov
        if state == KNOWN and len(word) > 1:
            return unigram * (self.zipf[word] - ORDINARY)
        return 0.0


def of(words: list[tuple[str, float]], names: frozenset[str] = frozenset()) -> Wordlist:
    """The :class:`Wordlist` of these (word, Zipf frequency) pairs, folded already: each
    word's runs of letters ("don't" gives "don" and "t", as the beam search reads it)."""
    zipf: dict[str, float] = {}
    for word, frequency in words:
        for run in _LETTERS.findall(word):
            zipf[run] = max(zipf.get(run, 0.0), frequency)
    return Wordlist(zipf, tuple(sorted(zipf)), names)


def wordlist(language: str, size: int = WORDS) -> Wordlist:
    """The language's ``size`` most frequent words in the installed wordfreq, folded as its
    character model folds letters (Vietnamese to its skeleton). Nothing is downloaded. Built
    once a language and size, however the size is passed (``lm.warm`` builds the one the
    beam search then uses)."""
    return _built(language, size)


@lru_cache(maxsize=8)
def _built(language: str, size: int) -> Wordlist:
    from wordfreq import get_frequency_dict, top_n_list

    from bot.ocr import wordcase
    from bot.ocr.decoding import lm

    code = lm.WORDFREQ_CODE[language]
    fold = lm.skeleton if language == "vi" else str.lower
    frequency = get_frequency_dict(code)
    words = [(fold(w), math.log10(frequency[w]) + 9) for w in top_n_list(code, size)]
    return of(words, wordcase.names(language))
