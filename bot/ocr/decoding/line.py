"""One line's reading from the recognizer's output: RapidOCR's greedy reading, the same
with its lost word spaces put back, and the reading of the language model.

All three are kept: the greedy reading is evidence. A line the language model changed
reads more like the language, which is not the same as being read right (on real
handwriting the LM turns some unreadable stretches into real but wrong words), so deciding
must see :attr:`Decoded.lm_changed`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache, partial

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from bot.ocr.decoding import alphabet, ctc, lm, slant, spaces, wordlist
from bot.ocr.decoding.crops import tighter
from bot.ocr.decoding.hotwords import Hotwords, fold
from bot.ocr.decoding.standing import Standing

# Tuned on drawn notes and the shared real handwritten lines (bench.decoding --tune).
# (2-fold cross-validation picked the same weights on both folds: held-out CER 0.060 ->
# 0.054 and 0.083 -> 0.073.)
# Beam 6, labels under 2% not tried: as good as 8 and 1% on the real lines (CER 0.296 vs
# 0.301), with fewer prefixes and labels to try at each step.
# The case prices (issue 18, "read more characters right"): tuned on drawn English notes of
# bench.calibrate's training seeds and the real handwritten lines (bench.decoding
# --tune-case): drawn 135 -> 101 character errors, real lines 244 -> 245; a word-capital
# price of -3 read "Anna" as "anna" there, so the milder -2.
# The word list (issue 18, "a word list in the beam search"): a word outside the 5,000
# commonest (``wordlist.WORDS``) pays 3, a word among them earns 0.5 per Zipf unit over an
# ordinary word's; chosen on the same sets, 2 folds (bench.decoding --tune-words).
WEIGHTS = ctc.Weights(
    alpha=0.9,
    beta=3.0,
    width=6,
    prune=0.02,
    inner_capital=-4.0,
    capital_word=-2.0,
    oov=-3.0,
    unigram=0.5,
)
# Languages that capitalise their nouns: a capital inside a sentence is no sign of a misread.
_CAPITAL_NOUNS = frozenset({"de"})
# Lines RapidOCR reads at least this surely are left as it reads them. Tuned with the
# weights: above 1, i.e. the LM decodes every line (0.9 and 0.95 measured worse).
SURE = 1.01
# The chance a word space found in the ink gets in the beam search (the LM may undo it).
# (0.5 let the beam drop a digit between two spaces put back: "at 3 pm" read "at pm".
# 0.7 chosen with bench.decoding --tune-spaces, 2 folds; 0.7-0.9 read alike.)
LM_SPACE_CHANCE = 0.7
# ... and takes it away again only to make a word at least this common (Zipf, wordfreq:
# "Stanford" 4.0; "atthe" 2.0, "dmitrivasquez" none) or one of the user's.
JOINED_ZIPF = 2.5
# A single letter is a word on its own from this Zipf on (English "a" 7.4, "i" 7.1; "s"
# 5.9, "k" and "g" below: letters of contractions, units and initials).
ALONE_ZIPF = 6.0
# Scripts written without spaces between words.
_UNSPACED = frozenset({"zh", "ja"})


@dataclass(frozen=True, slots=True)
class Decoded:
    """The readings of one line."""

    greedy: str  # what RapidOCR itself reads
    spaced: str  # the same, with the word spaces it dropped put back
    text: str  # the reading shown: ``spaced``, or the language model's where there is one
    score: float  # RapidOCR's score of its greedy reading (0..1)
    least: float = 1.0  # the lowest probability of a character of the greedy reading
    margin: float = 1.0  # the least margin of a character over the next likeliest label
    standing: Standing | None = None  # how ``text`` stands among the beam's (None: no LM)

    @property
    def spaces_restored(self) -> int:
        return self.spaced.count(" ") - self.greedy.count(" ")

    @property
    def lm_changed(self) -> bool:
        """The language model read the line otherwise than the image alone."""
        return " ".join(self.text.split()) != " ".join(self.spaced.split())


def decode(
    line: Image.Image,
    probs: NDArray[np.float32],
    labels: list[str],
    language: str,
    *,
    use_lm: bool = True,
    weights: ctc.Weights = WEIGHTS,
    sure: float = SURE,
    hotwords: Hotwords | None = None,
) -> Decoded:
    """Decode ``probs``, the recognizer's output for ``line`` (see
    :func:`bot.ocr.readers.rapid.line_probabilities`), in ``language``, a user's
    ``hotwords`` helped along (:mod:`bot.ocr.decoding.hotwords`): a language written in
    the Latin alphabet over the labels such a line can hold (:mod:`bot.ocr.decoding.alphabet`)."""
    if alphabet.applies(language):
        letters = alphabet.of_labels(labels)
        probs, labels = letters.restricted(probs), letters.labels
    first = ctc.greedy(probs, labels)
    greedy = " ".join(first.text.split())
    least, margin = _doubt(first, probs)
    if language in _UNSPACED:
        return Decoded(greedy, greedy, greedy, first.score, least, margin)
    after = spaces.missing(line, first, probs, len(labels) - 1)
    spaced, at = spaces.restored(first.text, after)
    if not (use_lm and lm.supported(language)) or first.score >= sure:
        return Decoded(greedy, spaced, spaced, first.score, least, margin)
    if language in _CAPITAL_NOUNS:
        weights = replace(weights, capital_word=0.0)
    words = (
        wordlist.wordlist(language, weights.lexicon) if weights.oov or weights.unigram else None
    )
    model = lm.model(language)
    gapped = spaces.with_spaces(probs, first, after, len(labels) - 1, chance=LM_SPACE_CHANCE)
    text, standing = ctc.search(gapped, labels, model, weights, hotwords, words)
    if after and _digits(text) < _digits(spaced):
        # The character LM reads no digits: one lost next to a space put back was the
        # space's doing (a word earns its end, and "at 4 pm" read "at pm", the space the
        # recognizer doubted before the 4 swapped for the one put back after it).
        again = ctc.search(probs, labels, model, weights, hotwords, words)
        text, standing = again if _digits(again[0]) > _digits(text) else (text, standing)
    known = partial(_known, language, hotwords)
    alone = partial(_alone, language)
    text = spaces.unsplit(spaces.kept(text, spaced, at, known), spaced, known, alone)
    return Decoded(greedy, spaced, text, first.score, least, margin, standing)


def _doubt(first: ctc.Greedy, probs: NDArray[np.float32]) -> tuple[float, float]:
    """The lowest probability of a character of the greedy reading ``first`` and the least
    margin of one over the next likeliest label (1.0 each for no character)."""
    peak, margins = first.peaks(probs)
    return (
        float(peak.min()) if peak.size else 1.0,
        float(margins.min()) if margins.size else 1.0,
    )


def as_read(line: Image.Image) -> Decoded:
    """RapidOCR's own reading of ``line``, to the character (a script not decoded here:
    Chinese, issue 18 part 1, measured no better with a beam), with its least sure character
    and least margin, taken from the output it was read from (the same definitions as
    :func:`decode`'s)."""
    from bot.ocr.readers import rapid

    text, score, probs = rapid.read_line_seen(line)
    if probs is None or not text:
        return Decoded(text, text, text, score)
    least, margin = _doubt(ctc.greedy(probs, _labels()), probs)
    return Decoded(text, text, text, score, least, margin)


def decodes(language: str) -> bool:
    """Lines in ``language`` are decoded here; elsewhere (scripts written without spaces)
    RapidOCR's own reading is kept (:func:`as_read`)."""
    return language not in _UNSPACED


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _known(language: str, hotwords: Hotwords | None, word: str) -> bool:
    """``word`` is one word (signs aside), of the language's (:data:`JOINED_ZIPF`) or the
    user's."""
    from wordfreq import zipf_frequency

    letters = spaces.one_word(word)
    if letters is None:
        return False
    if hotwords is not None and hotwords.whole(fold(letters)) > 0:
        return True
    return zipf_frequency(letters, lm.WORDFREQ_CODE[language]) >= JOINED_ZIPF


def _alone(language: str, letter: str) -> bool:
    """``letter`` is a word of the language on its own (Zipf >= :data:`ALONE_ZIPF`: English
    "a" and "I", French "à", Spanish "y"; not the "k" and "g" wordfreq counts from "k" and
    "g" written as units and initials)."""
    from wordfreq import zipf_frequency

    return zipf_frequency(letter, lm.WORDFREQ_CODE[language]) >= ALONE_ZIPF


@lru_cache(maxsize=1)
def _labels() -> list[str]:
    """The recognizer's labels (the same in every thread's engine), copied once."""
    from bot.ocr.readers import rapid

    return rapid.labels()


def read(
    line: Image.Image,
    language: str,
    *,
    use_lm: bool = True,
    second_crop: bool = False,
    hotwords: Hotwords | None = None,
    deslant: bool = True,
) -> Decoded:
    """Read one line with RapidOCR's recognizer, its writing first stood upright when it
    leans (``deslant``, :mod:`bot.ocr.decoding.slant`: real handwritten pages CER 0.254 ->
    0.238, bench.real_notes). With ``second_crop``, a loosely cut line is read a
    second time, cut close (:func:`bot.ocr.decoding.crops.tighter`), and the surer reading
    is kept: off by default, as it measured worse on real pages (bench README, issue 18)."""
    from bot.ocr.readers import rapid

    labels = _labels()
    if deslant:
        line = slant.upright(line)

    def decoded(crop: Image.Image) -> Decoded:
        probs = rapid.line_probabilities(crop)
        return decode(crop, probs, labels, language, use_lm=use_lm, hotwords=hotwords)

    best = decoded(line)
    close = tighter(line) if second_crop else None
    if close is not None:
        again = decoded(close)
        if again.score > best.score:
            best = again
    return best
