"""The pipeline of the default engine: RapidOCR finds the lines, every reader that can read the
script reads each line, and :class:`~bot.ocr.decide.combined.CombinedModel` decides.

The readers are :mod:`bot.ocr.readers.rapid` (also the text detector) and
:mod:`bot.ocr.readers.tesseract`; line finding is :mod:`bot.ocr.find.lines`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from bot.ocr.decide.combined import CombinedModel, Models, garbled, shipped_models
from bot.ocr.decide.evidence import (
    LineEvidence,
    Model,
    Reading,
    Script,
    agreement,
    rapid_reads,
    script_of,
)
from bot.ocr.decide.guess import guess_language
from bot.ocr.decide.syllables import syllables
from bot.ocr.decide.words import Knowing, rare
from bot.ocr.decoding import hotwords
from bot.ocr.decoding.standing import Doubt
from bot.ocr.find.lines import LineSpot, find_lines, standing
from bot.ocr.job import PageReading, settle
from bot.ocr.job.lending import each, with_cores
from bot.ocr.job.orientation import upside_down
from bot.ocr.languages import AUTO, LANGUAGES, Language, resolve
from bot.ocr.model import Line
from bot.ocr.readers import rapid as rapid_reader
from bot.ocr.readers import tesseract as tess
from bot.ocr.vocabulary import NO_WORDS, Vocabulary

if TYPE_CHECKING:
    from bot.ocr.decoding.hook import DecodeAs

# Tesseract misreads glyphs touching the image border: its crops get this share of their
# height as a margin (the edge pixels repeated, so no artificial frame appears).
_TESS_PAD = 0.25
# RapidOCR re-reads a doubtful line's crop at this size too (a guess changes; a reading
# does not).
_REREAD_SCALE = 0.7
# Tesseract reads a Vietnamese line's crop again at this size (bot.ocr.decide.combined: where
# the two readings differ, its marks are a guess). Chosen before it was measured, not tuned.
_AGAIN_SCALE = 1.5

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Readers:
    """Which readers run: RapidOCR and/or Tesseract (the detector always runs)."""

    rapid: bool = True
    tesseract: bool = True
    # RapidOCR's output decoded with a language model, word spaces put back
    # (bot.ocr.decoding; Settings.ocr_lm_decoding). Off: greedy, as RapidOCR decodes.
    lm: bool = False

    @property
    def name(self) -> str:
        named = (("rapid", self.rapid), ("tesseract", self.tesseract))
        return "+".join(name for name, on in named if on)


BOTH = Readers()
RAPID_ONLY = Readers(rapid=True, tesseract=False)


def gather(image: Image.Image, language: Language, readers: Readers) -> list[LineEvidence]:
    """Find the lines of ``image`` and read each with the readers that read ``language``."""
    found = find_and_read(
        image, rapid=_rapid(language, readers), decode_as=_decode_as(language, readers)
    )
    return read_with(found, language, readers)


def _rapid(language: Language, readers: Readers) -> bool:
    return readers.rapid and rapid_reads(language)


def _decode_as(
    language: Language, readers: Readers, words: Vocabulary = NO_WORDS
) -> DecodeAs | None:
    """issue 18 hook: the language RapidOCR's output is decoded in with the LM, and the
    user's rare words as hotwords, or None (greedy). Only where its text is shown (Latin
    script): elsewhere it is evidence, and an LM-changed reading would only be capped
    (measured: Vietnamese precision 97% -> 49%). Chinese is read as RapidOCR reads it, its
    least sure character measured besides (:func:`bot.ocr.decoding.line.as_read`)."""
    script = script_of(language)
    if readers.lm and script in (Script.LATIN, Script.CHINESE):
        from bot.ocr.decoding.hook import DecodeAs

        return DecodeAs(language.code, hotwords.of(rare(words, language.code)))
    return None


@dataclass(frozen=True, slots=True)
class FoundLines:
    """A page's lines in reading order, each line's pieces cut out and laid flat, and
    RapidOCR's reading of each piece (empty when it was not asked to read)."""

    spots: list[LineSpot]
    crops: list[list[Image.Image]]
    pieces: list[list[tuple[str, float]]]
    # issue 18 hook: per line, the language model changed RapidOCR's reading (empty: read
    # greedily)
    lm_changed: list[bool] = field(default_factory=list)
    # issue 18 part 3: per line, how sure RapidOCR was beyond its score (its least sure
    # character, its reading's standing in the beam: bot.ocr.decoding.standing.Doubt;
    # empty: read greedily)
    doubt: list[Doubt] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join(" ".join(t for t, _ in line if t) for line in self.pieces)


def find_and_read(
    image: Image.Image, *, rapid: bool, decode_as: DecodeAs | None = None
) -> FoundLines:
    """Line finding, and RapidOCR's reading of every line when ``rapid`` (decoded as
    ``decode_as`` says when given, else greedily)."""
    spots = find_lines(image, with_cores(partial(_detect, image)))
    flat = iter(rapid_reader.crops(image, [quad for spot in spots for quad in spot.pieces]))
    crops = [[next(flat) for _ in spot.pieces] for spot in spots]
    pieces, changed, doubt = _rapid_readings(crops, rapid, decode_as)
    # A photo taken sideways or upside down, with no EXIF to say so: the detector finds its
    # lines all the same (standing, for a sideways page: their crops are laid flat), but they
    # may lie upside down, which reading them both ways tells.
    readings = [Reading.of_pieces(p, Script.LATIN) for p in pieces]
    flipped = rapid and upside_down(crops, readings, _read_pieces)
    if flipped:
        crops = [[c.rotate(180) for c in cs] for cs in crops]
        pieces, changed, doubt = _rapid_readings(crops, rapid, decode_as)
    if flipped != standing(spots):
        # The first line is then the bottom one (or the rightmost, on a page turned
        # clockwise).
        spots, crops, pieces, changed = spots[::-1], crops[::-1], pieces[::-1], changed[::-1]
        doubt = doubt[::-1]
    return FoundLines(spots, crops, pieces, changed, doubt)


def _detect(image: Image.Image, cores: int) -> list[rapid_reader.Found]:
    return rapid_reader.detect(image, cores=cores)


def _rapid_readings(
    crops: list[list[Image.Image]], rapid: bool, decode_as: DecodeAs | None
) -> tuple[list[list[tuple[str, float]]], list[bool], list[Doubt]]:
    """RapidOCR's reading of each line's pieces, and (issue 18 hook, ``decode_as``) whether
    the language model changed it. The scores are RapidOCR's for its greedy reading either
    way, so the way up is judged alike."""
    if not rapid:
        return [[] for _ in crops], [], []
    if decode_as is None:
        return each(_read_pieces, crops), [], []
    from bot.ocr.decoding.hook import read_pieces

    read = each(partial(read_pieces, decode_as=decode_as), crops)
    return [r.parts for r in read], [r.lm_changed for r in read], [r.doubt for r in read]


def read_with(found: FoundLines, language: Language, readers: Readers) -> list[LineEvidence]:
    """Each found line's evidence: RapidOCR's reading (already made), and Tesseract's; every
    check made on every line (what ``bench.calibrate_reading`` fits the model on)."""
    return [evidence for evidence, _ in _read(found, language, readers, None)]


def decided(
    found: FoundLines, language: Language, readers: Readers, model: Model,
    words: Vocabulary = NO_WORDS,
) -> list[Line]:  # fmt: skip
    """Each found line as ``model`` decides it, a check (Tesseract's reading, RapidOCR's
    re-reads) made only where its outcome can change the line (:mod:`bot.ocr.job.settle`).
    RapidOCR's re-reads are decoded with the user's ``words``, as ``found`` was."""
    return [
        line if line is not None else model.line(evidence, language)
        for evidence, line in _read(found, language, readers, model, words)
    ]


def _read(
    found: FoundLines,
    language: Language,
    readers: Readers,
    model: Model | None,
    words: Vocabulary = NO_WORDS,
) -> list[tuple[LineEvidence, Line | None]]:
    """Each line's evidence, or (with a ``model``) the line itself where the checks left to
    make cannot change it."""
    use_rapid = readers.rapid and rapid_reads(language)
    # A language RapidOCR reads is still read where Tesseract has no data for it.
    has_data = language.tesseract in tess.installed_traineddata()
    use_tess = (readers.tesseract and has_data) or not use_rapid
    if use_tess:
        tess.api(language.tesseract)  # LanguageUnavailable before any line is read
    changed = found.lm_changed or [False] * len(found.spots)
    doubt = found.doubt or [Doubt()] * len(found.spots)
    lines = _LineReader(language, model, use_rapid, use_tess, _decode_as(language, readers, words))
    return each(
        lines.read,
        list(zip(found.spots, found.crops, found.pieces, changed, doubt, strict=True)),
    )


@dataclass(frozen=True, slots=True)
class _LineReader:
    """How :func:`_read` reads each line of a page, in whichever thread takes it (each
    thread its own Tesseract)."""

    language: Language
    model: Model | None
    use_rapid: bool
    use_tess: bool
    decode_as: DecodeAs | None

    def read(
        self, found: tuple[LineSpot, list[Image.Image], list[tuple[str, float]], bool, Doubt]
    ) -> tuple[LineEvidence, Line | None]:
        spot, cs, pieces, lm_changed, sure = found
        language, model, decode_as = self.language, self.model, self.decode_as
        script = script_of(language)
        tess_api = tess.api(language.tesseract) if self.use_tess else None
        if not self.use_rapid:
            by_tess = Reading.of_pieces([tess.read_line(tess_api, _padded(c)) for c in cs], script)
            return LineEvidence(spot.box, tesseract=by_tess), None
        by_rapid = replace(Reading.of_pieces(pieces, script), **sure._asdict())
        if lm_changed:  # issue 18 hook: never sure on RapidOCR's word alone
            by_rapid = by_rapid.changed_by_lm()
        evidence = LineEvidence(spot.box, rapid=by_rapid)
        if tess_api is not None:
            # (decoded with the LM: Chinese is read as RapidOCR reads it)
            decoded = decode_as is not None and script is Script.LATIN
            if model is not None and (
                line := settle.without_tesseract(model, language, evidence, decoded=decoded)
            ):
                return evidence, line
            by_tess = Reading.of_words(
                [tess.read_line_words(tess_api, _padded(c)) for c in cs], script
            )
            vietnamese = script is Script.VIETNAMESE and bool(by_tess.text)
            if vietnamese and not garbled(by_tess.text, by_rapid.text):
                # (a line Tesseract read as nothing or noise shows RapidOCR's reading, unsure:
                # its second reading would change nothing)
                by_tess = replace(by_tess, again=_read_again(tess_api, cs))
            evidence = replace(evidence, tesseract=by_tess)
            if agreement(by_rapid.text, by_tess.text, script) >= 1:
                # Only a line the readers disagree on is worth the time of re-reading.
                return replace(evidence, rapid=replace(by_rapid, steady=1.0)), None
        if model is not None and (line := settle.without_rereads(model, language, evidence)):
            return evidence, line
        steady = _steady(cs, by_rapid, script, decode_as)
        return replace(evidence, rapid=replace(by_rapid, steady=steady)), None


def _read_pieces(
    crops: list[Image.Image], decode_as: DecodeAs | None = None
) -> list[tuple[str, float]]:
    if decode_as is not None:  # issue 18 hook: LM decoding (bot.ocr.decoding)
        from bot.ocr.decoding.hook import read_pieces

        return read_pieces(crops, decode_as).parts
    return [rapid_reader.read_line(c) for c in crops]


def _steady(
    crops: list[Image.Image], reading: Reading, script: Script, decode_as: DecodeAs | None = None
) -> float:
    """Share of RapidOCR's re-reads of the line (each piece padded; each piece smaller)
    that read exactly what it read first."""
    if not reading.text:
        return 0.0
    same = 0
    for variant in (_padded, _smaller):
        again = Reading.of_pieces(_read_pieces([variant(c) for c in crops], decode_as), script)
        same += agreement(again.text, reading.text, script) >= 1
    return same / 2


def _read_again(tess_api: Any, crops: list[Image.Image]) -> str:
    """Tesseract's reading of a line's pieces enlarged (:data:`_AGAIN_SCALE`)."""
    read = []
    for crop in crops:
        size = (round(crop.width * _AGAIN_SCALE), round(crop.height * _AGAIN_SCALE))
        enlarged = crop.resize(size, Image.Resampling.LANCZOS)
        read.append(tess.read_line_words(tess_api, _padded(enlarged))[0])
    return " ".join(t for t in read if t)


def _smaller(crop: Image.Image) -> Image.Image:
    size = (max(4, round(crop.width * _REREAD_SCALE)), max(4, round(crop.height * _REREAD_SCALE)))
    return crop.resize(size, Image.Resampling.LANCZOS)


def _padded(crop: Image.Image) -> Image.Image:
    pad = max(4, round(crop.height * _TESS_PAD))
    pixels = np.asarray(crop)
    widths: Any = ((pad, pad), (pad, pad)) + (((0, 0),) if pixels.ndim == 3 else ())
    return Image.fromarray(np.pad(pixels, widths, mode="edge"))


class RapidTesseract:
    """RapidOCR finds the lines, and RapidOCR and Tesseract read them (``readers`` says
    which); a pipeline for :func:`bot.ocr.job.read_prepared`."""

    def __init__(self, readers: Readers = BOTH, models: Models | None = None) -> None:
        self.readers = readers
        self._models = models

    @property
    def name(self) -> str:
        return self.readers.name

    def language(self, code: str) -> Language:
        lang = resolve(code)
        if lang.code == AUTO.code or rapid_reads(lang):
            return lang
        return tess.language(code)  # only Tesseract reads it: its data must be here

    def available_languages(self) -> list[str]:
        installed = tess.installed_traineddata()
        known = [
            lang.code for lang in LANGUAGES if lang.tesseract in installed or rapid_reads(lang)
        ]
        return [AUTO.code, *known]

    def load(self) -> None:
        rapid_reader.check_models()
        if self.readers.lm:  # issue 18 hook: the character LMs, built once (about 2 s each)
            from bot.ocr.decoding import lm

            lm.warm()
        if self._models is None:
            self._models = shipped_models(greedy=not self.readers.lm)
        # Vietnamese syllables for words Tesseract could not read (about 1 s): not on a
        # user's first Vietnamese photo.
        syllables()

    def warm(self) -> None:
        # Loading this thread's ONNX sessions costs about a second: not on a user's photo.
        rapid_reader.detect(Image.new("RGB", (64, 32), "white"))
        # ... and its detector on two cores, for a photo read while the other workers idle
        rapid_reader.detect(Image.new("RGB", (64, 32), "white"), cores=2)
        rapid_reader.read_line(Image.new("RGB", (64, 32), "white"))
        # ... and its Tesseract for English (the default language), ~0.08 s: not on the
        # first photo each worker reads (bench.reading_speed's 2 workers paid it in the run).
        english = resolve("en").tesseract
        if self.readers.tesseract and english in tess.installed_traineddata():
            tess.read_line(tess.api(english), Image.new("RGB", (64, 32), "white"))

    def may_turn(self, language: Language) -> bool:
        # RapidOCR reads a page the wrong way up as such (find_and_read): only scripts it
        # cannot read say nothing about which way is up.
        return not rapid_reads(language)

    def read_page(
        self, image: Image.Image, language: Language, timeout_ms: int, words: Vocabulary = NO_WORDS
    ) -> PageReading:
        """The page's lines, decided, in ``image``'s pixels. :data:`AUTO` reads it in the
        language its script shows (Latin script in ``language.latin``). Each reading is
        rewritten with the user's ``words`` before deciding (:mod:`bot.ocr.decide.words`),
        and RapidOCR's output decoded with their rare words as hotwords
        (:mod:`bot.ocr.decoding.hotwords`)."""
        model: Model = CombinedModel(self._models or shipped_models(greedy=not self.readers.lm))
        if words:
            model = Knowing(model, words)
        if language.code == AUTO.code:
            # Read as RapidOCR reads it, and as Chinese is read (its doubt measured): not
            # read twice when it is Chinese.
            found = find_and_read(
                image, rapid=True, decode_as=_decode_as(resolve("zh"), self.readers)
            )
            language = resolve(guess_language(found.text(), language.latin))
            decode_as = _decode_as(language, self.readers, words)
            if decode_as is not None and script_of(language) is Script.LATIN:
                # issue 18 hook: the guess was made on the greedy reading; the lines are
                # read again decoded in the language guessed
                found = FoundLines(
                    found.spots, found.crops, *_rapid_readings(found.crops, True, decode_as)
                )
            elif script_of(language) is not Script.CHINESE:
                found = replace(found, doubt=[])
        else:
            found = find_and_read(
                image,
                rapid=_rapid(language, self.readers),
                decode_as=_decode_as(language, self.readers, words),
            )
        return PageReading(decided(found, language, self.readers, model, words), language)
