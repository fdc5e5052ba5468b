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

import logging
import math
import os
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

# The word boundary: what a space is to the model (the start and the end of every word).
BOUNDARY = " "
# How many of a language's most frequent words the model learns from, and its order.
WORDS = 40_000
ORDER = 6
# How much a word's frequency counts: 1 is running text, 0 a word list. Running text
# overweights "the"; a word list overweights rare spellings. Chosen on the real lines.
FREQUENCY_POWER = 0.25

log = logging.getLogger(__name__)

# Characters are coded in this base (a model knows fewer characters than that).
_BASE = 64
# Log probabilities remembered per model before the memory is cleared.
_CACHE_SIZE = 200_000

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
    """Witten-Bell smoothed character n-grams (orders 1..``order``), stored compactly: the
    log probability of every (context, letter) pair seen, and for every context the log
    share of its mass left to letters not seen after it (sorted integer keys, numpy arrays:
    a few MB a language, where dicts of strings took 80)."""

    order: int
    alphabet: str  # the characters known, sorted; a character's code is its index + 1
    seen_keys: NDArray[np.int64]
    seen_logp: NDArray[np.float32]
    context_keys: NDArray[np.int64]
    context_rest: NDArray[np.float32]
    # Letters are compared without their diacritics (the Vietnamese skeleton model).
    skeletal: bool = False
    _codes: dict[str, int] = field(default_factory=dict)
    _cache: dict[tuple[str, str], float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._codes = {c: i + 1 for i, c in enumerate(self.alphabet)}

    def fold(self, char: str) -> str:
        """The character as the model knows it: lower case (and its skeleton)."""
        return skeleton(char) if self.skeletal else char.lower()

    def knows(self, char: str) -> bool:
        """The model scores this (folded) character: a letter it has seen, or the boundary."""
        return char in self._codes

    def logp(self, context: str, char: str) -> float:
        """log P(char | the last order-1 characters of context), both folded and known.
        Thread-safe (a lost cache write costs only a recomputation)."""
        key = (context[-(self.order - 1) :], char)
        cached = self._cache.get(key)
        if cached is None:
            if len(self._cache) > _CACHE_SIZE:
                self._cache.clear()
            cached = self._logp(key[0], char)
            self._cache[key] = cached
        return cached

    def _logp(self, context: str, char: str) -> float:
        found = _find(self.seen_keys, self._code(context + char))
        if found is not None:
            return float(self.seen_logp[found])
        if not context:
            return -math.log(len(self.alphabet))
        rest = _find(self.context_keys, self._code(context))
        left = float(self.context_rest[rest]) if rest is not None else 0.0
        return left + self._logp(context[1:], char)

    def _code(self, text: str) -> int:
        code = 0
        for char in text:
            code = code * _BASE + self._codes[char]
        return code

    def text_logp(self, text: str) -> float:
        """log P of a whole text, for tests and tuning: unknown characters reset the
        context."""
        context, total = BOUNDARY, 0.0
        for char in (self.fold(c) for c in text + BOUNDARY):
            if not self.knows(char):
                context = BOUNDARY
                continue
            total += self.logp(context, char)
            context = BOUNDARY if char == BOUNDARY else context + char
        return total


def _find(keys: NDArray[np.int64], key: int) -> int | None:
    at = int(keys.searchsorted(key))  # the method: np.searchsorted's wrapper cost as much again
    return at if at < keys.size and int(keys[at]) == key else None


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
    return _compact(counts, sorted(alphabet), order, skeletal)


def _compact(
    counts: dict[str, dict[str, float]], alphabet: list[str], order: int, skeletal: bool
) -> CharLM:
    """The counts turned into the compact model: every seen pair's smoothed probability."""
    codes = {c: i + 1 for i, c in enumerate(alphabet)}
    if len(codes) >= _BASE:
        raise ValueError(f"{len(codes)} characters: more than a model can code")

    def code(text: str) -> int:
        value = 0
        for char in text:
            value = value * _BASE + codes[char]
        return value

    def p(context: str, char: str) -> float:
        # Witten-Bell, from the uniform order-0 floor up to the full context
        value = 1.0 / len(alphabet)
        for start in range(len(context), -1, -1):
            followers = counts.get(context[start:])
            if followers:
                total, types = sum(followers.values()), len(followers)
                value = (followers.get(char, 0.0) + types * value) / (total + types)
        return value

    seen: dict[int, float] = {}
    rest: dict[int, float] = {}
    for context, followers in counts.items():
        total, types = sum(followers.values()), len(followers)
        rest[code(context)] = math.log(types / (total + types))
        for char in followers:
            seen[code(context + char)] = math.log(p(context, char))
    seen_keys = np.array(sorted(seen), dtype=np.int64)
    context_keys = np.array(sorted(rest), dtype=np.int64)
    return CharLM(
        order=order,
        alphabet="".join(alphabet),
        seen_keys=seen_keys,
        seen_logp=np.array([seen[k] for k in seen_keys.tolist()], dtype=np.float32),
        context_keys=context_keys,
        context_rest=np.array([rest[k] for k in context_keys.tolist()], dtype=np.float32),
        skeletal=skeletal,
    )


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
    """The language's model: read from the cache directory when built there before, else
    built from the installed wordfreq data (seconds, and wordfreq's tables in memory) and
    saved there. :func:`supported` says which languages have one."""
    if not supported(language):
        raise KeyError(f"no character model for {language!r}")
    path = cache_path(language)
    try:
        return load(path)
    except (OSError, ValueError, KeyError):
        pass
    built = build(language)
    try:
        save(built, path)
    except OSError as exc:
        log.info("character LM for %s not cached at %s: %s", language, path, exc)
    return built


def build(language: str) -> CharLM:
    """The language's model, built from the installed wordfreq data (no network)."""
    return train(lexicon(language), skeletal=language == "vi")


def cache_path(language: str) -> Path:
    """Where the built model is kept: the user's cache directory, named by everything it
    was built from (so a new wordfreq or new settings build a new one)."""
    from importlib.metadata import version

    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    tag = f"o{ORDER}-w{WORDS}-p{FREQUENCY_POWER}-wordfreq{version('wordfreq')}"
    return root / "notes-ocr-bot" / f"charlm-{language}-{tag}.npz"


def save(lm: CharLM, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez(
        partial,
        order=np.array(lm.order),
        alphabet=np.array(lm.alphabet),
        skeletal=np.array(lm.skeletal),
        seen_keys=lm.seen_keys,
        seen_logp=lm.seen_logp,
        context_keys=lm.context_keys,
        context_rest=lm.context_rest,
    )
    partial.replace(path)


def load(path: Path) -> CharLM:
    with np.load(path, allow_pickle=False) as data:
        return CharLM(
            order=int(data["order"]),
            alphabet=str(data["alphabet"]),
            seen_keys=data["seen_keys"],
            seen_logp=data["seen_logp"],
            context_keys=data["context_keys"],
            context_rest=data["context_rest"],
            skeletal=bool(data["skeletal"]),
        )


def warm(languages: tuple[str, ...] = ("en",)) -> None:
    """Have these languages' models and word lists ready now (at start, not on a user's
    photo); the others are built or loaded on first use."""
    from bot.ocr.decoding import wordlist

    for language in languages:
        if supported(language):
            model(language)
            wordlist.wordlist(language)
