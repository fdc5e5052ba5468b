"""Two readers of a Latin line that agree, or differ only where one of them misread: evidence
neither reader's own score gives.

RapidOCR (a CTC network) and Tesseract (an LSTM) read unlike each other: where both write a
line letter for letter alike, they are rarely both wrong (the one error they make alike is a
capital inside a sentence, "Read chapter Five again"). Where Tesseract misreads a
handwritten word it mostly writes no word at all ("vopore", "liltary") or the word with a
capital inside the sentence ("the quarterly Report"); that is its own failure, no doubt on
RapidOCR's reading, when RapidOCR read an ordinary word there and the two agree on the
rest: every other word, every digit and sign, the first letter's case.

Measured (2026-12-07, issue 18 "flags with precision"; bench/README "Two readers that
agree"): on the Latin lines of the fitting set, the evaluation seeds and the held-out texts
(drawn), 1 of 872 lines read alike is wrong ("Meeting notes; budget review"); of the lines
where Tesseract differs only by such misreads, none is wrong and 40 right ones were flagged.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from bot.ocr.decide.lexicon import capitals_inside, frequency, listed
from bot.ocr.readers.tesseract import UNSPACED
from bot.ocr.wordcase import names

# A line read alike with fewer letters and digits than this may be alike by chance ("C C").
ALIKE_LETTERS = 8
# Tesseract's word rarer than this (Zipf) is no word: its misread ("becks" 2.5 is a word).
_NO_WORD = 2.0
# RapidOCR's words where the two differ are at least this ordinary ("rent" 4.6, "five" 5.5).
_ORDINARY = 3.0
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")


def read_alike(rapid: str, tesseract: str, language: str) -> bool:
    """Both readers wrote the line letter for letter alike, long enough for that to be no
    chance, with no capital inside a sentence (Chinese: character for character, Tesseract's
    spaces between words aside)."""
    if language in UNSPACED:
        rapid, tesseract = rapid.replace(" ", ""), tesseract.replace(" ", "")
    return (
        rapid == tesseract
        and sum(c.isalnum() for c in rapid) >= ALIKE_LETTERS
        and not capitals_inside(rapid, language, names=language)
    )


def tesseract_misread(rapid: str, tesseract: str, language: str) -> bool:
    """Tesseract's reading differs from RapidOCR's only where it wrote no word, or RapidOCR's
    word with a capital inside the sentence; RapidOCR's words are all ordinary words,
    written as the language writes them; the two agree on at least half the words, on every
    digit and sign, and on the first letter's case."""
    if not listed(language) or not rapid or not tesseract or rapid == tesseract:
        return False
    ours, theirs = rapid.split(), tesseract.split()
    if len(ours) < 3 or rapid[0] != tesseract[0] or _signs(rapid) != _signs(tesseract):
        return False
    if capitals_inside(rapid, language, names="") or not _ordinary(ours, language):
        return False
    matcher = SequenceMatcher(a=ours, b=theirs, autojunk=False)
    same = 0
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            same += i2 - i1
            continue
        if not all(_one_word(w) for w in ours[i1:i2]):
            return False  # "notes:s": a letter more, glued on
        read = {_letters(w).lower() for w in ours[i1:i2]}
        for word in theirs[j1:j2]:
            letters = _letters(word)
            other_word = len(letters) > 1 and letters.lower() not in read
            if other_word and frequency(letters, language) >= _NO_WORD:
                return False  # another word: a real disagreement
    return 2 * same >= len(ours)


def _ordinary(words: list[str], language: str) -> bool:
    """Every word (two letters or more) is an ordinary word, and a name is capitalised."""
    written_capitalised = names(language)
    for word in words:
        letters = _letters(word)
        if len(letters) < 2:
            continue
        if frequency(letters, language) < _ORDINARY:
            return False
        if letters[0].islower() and letters.lower() in written_capitalised:
            return False  # "anna"
    return True


def _one_word(token: str) -> bool:
    """``token`` is one word of two letters or more, with signs at its edges at most."""
    found = _WORD.findall(token)
    return len(found) == 1 and len(found[0]) > 1


def _letters(word: str) -> str:
    found = _WORD.search(word)
    return found.group() if found else ""


def _signs(text: str) -> str:
    """The digits and signs of ``text`` in order, spaces aside."""
    return "".join(c for c in text if not c.isalpha() and not c.isspace())
