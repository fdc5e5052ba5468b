"""Which letters a Latin-script line is read with: only labels such a line can hold, the
case of a letter the image leaves open chosen as the language writes it, and no space shown
before a sign that closes a word."""

from __future__ import annotations

from typing import Any

import numpy as np

from bot.ocr.decide.shown import punctuated
from bot.ocr.decoding import alphabet, ctc, lm
from bot.ocr.languages import resolve

FULL_COMMA = "\uff0c"
LABELS = [
    "blank", "a", "d", "e", "n", "o", "p", "r", "t", "I", "R", "E", "ス", FULL_COMMA, ",", " ",
]  # fmt: skip


def matrix(*steps: dict[str, float]) -> Any:
    """T x labels probabilities: at each step the labels named, the blank the rest."""
    rows = []
    for step in steps:
        row = [step.get(label, 0.0) for label in LABELS]
        row[0] = 1.0 - sum(step.values())
        rows.append(row)
    return np.array(rows, dtype=np.float32)


def spelled(text: str, **doubt: dict[str, float]) -> Any:
    """A matrix reading ``text`` clearly, a blank between letters; ``doubt`` replaces the
    step of the letter at index ``i`` (keyword ``at{i}``)."""
    steps: list[dict[str, float]] = []
    for i, char in enumerate(text):
        steps += [doubt.get(f"at{i}", {char: 0.95}), {}]
    return matrix(*steps)


WORDS = lm.train([("report", 1.0), ("and", 1.0), ("a", 0.5), ("pen", 0.5)], order=3)
CASED = ctc.Weights(
    alpha=0.5, beta=1.0, width=8, prune=0.01, inner_capital=-4.0, capital_word=-2.0
)
UNCASED = ctc.Weights(alpha=0.5, beta=1.0, width=8, prune=0.01)


def test_a_latin_line_is_read_without_letters_of_other_scripts() -> None:
    # paper noise the recognizer reads as katakana, a comma it reads full-width
    probs = matrix({"ス": 0.6, "a": 0.3}, {}, {FULL_COMMA: 0.7, ",": 0.1})
    assert ctc.greedy(probs, LABELS).text == "ス" + FULL_COMMA
    latin = alphabet.latin(tuple(LABELS))
    assert "ス" not in latin.labels and FULL_COMMA not in latin.labels
    assert latin.labels[0] == "blank" and latin.labels[-1] == " "
    kept = latin.restricted(probs)
    assert np.allclose(kept.sum(axis=1), 1.0)
    assert ctc.greedy(kept, latin.labels).text == "a,"


def test_a_dash_between_numbers_is_read_as_the_hyphen_the_hand_wrote() -> None:
    # the recognizer reads a handwritten "112-140" with an en dash; no hand writes one apart
    labels = ("blank", "1", "4", "-", "\u2013", " ")
    steps = [{"1": 0.95}, {"\u2013": 0.7, "-": 0.2}, {"4": 0.95}]
    rows = [[1.0 - sum(s.values()), *(s.get(label, 0.0) for label in labels[1:])] for s in steps]
    probs = np.array(rows, dtype=np.float32)
    assert ctc.greedy(probs, list(labels)).text == "1\u20134"
    latin = alphabet.latin(labels)
    assert ctc.greedy(latin.restricted(probs), latin.labels).text == "1-4"


def test_only_languages_in_the_latin_alphabet_are_restricted() -> None:
    assert alphabet.applies("en") and alphabet.applies("pl")
    assert not alphabet.applies("zh")


def test_a_capital_the_image_leaves_open_inside_a_word_is_read_small() -> None:
    probs = spelled("repoRt", at4={"R": 0.55, "r": 0.4})
    assert ctc.search(probs, LABELS, WORDS, UNCASED)[0] == "repoRt"
    assert ctc.search(probs, LABELS, WORDS, CASED)[0] == "report"


def test_a_clear_capital_is_kept_and_never_dropped() -> None:
    # the image allows no small "r": the case price must not make the letter vanish
    probs = spelled("repoRt", at4={"R": 0.9})
    assert ctc.search(probs, LABELS, WORDS, CASED)[0] == "repoRt"


def test_a_word_inside_a_sentence_is_read_small_where_the_image_allows_both() -> None:
    probs = spelled("a Report", at2={"R": 0.55, "r": 0.4})
    assert ctc.search(probs, LABELS, WORDS, UNCASED)[0] == "a Report"
    assert ctc.search(probs, LABELS, WORDS, CASED)[0] == "a report"
    # a line starts a sentence: its first word keeps its capital
    first = spelled("Report", at0={"R": 0.55, "r": 0.4})
    assert ctc.search(first, LABELS, WORDS, CASED)[0] == "Report"


def test_two_capitals_then_small_letters_are_read_small_where_the_image_allows() -> None:
    # "REport": a pen's "e" drawn tall is read as a capital; an acronym's plural ("PDFs")
    # is no such word, nor a word in capitals ("REPORT")
    probs = spelled("REport", at1={"E": 0.55, "e": 0.4})
    assert ctc.search(probs, LABELS, WORDS, UNCASED)[0] == "REport"
    assert ctc.search(probs, LABELS, WORDS, CASED)[0] == "Report"
    clear = spelled("REport", at1={"E": 0.9})
    assert ctc.search(clear, LABELS, WORDS, CASED)[0] == "REport"


def test_english_i_inside_a_sentence_keeps_its_capital() -> None:
    probs = spelled("and I", at4={"I": 0.9})
    assert ctc.search(probs, LABELS, WORDS, CASED)[0] == "and I"


def test_no_space_is_shown_before_a_sign_that_closes_a_word() -> None:
    english, french = resolve("en"), resolve("fr")
    assert punctuated("on this occasion .", english) == "on this occasion."
    assert punctuated("as required , sent to him", english) == "as required, sent to him"
    assert punctuated("Dear Sir :", english) == "Dear Sir:"
    assert punctuated("I am sorry to be the in -", english) == "I am sorry to be the in-"
    assert punctuated("from 3 - 5 pm, costs .50", english) == "from 3 - 5 pm, costs .50"
    # French writes a space before : ; ! ? and Chinese is left as read
    assert punctuated("Cher ami :", french) == "Cher ami :"
    assert punctuated("merci , ami .", french) == "merci, ami."
    assert punctuated("你好 。", resolve("zh")) == "你好 。"


def test_a_space_is_shown_after_a_comma_or_colon_between_words() -> None:
    english = resolve("en")
    assert punctuated("Meeting notes:budget review", english) == "Meeting notes: budget review"
    assert punctuated("eggs,milk;bread", english) == "eggs, milk; bread"
    # times, numbers and addresses keep their signs as written
    assert punctuated("at 3:30, see http://x.org", english) == "at 3:30, see http://x.org"
    assert punctuated("1,500 people", english) == "1,500 people"
