"""A character n-gram language model per language, built from the word frequencies of the
installed ``wordfreq`` package: nothing is downloaded, nothing is shipped in the repository.

The model answers one question for the beam search (:mod:`bot.ocr.decoding.ctc`): how
likely is this letter after these letters? It knows lower-case letters and the word
boundary (a space) only; digits, punctuation and other scripts are the decoder's business.

Words are weighted by their frequency in running text (so "the" counts as often as it is
written), and the model is smoothed the Witten-Bell way: a context followed by many
different letters keeps more room for letters it has not seen. Vietnamese is modelled on
its *Latin skeleton* (tone marks and other diacritics removed), the letters RapidOCR can
write.
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

# The word boundary: what a space is to the model (the start and the end of every word).
BOUNDARY = " "
# How many of a language's most frequent words the model learns from, and its order.
WORDS = 40_000
ORDER = 6
# How much a word's frequency counts: 1 is running text, 0 a word list. Running text
# overweights "the"; a word list overweights rare spellings. Chosen on the real lines.
FREQUENCY_POWER = 0.25

# wordfreq's code for each language the model is built for.
WORDFREQ_CODE = {
    "en": "en",
    "de": "de",
    "fr": "fr",
    "es": "es",
    "it": "it",
    "pt": "pt",
    "pl": "pl",
    "vi": "vi",
}


def skeleton(text: str) -> str:
    """Letters without their diacritics, lower case ("Tiếng Việt" -> "tieng viet")."""
    text = text.lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(slots=True)
class CharLM:
    """Witten-Bell smoothed character n-grams (orders 1..``order``)."""

    order: int
    # counts[context][letter]: weighted counts; context is the previous up to order-1 letters
    counts: dict[str, dict[str, float]]
    alphabet: frozenset[str]
    # Letters are compared without their diacritics (the Vietnamese skeleton model).
    skeletal: bool = False
    _cache: dict[tuple[str, str], float] = field(default_factory=dict)

    def fold(self, char: str) -> str:
        """The character as the model knows it: lower case (and its skeleton)."""
        return skeleton(char) if self.skeletal else char.lower()

    def knows(self, char: str) -> bool:
        """The model scores this (folded) character: a letter it has seen, or the boundary."""
        return char in self.alphabet

    def logp(self, context: str, char: str) -> float:
        """log P(char | the last order-1 characters of context); both already lower case.
        Thread-safe (a lost cache write costs only a recomputation)."""
        key = (context[-(self.order - 1) :], char)
        cached = self._cache.get(key)
        if cached is None:
            cached = math.log(self._p(key[0], char))
            self._cache[key] = cached
        return cached

    def _p(self, context: str, char: str) -> float:
        # the order-0 floor: every known character equally likely
        p = 1.0 / len(self.alphabet)
        for start in range(len(context), -1, -1):
            if start < len(context) - (self.order - 1):
                continue
            followers = self.counts.get(context[start:])
            if not followers:
                continue
            total = followers[""]  # the total is stored under the empty key
            types = len(followers) - 1
            p = (followers.get(char, 0.0) + types * p) / (total + types)
        return p

    def text_logp(self, text: str) -> float:
        """log P of a whole text (lower-cased, letters and spaces only), for tests and
        tuning: unknown characters reset the context."""
        context, total = BOUNDARY, 0.0
        for char in (self.fold(c) for c in text + BOUNDARY):
            if not self.knows(char):
                context = BOUNDARY
                continue
            total += self.logp(context, char)
            context = BOUNDARY if char == BOUNDARY else context + char
        return total


def train(words: list[tuple[str, float]], order: int = ORDER, *, skeletal: bool = False) -> CharLM:
    """A model of these (word, weight) pairs, each word written between two boundaries.
    Contexts run over letters of one word only (the boundary starts every word)."""
    counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    alphabet = {BOUNDARY}
    for word, weight in words:
        letters = word + BOUNDARY
        alphabet.update(word)
        padded = BOUNDARY + letters
        for i in range(1, len(padded)):
            char = padded[i]
            for n in range(0, order):
                if i - n < 0:
                    break
                context = padded[i - n : i]
                counts[context][char] += weight
    frozen: dict[str, dict[str, float]] = {}
    for context, followers in counts.items():
        table = dict(followers)
        table[""] = sum(followers.values())
        frozen[context] = table
    return CharLM(order=order, counts=frozen, alphabet=frozenset(alphabet), skeletal=skeletal)


def lexicon(language: str, size: int = WORDS) -> list[tuple[str, float]]:
    """(word, weight) of the language's most frequent alphabetic words, from wordfreq;
    Vietnamese as its Latin skeleton."""
    from wordfreq import top_n_list, word_frequency

    code = WORDFREQ_CODE[language]
    weights: dict[str, float] = defaultdict(float)
    for word in top_n_list(code, size):
        key = skeleton(word) if language == "vi" else word.lower()
        if not all(_latin(c) for c in key):
            continue
        weights[key] += word_frequency(word, code) ** FREQUENCY_POWER
    return list(weights.items())


def _latin(char: str) -> bool:
    return char.isalpha() and "LATIN" in unicodedata.name(char, "")


def supported(language: str) -> bool:
    return language in WORDFREQ_CODE


@lru_cache(maxsize=8)
def model(language: str) -> CharLM:
    """The language's model, built once per process from the installed wordfreq data
    (about a second; :func:`supported` says which languages have one)."""
    if not supported(language):
        raise KeyError(f"no character model for {language!r}")
    return train(lexicon(language), skeletal=language == "vi")


def warm() -> None:
    """Build every language's model now (at start, not on a user's photo)."""
    for language in WORDFREQ_CODE:
        model(language)
