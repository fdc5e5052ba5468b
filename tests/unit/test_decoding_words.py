"""The word list in the beam search (issue 18): a non-word the image nearly spells ("mever
lived", "like tr send") is read as the word the writer meant, with the shipped weights and
the English model and word list built from the installed wordfreq; a clear name stays."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from bot.ocr.decoding import ctc, lm, wordlist
from bot.ocr.decoding.line import WEIGHTS

LABELS = ["blank", *"acdefiklmnorstuvwy", " "]
NO_WORD_LIST = replace(WEIGHTS, oov=0.0, unigram=0.0)


def spelled(text: str, at: int = -1, doubt: dict[str, float] | None = None) -> Any:
    """A matrix reading ``text`` clearly, a blank between letters; the letter at ``at``
    replaced by ``doubt``'s labels."""
    rows = []
    for i, char in enumerate(text):
        step = doubt if i == at and doubt else {char: 0.95}
        row = [step.get(label, 0.0) for label in LABELS]
        row[0] = 1.0 - sum(step.values())
        rows += [row, [1.0] + [0.0] * (len(LABELS) - 1)]
    return np.array(rows, dtype=np.float32)


def read(probs: Any, weights: ctc.Weights = WEIGHTS) -> str:
    words = wordlist.wordlist("en", weights.lexicon) if weights.oov else None
    return ctc.search(probs, LABELS, lm.model("en"), weights, None, words)[0]


@pytest.mark.parametrize(
    ("written", "at", "misread", "meant"),
    [
        ("never lived", 0, "m", "n"),
        ("like to send", 6, "r", "o"),
        ("faculty", 1, "o", "a"),
        ("finally", 0, "d", "f"),
    ],
)
def test_a_non_word_the_image_nearly_spells_is_read_as_the_word(
    written: str, at: int, misread: str, meant: str
) -> None:
    probs = spelled(written, at, {misread: 0.8, meant: 0.15})
    nonword = written[:at] + misread + written[at + 1 :]
    assert ctc.greedy(probs, LABELS).text == nonword
    # the character model alone keeps the image's non-word ...
    assert read(probs, NO_WORD_LIST) == nonword
    # ... the word list reads the word
    assert read(probs) == written


def test_a_clear_name_outside_the_word_list_is_kept() -> None:
    assert wordlist.wordlist("en").state("okonkwo") == wordlist.OUTSIDE
    for name in ("okonkwo lived", "stanford said"):
        assert read(spelled(name)) == name


def test_the_word_list_is_built_from_the_installed_wordfreq() -> None:
    english = wordlist.wordlist("en")
    assert english.state("faculty") == wordlist.KNOWN
    assert english.state("facul") == wordlist.PREFIX
    assert english.state("foculty") == wordlist.OUTSIDE
    # a common word earns more than a rarer one, the start of a word only pays
    assert english.ended("to", -3.0, 0.5) > english.ended("tr", -3.0, 0.5)
    assert english.ended("facul", -3.0, 0.5) == -3.0
    # contractions are split as the beam search reads them ("don't": "don", "t")
    assert english.state("don") == wordlist.KNOWN


def test_a_name_inside_a_sentence_keeps_the_capital_a_common_word_loses() -> None:
    # the image leaves each capital open (0.55 against 0.4): "five" is a common word, read
    # small inside a sentence; "Kyoto" is none, so its capital is no sign of a misread;
    # "Anna" and "Friday" are common words the language writes capitalised only (its word
    # list, bot.ocr.wordcase), so theirs is none either
    labels = [*LABELS[:-1], "F", "K", "A", " "]

    def doubted(text: str, at: int, big: str) -> Any:
        rows = []
        for i, char in enumerate(text):
            step = {big: 0.55, big.lower(): 0.4} if i == at else {char.lower(): 0.95}
            row = [step.get(label, 0.0) for label in labels]
            row[0] = 1.0 - sum(step.values())
            rows += [row, [1.0] + [0.0] * (len(labels) - 1)]
        return np.array(rows, dtype=np.float32)

    def best(probs: Any) -> str:
        words = wordlist.wordlist("en", WEIGHTS.lexicon)
        return ctc.search(probs, labels, lm.model("en"), WEIGHTS, None, words)[0]

    assert wordlist.wordlist("en").common("five")
    assert not wordlist.wordlist("en").common("kyoto")
    assert best(doubted("we read five", 8, "F")) == "we read five"
    assert best(doubted("visit kyoto", 6, "K")) == "visit Kyoto"
    assert wordlist.wordlist("en").common("anna") and wordlist.wordlist("en").common("friday")
    assert best(doubted("we called anna", 10, "A")) == "we called Anna"
    assert best(doubted("we read it on friday", 14, "F")) == "we read it on Friday"
