"""Deciding: from what each reader read on a line to the text shown and how sure we are.

Which reader is trusted for what (measured, issue 9):

=============  ==========================  ==========================================
script         text shown                  evidence
=============  ==========================  ==========================================
Chinese        RapidOCR                    its score; Tesseract ``chi_sim`` agreeing
Latin          RapidOCR, or Tesseract when its own score; the other reader agreeing
               the two disagree and
               Tesseract is surer
Vietnamese     Tesseract ``vie``, a word   its score; RapidOCR agreeing on the *base
               it wrote with digits or     letters* only (it cannot write most tone
               symbols rewritten as the    marks, and its score does not drop when
               likeliest syllable          they go missing): never shown, never
               (:mod:`.syllables`)         enough alone to make a line sure; a
                                           word rewritten with a letter neither
                                           reader read keeps its line unsure; a
                                           word RapidOCR read alike answers
                                           Tesseract's doubt on it, a word only
                                           Tesseract judged and doubted does not
                                           (:mod:`.vouched`)
other scripts  Tesseract                   its score, through Tesseract's map
=============  ==========================  ==========================================

A line's confidence is a logistic model (:class:`LineModel`) of the shown reading's score,
the other reader's score, how far the two agree, how steady RapidOCR's reading is, how
ordinary its words are, whether the language model changed it, whether a word inside it
is capitalised, how sure RapidOCR was of its least sure character and how far its reading
stood out among those its beam search kept (:mod:`bot.ocr.decoding.standing`), one per
script and shown reader. A Chinese line RapidOCR reads otherwise in another crop, a character
of it read less surely than any of a right line, is never sure (:func:`_doubted_chinese`).
Where the two readers read a line alike, RapidOCR's model, which
weighs the agreement, decides. It is fitted on drawn notes and the shared
real notes, read with the language model as the default engine reads them
(``bench.calibrate_evidence``, then ``bench.calibrate_reading --cache``; held out by seed and
by manuscript page), and shifted so its cut lands on the default threshold: 75 means the
same for every engine, language and combination. RapidOCR read greedily
(``OCR_LM_DECODING=false``) has models of its own, fitted the same way
(``combined-greedy.json``), without the least sure character (only the LM's decoding
measures it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import lru_cache
from math import exp
from pathlib import Path

from bot.ocr.decide.alike import read_alike, tesseract_misread
from bot.ocr.decide.calibration import CALIBRATION_DIR, Calibration, logit
from bot.ocr.decide.evidence import (
    LineEvidence,
    Reading,
    Script,
    agreement,
    case_contradicts,
    rapid_contradicts,
    script_of,
    vietnamese_agreement,
)
from bot.ocr.decide.lexicon import as_written, capitals_inside, plausibility, unvouched
from bot.ocr.decide.marks import restore
from bot.ocr.decide.shown import shown_text
from bot.ocr.decide.syllables import Repair, onset_contradicts, repair, split_edges, toneless
from bot.ocr.decide.vouched import vouched
from bot.ocr.languages import Language
from bot.ocr.model import ConfidenceSource, Line

# When only one reader read a line, the missing reader's score and agreement count as this.
_ABSENT = 0.0
# Tesseract's text replaces RapidOCR's on a Latin line only from this confidence on.
_SHOW_TESSERACT = 0.75
# The most confidence a line can get from a reader that cannot judge its diacritics, or
# with a word rewritten as a guess.
_UNJUDGED_CAP = 0.5
# A Latin line both readers read letter for letter alike is at least this sure (sure at
# every strictness preset); one where Tesseract differs only by its own misreads, at least
# this (at the default one): :mod:`bot.ocr.decide.alike`. Each only where the model already
# gives it this much (RapidOCR's own doubt is not outweighed, and Tesseract need not be
# asked on a line RapidOCR reads more doubtfully, bot.ocr.job.settle: on the speed bench's
# real pages it is asked on 17 lines of 61 against 13 before, 48 without these floors; the
# drawn Latin lines flagged right go 34 -> 34 eval, 53 -> 56 fitting, 68 -> 68 held out).
_ALIKE = 0.9
_ALIKE_FROM = 0.4
_MISREAD_BY_TESSERACT = 0.75
_MISREAD_FROM = 0.2
# The most confidence a Chinese line gets when RapidOCR reads it otherwise in a padded or a
# smaller crop (``steady`` < 1): its characters' probabilities do not tell a misread in a
# hand it reads confidently wrong ("星期五给花洗水" for 浇, its least sure character 0.945,
# its least margin 0.90) from the right lines of that hand (20 sure right lines read less
# surely); that its reading changes with the crop does (bench/README, "Chinese: the least
# sure character").
_UNSTEADY_CHINESE = 0.5
_LEAST_CHINESE = 0.97
# Under this agreement on base letters, Tesseract's Vietnamese is noise beside RapidOCR's
# reading (:func:`garbled`).
_GARBLED = 0.5
_LONGER = 1.5


def who_reads(language: Language) -> str:
    """For ``doctor`` and the README: whose text is shown, and what checks it."""
    script = script_of(language)
    if script is Script.CHINESE:
        return "RapidOCR reads, Tesseract chi_sim checks"
    if script is Script.VIETNAMESE:
        return "Tesseract vie reads, RapidOCR checks the base letters"
    if script is Script.LATIN:
        return "RapidOCR and Tesseract both read; the surer reading is shown"
    return "Tesseract reads (RapidOCR finds the lines)"


@dataclass(frozen=True, slots=True)
class Verdict:
    text: str
    confidence: float | None  # None: nothing was read (a "could not read" line)
    source: ConfidenceSource
    reader: str  # whose text is shown: "rapid" or "tesseract"


@dataclass(frozen=True, slots=True)
class LineModel:
    """P(line right) = sigmoid(intercept + shown * logit(shown score)
    + other * logit(other reader's score) + agree * agreement + same * [readings equal]
    + steady * share of the shown reader's re-reads that agree
    + words * how ordinary its least ordinary word is, :mod:`bot.ocr.decide.lexicon`
    + lm * [the language model changed RapidOCR's reading]
    + capitals * [a word inside it is capitalised]
    + least * logit(RapidOCR's least sure character) + margin * logit(its least margin)
    + posterior * logit(its reading's share of the beam's readings, with the LM)
    + image * logit(... by the image alone) + lead * its lead over the next reading).

    Two readers that read a line the same way are rarely both wrong; when they differ, it
    is often the weaker reader that is wrong, so partial agreement counts for less. A
    reading that changes when the crop is padded or shrunk is a guess. A line the language
    model changed (issue 18) is scored by the recognizer for what it read, not for what the
    LM preferred, and it reads like the language whether or not it is right: the change is
    weighed (``lm``, never for the better). RapidOCR's score is the mean of its
    characters' probabilities, which averages away the one character it doubted; the
    least sure character's probability and margin over the next likeliest label (issue 18
    part 3, :func:`least_sure`) are weighed too (never for the worse when higher)."""

    intercept: float
    shown: float
    other: float = 0.0
    agree: float = 0.0
    same: float = 0.0
    steady: float = 0.0
    words: float = 0.0
    lm: float = 0.0
    capitals: float = 0.0
    least: float = 0.0
    margin: float = 0.0
    posterior: float = 0.0
    image: float = 0.0
    lead: float = 0.0

    def __call__(
        self, shown: Reading, other: Reading | None, agree: float, language: str
    ) -> float:
        z = self.intercept + sum(
            w * x
            for w, x in zip(self.weights, features(shown, other, agree, language), strict=True)
        )
        return 1.0 / (1.0 + exp(-z))

    @property
    def weights(self) -> tuple[float, ...]:
        """The weights of :data:`FEATURES`, in their order."""
        return tuple(getattr(self, name) for name in FEATURES)


FEATURES = (
    "shown",
    "other",
    "agree",
    "same",
    "steady",
    "words",
    "lm",
    "capitals",
    "least",
    "margin",
    "posterior",
    "image",
    "lead",
)


def features(
    shown: Reading, other: Reading | None, agree: float, language: str
) -> tuple[float, ...]:
    """What :class:`LineModel` weighs, in the order of :data:`FEATURES`."""
    other_score = other.score if other is not None else 0.0
    return (
        logit(shown.score),
        logit(other_score) if other_score > 0 else 0.0,
        agree,
        float(agree >= 1.0),
        shown.steady,
        plausibility(shown.text, language, shown.known),
        float(shown.lm_changed or (other is not None and other.lm_changed)),
        capitals_inside(shown.text, language, names=language if agree >= 1.0 else ""),
        *least_sure(shown, other),
        *standing(shown, other),
    )


def least_sure(shown: Reading, other: Reading | None) -> tuple[float, float]:
    """logit of RapidOCR's least sure character's probability and of its least margin,
    whichever reader is shown (only RapidOCR's reading decoded by bot.ocr.decoding has
    them). Not known: the shown reading's score, and the least margin a character read at
    that probability can have."""
    known = [r for r in (shown, other) if r is not None and r.least is not None]
    least = min(r.least for r in known if r.least is not None) if known else shown.score
    margins = [r.margin for r in known if r.margin is not None]
    return logit(least), logit(min(margins) if margins else 2 * least - 1)


def standing(shown: Reading, other: Reading | None) -> tuple[float, float, float]:
    """logit of the share RapidOCR's reading holds among the readings its beam search kept,
    with the LM and by the image alone, and its lead over the next, whichever reader is
    shown (:mod:`bot.ocr.decoding.standing`). Not known (not decoded with an LM): nothing
    either way (logit 0, no lead)."""
    known = next((r for r in (shown, other) if r is not None and r.posterior is not None), None)
    if known is None or known.posterior is None:
        return 0.0, 0.0, 0.0
    image = known.image_posterior if known.image_posterior is not None else known.posterior
    return logit(known.posterior), logit(image), known.lead or 0.0


# Before bench.calibrate_reading has fitted anything: scores alone, agreement counted.
_FALLBACK = LineModel(
    intercept=-3.0, shown=1.0, other=0.3, agree=1.0, same=2.0, steady=1.0, words=2.0
)


@dataclass(frozen=True, slots=True)
class Models:
    """One :class:`LineModel` per script and shown reader for two readers ("latin/rapid"),
    one per script for RapidOCR alone, and Tesseract's map for scripts only it reads."""

    both: dict[str, LineModel]
    rapid_alone: dict[str, LineModel]
    tesseract: Calibration

    def for_both(self, script: Script, shown: str) -> LineModel:
        return self.both.get(f"{script.value}/{shown}", _FALLBACK)

    def for_rapid(self, script: Script) -> LineModel:
        return self.rapid_alone.get(script.value, _FALLBACK)

    @classmethod
    def load(cls, directory: Path = CALIBRATION_DIR, name: str = "combined") -> Models:
        path = directory / f"{name}.json"
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        return cls(
            both={k: LineModel(**v) for k, v in data.get("both", {}).items()},
            rapid_alone={k: LineModel(**v) for k, v in data.get("rapid_alone", {}).items()},
            tesseract=Calibration.load("tesseract", directory),
        )


@lru_cache(maxsize=2)
def shipped_models(*, greedy: bool = False) -> Models:
    """The shipped models, fitted on RapidOCR's output decoded with the language model (the
    default), or with ``greedy`` as RapidOCR decodes it itself (``OCR_LM_DECODING=false``):
    the same evidence weighs differently when the LM has fixed what it could."""
    if greedy and (CALIBRATION_DIR / "combined-greedy.json").exists():
        return Models.load(name="combined-greedy")
    return Models.load()


@dataclass(frozen=True, slots=True)
class CombinedModel:
    """The model of RapidOCR and Tesseract reading together (or RapidOCR alone): the
    :func:`decide` verdict on the line's readings, the text tidied."""

    models: Models

    def line(self, evidence: LineEvidence, language: Language) -> Line:
        verdict = decide(evidence.rapid, evidence.tesseract, language, self.models)
        text = shown_text(verdict.reader, evidence.rapid, evidence.tesseract, language).text
        return Line(text, verdict.confidence, evidence.box, verdict.source)


def decide(
    rapid: Reading | None, tesseract: Reading | None, language: Language, models: Models
) -> Verdict:
    """The verdict on one line from the readings of the readers that ran on it (None: that
    reader did not run, or cannot read this script)."""
    script = script_of(language)
    code = language.code
    if script is Script.VIETNAMESE:
        return _vietnamese(rapid, tesseract, models)
    rapid, tesseract = (_as_written(r, code) for r in (rapid, tesseract))
    if rapid is None:
        return _tesseract_alone(tesseract, models)
    if tesseract is None:
        return _rapid_alone(rapid, script, code, models)
    if not rapid.text and not tesseract.text:
        return _unread()
    agree = agreement(rapid.text, tesseract.text, script)
    from_rapid = 0.0
    if rapid.text:
        from_rapid = models.for_both(script, "rapid")(rapid, tesseract, agree, code)
    if agree >= 1.0:
        # One text: RapidOCR's model weighs the other reader agreeing, never for the worse,
        # so a line Tesseract reads alike is never less sure than one it garbles. (Until
        # 2026-12-07 Tesseract's model judged it too and the stricter stood: with the beam's
        # standing weighed, that flagged more right lines, eval 74 -> 81 of 446 en, and
        # caught no more wrong ones on the evaluation seeds or the held-out texts.)
        if from_rapid >= _ALIKE_FROM and read_alike(rapid.text, tesseract.text, code):
            from_rapid = max(from_rapid, _ALIKE)
        return Verdict(rapid.text, from_rapid, ConfidenceSource.VERIFIED, "rapid")
    from_tess = 0.0
    if script is Script.LATIN and tesseract.text:
        from_tess = models.for_both(script, "tesseract")(tesseract, rapid, agree, code)
    # RapidOCR reads handwriting far better (real pages: CER 0.33 against 0.93), and
    # Tesseract's print is as good: its text is shown only where it is sure and surer.
    if from_tess >= _SHOW_TESSERACT and from_tess > from_rapid:
        shown, other, sure = tesseract, rapid, from_tess
    else:
        shown, other, sure = rapid, tesseract, from_rapid
        if sure >= _MISREAD_FROM and tesseract_misread(rapid.text, tesseract.text, code):
            sure = max(sure, _MISREAD_BY_TESSERACT)
    if script is Script.CHINESE and rapid.steady < 1.0 and _doubted_chinese(rapid):
        sure = min(sure, _UNSTEADY_CHINESE)
    if unvouched(shown.text, other.text, code, shown.known):
        # A word no list of the language knows, nor the user, and the other reader read
        # otherwise ("Priyanka Nguyn", RapidOCR having no ễ to write): however sure the
        # reader, nothing vouches for that word (2026-12-07: the beam's standing alone
        # made such a line sure; on the fitting sets it caps 1 right line of 651).
        sure = min(sure, _UNJUDGED_CAP)
    reader = "tesseract" if shown is tesseract else "rapid"
    return Verdict(shown.text, sure, ConfidenceSource.VERIFIED, reader)


def _doubted_chinese(rapid: Reading) -> bool:
    """RapidOCR read a character of the line less surely than any of a right Chinese line of
    the fitting set (:data:`_LEAST_CHINESE`); unknown (read greedily): not."""
    return rapid.least is not None and rapid.least < _LEAST_CHINESE


def _as_written(reading: Reading | None, language: str) -> Reading | None:
    """The reading as the language writes it (:func:`as_written`: numbers read as letters
    put back, Chinese simplified)."""
    if reading is None:
        return None
    text = as_written(reading.text, language)
    return reading if text == reading.text else replace(reading, text=text)


def _vietnamese(rapid: Reading | None, tesseract: Reading | None, models: Models) -> Verdict:
    if tesseract is None or (rapid is not None and garbled(tesseract.text, rapid.text)):
        return _unmarked(rapid, models)
    if not tesseract.text:
        return _unread()
    if rapid is None:
        mended = repair(tesseract.text, "")
        return _mended(_tesseract_alone(tesseract, models), mended)
    mended = repair(tesseract.text, rapid.text)
    # Judged as shown: specks dropped, a word whose letters the readers read between them
    # (syllables.read_through) rewritten; Tesseract's doubt on a word RapidOCR read alike
    # answered (vouched).
    checked = vouched(tesseract, rapid.text)
    shown = replace(tesseract, text=mended.text, score=checked.score)
    agree = vietnamese_agreement(shown.text, rapid.text)
    sure = models.for_both(Script.VIETNAMESE, "tesseract")(shown, rapid, agree, "vi")
    verdict = Verdict(shown.text, sure, ConfidenceSource.VERIFIED, "tesseract")
    doubted = (
        checked.doubted
        or rapid_contradicts(shown.text, rapid.text)
        or case_contradicts(tesseract.text, rapid.text)
        or bool(toneless(shown.text))
        or onset_contradicts(shown.text, rapid.text)
        or _read_otherwise_again(tesseract, rapid.text, mended.text)
    )
    return _mended(verdict, mended, doubted=doubted)


def _read_otherwise_again(tesseract: Reading, rapid: str, shown: str) -> bool:
    """Tesseract, reading the line's crop enlarged, wrote other letters or marks than the
    text shown, mended the same way: its marks there are a guess. (The words it writes
    with another tone or vowel that is itself a word, "của sổ" for "cửa sổ", "Nếu cháo"
    for "Nấu", where RapidOCR has no label to contradict them. Measured 2026-12-07 on
    Vietnamese drawn in two hands never fitted on, bench/README "Tesseract's Vietnamese read
    again": 10 of 19 wrong lines shown sure caught, 40 of 453 right ones flagged more; in the
    fitted faces 2 of 2 and 7 of 483; held-out texts 1 of 1 and 9 of 290.)"""
    if tesseract.again is None:
        return False
    return _words(repair(tesseract.again, rapid).text) != _words(shown)


def _words(text: str) -> list[str]:
    """A line's words in lower case, the signs at their edges aside (:func:`split_edges`)."""
    cores = (split_edges(word)[1] for word in text.split())
    return [core.lower() for core in cores if core]


def garbled(tesseract: str, rapid: str) -> bool:
    """Tesseract read nothing, or nothing like RapidOCR's letters, where RapidOCR read a
    line: handwriting, which Tesseract reads as noise or not at all (real handwritten pages
    read as Vietnamese: 149 of 150 lines agree under 0.3 on base letters, Tesseract's CER
    0.95 against RapidOCR's 0.33; every drawn Vietnamese line Tesseract read agrees 0.7 or
    more, bench/README "Vietnamese handwriting Tesseract cannot read")."""
    if not rapid.strip():
        return False
    if not tesseract.strip():
        return True
    # Tesseract reading far more letters than RapidOCR: RapidOCR read a piece of the line
    # (on the real handwriting, Tesseract's noise never had more letters than RapidOCR's).
    more = sum(c.isalpha() for c in tesseract) > _LONGER * sum(c.isalpha() for c in rapid)
    return not more and vietnamese_agreement(tesseract, rapid) < _GARBLED


def _unmarked(rapid: Reading | None, models: Models) -> Verdict:
    """RapidOCR's reading of a Vietnamese line alone: it cannot write most tone marks, so
    they are put back as the likeliest Vietnamese its letters allow (:func:`restore`), a
    guess: whatever it reads, the user checks (the words are there to fix in place)."""
    if rapid is None or not rapid.text:
        return _unread()
    sure = models.for_rapid(Script.VIETNAMESE)(rapid, None, 0.0, "vi")
    shown = restore(rapid.text)
    return Verdict(shown, min(sure, _UNJUDGED_CAP), ConfidenceSource.ENGINE, "rapid")


def _mended(verdict: Verdict, mended: Repair, *, doubted: bool = False) -> Verdict:
    """The verdict on Tesseract's Vietnamese with the words it could not read rewritten as the
    likeliest syllable (:mod:`bot.ocr.decide.syllables`): a word with a letter neither reader
    read is a guess, and its line stays unsure however likely the guess; so does a line
    ``doubted``, where RapidOCR read a vowel it can write otherwise
    (:func:`~bot.ocr.decide.evidence.rapid_contradicts`) or Tesseract doubted a word only it
    could judge (:func:`~bot.ocr.decide.vouched.vouched`)."""
    sure = verdict.confidence
    if (mended.guessed or doubted) and sure is not None:
        sure = min(sure, _UNJUDGED_CAP)
    return replace(verdict, text=mended.text, confidence=sure)


def _tesseract_alone(tesseract: Reading | None, models: Models) -> Verdict:
    if tesseract is None or not tesseract.text:
        return _unread()
    sure = models.tesseract(tesseract.score)
    return Verdict(tesseract.text, sure, ConfidenceSource.ENGINE, "tesseract")


def _rapid_alone(rapid: Reading, script: Script, language: str, models: Models) -> Verdict:
    if not rapid.text:
        return _unread()
    sure = models.for_rapid(script)(rapid, None, 0.0, language)
    return Verdict(rapid.text, sure, ConfidenceSource.ENGINE, "rapid")


def _unread() -> Verdict:
    return Verdict("", None, ConfidenceSource.DETECTED, "")
