"""Evidence of a line: what each reader read on it, and how far two readings agree.

Every engine combination gathers the same kind of evidence for each line it found (see
:mod:`bot.ocr.job`): RapidOCR's reading, Tesseract's (page-wise, on the line's crop, or on
the crop again at other scales), Aspose's. A :class:`Model` turns the evidence of one line
into the line the user gets: the text shown and how sure we are. One model per engine
combination lives in this room (:mod:`~bot.ocr.decide.combined`,
:mod:`~bot.ocr.decide.alone`, :mod:`~bot.ocr.decide.verified`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from bot.ocr.decide.calibration import levenshtein, normalise
from bot.ocr.readers.tesseract import UNSPACED

if TYPE_CHECKING:
    from bot.ocr.languages import Language
    from bot.ocr.model import Box, Line

# RapidOCR's recognizer reads these (its character set covers their letters).
_RAPID_LATIN = frozenset({"en", "de", "fr", "es", "it", "pt", "pl"})
# The Vietnamese letters RapidOCR's recognizer has a label for (rapid.labels(), rapidocr
# 3.10); the others (ả ạ ờ ứ ...) it leaves out or writes with another mark.
RAPID_WRITES = frozenset("aàáãăâeèéêiìíĩoòóõôồơuùúũưyýđ")


class Script(StrEnum):
    LATIN = "latin"
    CHINESE = "zh"
    VIETNAMESE = "vi"
    OTHER = "other"


def script_of(language: Language) -> Script:
    if language.code == "zh":
        return Script.CHINESE
    if language.code == "vi":
        return Script.VIETNAMESE
    if language.code in _RAPID_LATIN:
        return Script.LATIN
    return Script.OTHER


def rapid_reads(language: Language) -> bool:
    """RapidOCR's reading of this language is worth having (shown or as evidence)."""
    return script_of(language) is not Script.OTHER


@dataclass(frozen=True, slots=True)
class Reading:
    """What one reader read on one line: text and its RAW score 0..1; ``steady``, the share
    of RapidOCR's re-reads of the line (the crop padded, the crop smaller) that read the same
    text; ``agreed``, how many of Tesseract's re-reads of the crop at other scales did;
    ``lm_changed``, a language model read the line otherwise than the reader (the score
    is still the reader's, for its own reading: deciding weighs the change,
    :mod:`bot.ocr.decide.combined`); ``known``, its words the user is known to write
    (lower case, :mod:`bot.ocr.decide.words`): ordinary words for deciding; ``least`` and
    ``margin``, the probability of the reader's least sure character and the least margin
    of a character over the next likeliest label (RapidOCR's, decoded by
    :mod:`bot.ocr.decoding`; None: not known); ``posterior``, ``image_posterior`` and
    ``lead``, how RapidOCR's reading stands among those its beam search kept: its share of
    their probability with the language model and by the image alone, and its log score
    over the next one's (:mod:`bot.ocr.decoding.standing`; None: not known); ``words``,
    Tesseract's confidence in each word of its text, in order (empty: not known);
    ``again``, Tesseract's reading of the line's crop enlarged (Vietnamese; None: not read):
    where it writes other marks or letters, its first reading's marks are a guess."""

    text: str
    score: float
    steady: float = 0.0
    agreed: int = 0
    lm_changed: bool = False
    known: frozenset[str] = frozenset()
    least: float | None = None
    margin: float | None = None
    posterior: float | None = None
    image_posterior: float | None = None
    lead: float | None = None
    words: tuple[float, ...] = ()
    again: str | None = None

    @classmethod
    def of_pieces(cls, parts: list[tuple[str, float]], script: Script) -> Reading:
        """One reading of a line read in pieces: texts joined, scores weighted by length."""
        read = [(t, s) for t, s in parts if t]
        if not read:
            return cls("", 0.0)
        sep = "" if script is Script.CHINESE else " "
        chars = sum(len(t) for t, _ in read)
        return cls(sep.join(t for t, _ in read), sum(len(t) * s for t, s in read) / chars)

    @classmethod
    def of_words(
        cls, parts: list[tuple[str, float, tuple[float, ...]]], script: Script
    ) -> Reading:
        """:meth:`of_pieces` of Tesseract's pieces of a line, its confidence in each word kept."""
        reading = cls.of_pieces([(text, score) for text, score, _ in parts], script)
        return replace(reading, words=tuple(c for text, _, words in parts if text for c in words))

    def changed_by_lm(self) -> Reading:
        """This reading, the language model having changed it."""
        return replace(self, lm_changed=True)


@dataclass(frozen=True, slots=True)
class LineEvidence:
    """Everything read about one line (None: that reader did not read it)."""

    box: Box | None
    rapid: Reading | None = None
    tesseract: Reading | None = None
    aspose: Reading | None = None


class Model(Protocol):
    """Evidence of one line -> the line as the user gets it: text shown, confidence, source."""

    def line(self, evidence: LineEvidence, language: Language) -> Line: ...


def base_letters(text: str) -> str:
    """``text`` without diacritics ("Tiếng Việt" -> "Tieng Viet"; đ -> d), lower case."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


# Remembered: deciding asks it of the same texts ~65 times a line (bot.ocr.job.settle).
@lru_cache(maxsize=8192)
def agreement(a: str, b: str, script: Script = Script.OTHER) -> float:
    """1 - normalised edit distance of two readings (1.0 = the same), spacing aside:
    Chinese is compared without spaces at all, Vietnamese on base letters only; 0.0 when
    either is empty."""
    unspaced = script is Script.CHINESE
    a, b = normalise(a, unspaced=unspaced), normalise(b, unspaced=unspaced)
    if script is Script.VIETNAMESE:
        a, b = base_letters(a), base_letters(b)
    if not a or not b:
        return 0.0
    return 1.0 - levenshtein(a, b) / max(len(a), len(b))


def vietnamese_agreement(tesseract: str, rapid: str) -> float:
    """:func:`agreement` of Tesseract's Vietnamese and RapidOCR's reading of a line on base
    letters and without spaces (the shown text is Tesseract's; RapidOCR drops narrow ones),
    where RapidOCR leaving out a letter it has no label for is no disagreement ("tri đp" is
    "trời đẹp" as RapidOCR can write it). A letter it could have written and left out still
    counts: "tin" does not agree with "tiên" (the page showed tiền)."""
    return _vietnamese_edits(tesseract, rapid)[0]


def rapid_contradicts(tesseract: str, rapid: str) -> bool:
    """RapidOCR read, where Tesseract read a vowel (or đ) it has a label for, another such
    letter ("mai" / "mũi"), the same vowel under another mark it has a label for ("bé" /
    "bê", "ô" / "ồ"), or nothing ("tin" / "tiên"); or another digit ("19h" / "13h"): two
    readers that can both write the letter differ on it. Not a bare vowel for a marked one:
    RapidOCR often drops a mark it could write ("nuc" for "nước"). (The 1305 Vietnamese
    lines of ``bench.calibrate_evidence --vi-training``: it fires on 35 of the 75 wrong and
    3 of the 1230 right; on vowels of other base letters and dropped ones alone, 12 and 2.)"""
    return _vietnamese_edits(tesseract, rapid)[1]


def _read_otherwise(tesseract: str, rapid: str) -> bool:
    """Two letters read in one place (lower case) differ where RapidOCR could have written
    Tesseract's (:func:`rapid_contradicts`)."""
    if tesseract == rapid:
        return False
    if tesseract.isdigit() and rapid.isdigit():
        return True
    if rapid == "đ":
        return True  # its crossbar seen ("Đà" / "bà", "đi" / "di")
    if tesseract not in RAPID_WRITES:
        return False
    if base_letters(tesseract) != base_letters(rapid):
        return rapid in RAPID_WRITES
    return not tesseract.isascii() and not rapid.isascii() and rapid in RAPID_WRITES


def case_contradicts(tesseract: str, rapid: str) -> bool:
    """Tesseract capitalised a word inside the line that RapidOCR read with a small first
    letter ("Đọc Lại chương năm" / "Đc li chuong năm"; "vào Tháng sau" / "vào tháng sau"):
    Vietnamese does capitalise names inside a sentence ("thứ Năm", "chị Hương"), so a
    capital alone is no doubt there, but two readers that both write either case and
    differ on one are. Compared word for word where both read as many words; a word after
    a sentence's end is left alone. (Measured 2026-12-07: Tesseract's handwritten "Lại",
    "Tháng" were sure and wrong; no right line on any drawn set is doubted for it.)"""
    ours, theirs = tesseract.split(), rapid.split()
    if len(ours) != len(theirs):
        return False
    for before, word, read in zip(ours, ours[1:], theirs[1:], strict=False):
        if before.endswith((".", ":", "!", "?")) or not word[:1].isupper():
            continue
        if read[:1].islower() and base_letters(word[0].lower()) == base_letters(read[0]):
            return True
    return False


def _vietnamese_edits(tesseract: str, rapid: str) -> tuple[float, bool]:
    a, b = normalise(tesseract, unspaced=True).lower(), normalise(rapid, unspaced=True).lower()
    if not a or not b:
        return 0.0, False
    bases_a, bases_b = [base_letters(c) for c in a], [base_letters(c) for c in b]
    dropped = [0.0 if c.isalpha() and c not in RAPID_WRITES else 1.0 for c in a]
    table = [[float(j) for j in range(len(b) + 1)]]
    for i, base in enumerate(bases_a):
        row = [table[i][0] + dropped[i]]
        for j, other in enumerate(bases_b):
            row.append(
                min(
                    table[i][j + 1] + dropped[i],
                    row[j] + 1.0,
                    table[i][j] + (base != other),
                )
            )
        table.append(row)
    # Back from the end along one cheapest alignment, for a writable letter read otherwise.
    i, j, contradicted = len(a), len(b), False
    while i > 0 and j > 0:
        mismatch = bases_a[i - 1] != bases_b[j - 1]
        if table[i][j] == table[i - 1][j - 1] + mismatch:
            contradicted |= _read_otherwise(a[i - 1], b[j - 1])
            i, j = i - 1, j - 1
        elif table[i][j] == table[i - 1][j] + dropped[i - 1]:
            contradicted |= a[i - 1] in RAPID_WRITES
            i -= 1
        else:
            j -= 1
    contradicted |= any(c in RAPID_WRITES for c in a[:i])
    agree = 1.0 - table[-1][-1] / max(len(base_letters(a)), len(base_letters(b)))
    return agree, contradicted


def spacing_of(language: Language) -> Script:
    """How two readings in ``language`` are compared when only spacing may differ (a
    language written without spaces as Chinese is, every other one as written)."""
    return Script.CHINESE if language.code in UNSPACED else Script.OTHER
