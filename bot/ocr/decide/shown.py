"""The text a user is shown for a line: the reading deciding chose, written as the
language writes it.

Deciding (:mod:`bot.ocr.decide.combined`) chooses whose reading is shown and how sure it
is; this room writes that reading out: numbers read as letters put back, Chinese without
Tesseract's gaps, spaces around signs as the language writes them, Tesseract's Vietnamese
with the words it could not read rewritten. What is shown here is what deciding judged
and what bench.calibrate_reading labels, so the three cannot drift.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from bot.ocr.decide.evidence import Reading, Script, script_of
from bot.ocr.decide.lexicon import as_written
from bot.ocr.decide.marks import restore
from bot.ocr.decide.syllables import repair
from bot.ocr.languages import Language
from bot.ocr.readers.tesseract import tidy


class Shown(NamedTuple):
    """The text a user is shown for a line, and whether a word of it is a guess (its line
    then stays unsure however sure the reading)."""

    text: str
    guessed: bool


def shown_text(
    reader: str, rapid: Reading | None, tesseract: Reading | None, language: Language
) -> Shown:
    """What a user is shown for a line read by ``rapid`` and ``tesseract`` (None: that reader
    did not run) where deciding shows ``reader``'s reading ("rapid" or "tesseract"; "":
    none): as the language writes it (:func:`as_written`: numbers read as letters put back,
    Chinese simplified), Chinese and Japanese without
    Tesseract's gaps (:func:`tidy`), no space before a closing sign (:func:`punctuated`);
    Tesseract's Vietnamese with the words it could not read rewritten, RapidOCR's reading as
    evidence (:func:`repair`); RapidOCR's Vietnamese, where deciding shows it, with the tone
    marks it cannot write put back (:func:`~bot.ocr.decide.marks.restore`).
    :meth:`CombinedModel.line` and the labels of bench.calibrate_reading both come through
    here, so what is fitted is what is shown."""
    read, other = (rapid, tesseract) if reader == "rapid" else (tesseract, rapid)
    if not reader or read is None or not read.text:
        return Shown("", guessed=False)
    if script_of(language) is Script.VIETNAMESE:
        if reader == "rapid":  # it cannot write most marks: put back, the line capped unsure
            return Shown(restore(read.text), guessed=False)
        mended = repair(read.text, other.text if other is not None else "")
        return Shown(mended.text, mended.guessed)
    written = as_written(read.text, language.code)
    return Shown(punctuated(tidy(written, language), language), guessed=False)


# A space a reader put between a word and the sign that closes it ("occasion .", "Sir :"),
# and before the hyphen of a word broken at the end of the line ("in -"). French writes a
# space before ; : ! ? (not before , . or a closing bracket).
_SPACE_BEFORE_SIGN = re.compile(r"(?<=\w) +([,.;:!?)])(?= |$)")
_SPACE_BEFORE_SIGN_FR = re.compile(r"(?<=\w) +([,.)])(?= |$)")
_SPACE_BEFORE_HYPHEN = re.compile(r"(?<=[^\W\d_]) +-$")
# A comma, semicolon or colon between two words with no space after it ("notes:budget"): a
# gap the recognizer did not see (no Latin-script language writes words so; "3:30" and
# "http://" have no letter on both sides).
_NO_SPACE_AFTER_SIGN = re.compile(r"(?<=[^\W\d_])([,;:])(?=[^\W\d_])")


# Remembered: deciding asks it of the same texts ~65 times a line (bot.ocr.job.settle).
@lru_cache(maxsize=8192)
def punctuated(text: str, language: Language) -> str:
    """``text`` (a line in a Latin-script language) without the spaces its language does not
    write before a closing sign, and with the one it writes after a comma, semicolon or
    colon between words; other scripts as read."""
    if script_of(language) is not Script.LATIN:
        return text
    before_sign = _SPACE_BEFORE_SIGN_FR if language.code == "fr" else _SPACE_BEFORE_SIGN
    text = _NO_SPACE_AFTER_SIGN.sub(r"\1 ", text)
    return _SPACE_BEFORE_HYPHEN.sub("-", before_sign.sub(r"\1", text))
