"""The case of a letter in the beam search: what writing it as a capital costs.

The language model knows lower case only, and readers confuse R and r, F and f. Where the
image allows a letter in either case, the beam search pays (log P, tuned in
``bench.decoding --tune-case``): ``inner_capital`` for a capital after a small letter of
the same word ("RepoRt"), ``capital_word`` for a word capitalised inside a sentence ("Read
chapter Five"; 0 for German, which capitalises its nouns), given back where the word ends
if it is none of the language's common words (a capitalised word that is none is likely a
name).
"""

from __future__ import annotations


def price(before: str, char: str, cased: bool, capital_word: float, inner_capital: float) -> float:
    """log P of the case of the letter ``char`` written after ``before`` (the text so far).
    A capital is charged only where the image allows its small letter too (``cased``): the
    price chooses between the two, it never makes a letter vanish. A word capitalised
    inside a sentence (:func:`capitalised`) is priced by the beam search, which gives the
    price back where the word turns out to be none of the common words. A lone "I" inside
    a sentence (English "I") is charged once a letter follows it, not when written. A small
    letter after two capitals of its word ("ORder", "FRiday"; not the "s" of "PDFs") is
    charged as a capital after a small letter is."""
    if not before or before[-1].isspace():
        return 0.0
    word = before.rsplit(None, 1)[-1]  # the last word (not splitting the whole line)
    if word == "I" and _mid_sentence(before[:-1]):
        return capital_word
    if not word[-1].isalpha():
        return 0.0
    if cased and char.isupper() and word[-1].islower():
        return inner_capital
    if char.islower() and char != "s" and len(word) >= 2 and word.isalpha() and word.isupper():
        return inner_capital
    return 0.0


def capitalised(before: str, char: str, cased: bool) -> bool:
    """A word starting with ``char`` after ``before`` is written with a capital the image
    allows small (``cased``), inside a sentence."""
    start = not before or before[-1].isspace()
    return start and cased and char.isupper() and char != "I" and _mid_sentence(before)


def _mid_sentence(before: str) -> bool:
    """A word written after ``before`` stands inside a sentence (not first in the line, nor
    after a full stop or a colon)."""
    words = before.split()
    return bool(words) and words[-1][-1] not in _SENTENCE_END


# A capital after one of these (or at the start of a line) starts a sentence.
_SENTENCE_END = frozenset(".!?:;")
