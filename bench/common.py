"""Shared pieces of the quality benchmarks: engines, drawn labelled notes, line matching, scores.

The question every quality bench asks is the bot's promise: "every line you should check is
flagged". So a page read by an engine is matched line by line against its ground truth, and
each ground-truth line ends up correct, wrong or missing, and flagged or not.

Matching (:func:`match_page`) is one to one, as the user sees a review: OCR lines, in the
page's reading order, are paired with ground-truth lines by an order-preserving alignment
that maximises text similarity (plus a small bonus per pair, so that a garbled reading or
an empty "could not read" line pairs with the written line at its position). An OCR line
stands for at most one written line: a ground-truth line left without one is missing and
unflagged, however tall the box next to it. One exception (:func:`joined_lines`): where a
transcription breaks one line of the page in two (real letters are transcribed sentence by
sentence: "he is somewhat deaf." / "He would" share one line of ink on L76_1), an OCR line
of one line's height that reads both in order stands for the two, scored as one line.
"""

from __future__ import annotations

import asyncio
import string
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.ocr.decide import calibration as confidence
from bot.ocr.decide.calibration import levenshtein
from bot.ocr.model import ConfidenceSource, Line, Page

# bench runs from the repo root (python -m bench...), so testkit/ is importable.
from testkit.drawing import HANDWRITING_FONTS, NOTE_LINES

if TYPE_CHECKING:
    from bot.ocr.decide.calibration import Calibration
    from bot.ocr.recognizer import Recognizer

THRESHOLD = 75
# What pairing an OCR line with a written line earns beyond their text similarity.
_PAIR_BONUS = 0.05


def normalise(text: str, language: str = "en") -> str:
    """Spacing is how engines differ, not what was written; CJK has no spaces at all."""
    return confidence.normalise(text, unspaced=language.startswith("zh"))


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: edits / reference length (an empty reference: 0 or 1)."""
    if not reference:
        return 0.0 if not hypothesis else 1.0
    return levenshtein(reference, hypothesis) / len(reference)


def similarity(a: str, b: str) -> float:
    if not a and not b:
        return 1.0
    return 1.0 - levenshtein(a, b) / max(len(a), len(b))


@dataclass(slots=True)
class GtOutcome:
    """One ground-truth line after matching."""

    truth: str
    read: str  # what the engine read there ("" when missing)
    cer: float
    wrong: bool
    missing: bool  # no OCR text at its position (nothing, or only an empty DETECTED line)
    flagged: bool
    confidence: float | None = None  # of the OCR line that stands for it
    own_line: bool = False  # an OCR line of its own stands for it in the review
    real_words: bool = False  # what was read there is made of real words of the language


@dataclass(slots=True)
class OcrOutcome:
    """One OCR line after matching: was it flagged, and was there something to flag."""

    line: Line
    flagged: bool
    error: bool  # it reads a wrong/missing line, or is text where nothing was written
    misread: bool = False  # ... or a line it stands for with any error at all (CER > 0)


@dataclass(slots=True)
class PageScore:
    gt: list[GtOutcome]
    ocr: list[OcrOutcome]
    page_cer: float
    chars: int


def align_lines(truth: Sequence[str], read: Sequence[str]) -> list[tuple[int, int]]:
    """Order-preserving one-to-one pairs (gt, ocr) maximising total similarity.

    Every pair earns a small bonus on top of its similarity, so a garbled reading (or an
    empty "could not read" line) still pairs with the written line at its position rather
    than being left over; but one OCR line never stands for two written lines.
    """
    n, m = len(truth), len(read)
    sims = [[similarity(t, r) if r else 0.0 for r in read] for t in truth]
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            score[i][j] = max(
                score[i + 1][j], score[i][j + 1], _PAIR_BONUS + sims[i][j] + score[i + 1][j + 1]
            )
    pairs: list[tuple[int, int]] = []
    i = j = 0
    while i < n and j < m:
        if score[i][j] == _PAIR_BONUS + sims[i][j] + score[i + 1][j + 1]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif score[i][j] == score[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def match_page(
    truth_lines: Sequence[str],
    page: Page,
    *,
    language: str = "en",
    wrong_cer: float = 0.0,
    threshold: int = THRESHOLD,
) -> PageScore:
    """Score ``page`` against ``truth_lines``, one to one, as the user sees it: each OCR line
    (in the page's reading order) stands for at most one written line. A written line is
    wrong when its CER > ``wrong_cer``, and missing when no OCR line stands for it (a band
    that swallows five written lines is one flagged line and four lines never asked about).
    """
    lines = list(page.lines)
    read = [normalise(ln.text, language) for ln in lines]
    flagged = [ln.is_flagged(threshold) for ln in lines]
    truth = joined_lines([t for t in truth_lines if t.strip()], lines, language)
    pairs = dict(align_lines(truth, read))

    gt_out: list[GtOutcome] = []
    ocr_error = [False] * len(lines)
    misread = [False] * len(lines)
    used = [False] * len(lines)
    for gi, text in enumerate(truth):
        o = pairs.get(gi)
        got = read[o] if o is not None else ""
        line_cer = cer(text, got)
        missing = not got
        wrong = missing or line_cer > wrong_cer
        is_flagged = o is not None and flagged[o]
        conf = lines[o].confidence if o is not None else None
        own = o is not None
        real = wrong and not missing and all_real_words(got, language)
        gt_out.append(GtOutcome(text, got, line_cer, wrong, missing, is_flagged, conf, own, real))
        if o is not None:
            used[o] = True
            ocr_error[o] = wrong
            misread[o] = wrong or line_cer > 0
    for o in range(len(lines)):
        if not used[o] and read[o]:
            ocr_error[o] = misread[o] = True  # text where nothing was written, a piece of a line
    ocr_out = [OcrOutcome(ln, flagged[o], ocr_error[o], misread[o]) for o, ln in enumerate(lines)]
    sep = "" if language.startswith("zh") else " "
    ref = sep.join(truth)
    hyp = sep.join(r for r in read if r)
    return PageScore(gt_out, ocr_out, cer(ref, hyp), len(ref))


# An OCR line at most this many times the page's median line height is one line of ink.
_ONE_LINE_HEIGHT = 1.3


def joined_lines(truth_lines: Sequence[str], lines: Sequence[Line], language: str) -> list[str]:
    """``truth_lines`` normalised, two consecutive ones joined where the transcription broke
    one line of the page in two: a written line no OCR line stands for, whose neighbour's
    OCR line is one line of ink high and reads the two (in order) closer than the neighbour
    alone. A band that swallows several lines of ink is taller, and stays one line."""
    sep = "" if language.startswith("zh") else " "
    truth = [normalise(t, language) for t in truth_lines]
    read = [normalise(ln.text, language) for ln in lines]
    heights = sorted(ln.box.height for ln in lines if ln.box is not None and ln.text)
    if not heights:
        return truth
    tallest = _ONE_LINE_HEIGHT * heights[len(heights) // 2]
    while True:
        paired = dict(align_lines(truth, read))
        join = next(
            (
                min(g, n)
                for g in range(len(truth))
                if g not in paired
                for n in (g - 1, g + 1)
                if n in paired
                and _one_line(lines[paired[n]], tallest)
                and _reads_both(truth, min(g, n), n, read[paired[n]], sep)
            ),
            None,
        )
        if join is None:
            return truth
        truth[join : join + 2] = [truth[join] + sep + truth[join + 1]]


def _one_line(line: Line, tallest: float) -> bool:
    return line.box is not None and line.box.height <= tallest


def _reads_both(truth: list[str], first: int, neighbour: int, read: str, sep: str) -> bool:
    """``read`` (paired with written line ``neighbour``) reads written lines ``first`` and
    ``first + 1`` closer than its own alone."""
    both = truth[first] + sep + truth[first + 1]
    return similarity(both, read) > similarity(truth[neighbour], read)


# Typographic quotes, stripped off words like the ASCII punctuation.
_QUOTES = "\u2018\u2019\u201c\u201d"
# wordfreq's lists among the bench's languages (Chinese would need a segmenter).
_WORD_LISTS = frozenset({"en", "de", "fr", "es", "it", "pt", "pl", "vi"})


def all_real_words(text: str, language: str) -> bool:
    """Every word of ``text`` is a real word of ``language`` (in wordfreq's list): a wrong
    line like this reads right to a user skimming it, the language model's risk (issue 18)."""
    from wordfreq import zipf_frequency

    if language not in _WORD_LISTS:
        return False
    words = [w.strip(string.punctuation + _QUOTES).lower() for w in text.split()]
    words = [w for w in words if w]
    return bool(words) and all(
        not any(c.isalpha() for c in w) or zipf_frequency(w, language) > 0 for w in words
    )


@dataclass(slots=True)
class Tally:
    """Flag quality over many pages."""

    gt_lines: int = 0
    wrong: int = 0
    wrong_flagged: int = 0
    missing: int = 0
    flagged_ocr: int = 0
    flagged_ocr_error: int = 0
    flagged_ocr_misread: int = 0  # flagged lines with any error (CER > 0), however small
    correct_ocr: int = 0
    correct_ocr_flagged: int = 0
    edits: float = 0.0
    chars: int = 0
    pages: int = 0
    own_line: int = 0
    real_unflagged: int = 0  # wrong lines read as real words, not flagged
    # lines read right but for their spacing (issue 18 part 4): a space lost, one too many
    spacing_lost: int = 0
    spacing_added: int = 0
    misses: list[str] = field(default_factory=list)  # wrong yet unflagged, for the report
    spacing: list[str] = field(default_factory=list)  # the lines wrong in their spacing only

    def add(self, score: PageScore) -> None:
        self.pages += 1
        for g in score.gt:
            self.gt_lines += 1
            self.own_line += g.own_line
            self._spacing(g)
            if g.wrong:
                self.wrong += 1
                self.missing += g.missing
                if g.flagged:
                    self.wrong_flagged += 1
                else:
                    self.real_unflagged += g.real_words
                    self.misses.append(f"{g.truth!r} -> {g.read!r} (conf {g.confidence})")
        for o in score.ocr:
            if o.flagged:
                self.flagged_ocr += 1
                self.flagged_ocr_error += o.error
                self.flagged_ocr_misread += o.misread
            if o.line.text.strip() and not o.error:
                self.correct_ocr += 1
                self.correct_ocr_flagged += o.flagged
        self.edits += score.page_cer * score.chars
        self.chars += score.chars

    def _spacing(self, g: GtOutcome) -> None:
        if g.read == g.truth or g.read.replace(" ", "") != g.truth.replace(" ", ""):
            return
        if g.read.count(" ") < g.truth.count(" "):
            self.spacing_lost += 1
        else:
            self.spacing_added += 1  # (or as many, elsewhere: "3pm at" is none seen)
        self.spacing.append(f"{g.truth!r} -> {g.read!r}")

    def spacing_row(self) -> str:
        """The lines whose only error is spacing (issue 18 part 4)."""
        return (
            f"   lines whose only error is spacing: {self.spacing_lost + self.spacing_added} "
            f"of {self.gt_lines} ({self.spacing_lost} a space lost, "
            f"{self.spacing_added} a space too many)"
        )

    def merge(self, other: Tally) -> None:
        """Add ``other``'s counts to these."""
        for name in self.__slots__:  # type: ignore[attr-defined]
            mine, theirs = getattr(self, name), getattr(other, name)
            setattr(self, name, mine + theirs)

    @property
    def recall(self) -> float:
        return self.wrong_flagged / self.wrong if self.wrong else 1.0

    @property
    def precision(self) -> float:
        return self.flagged_ocr_error / self.flagged_ocr if self.flagged_ocr else 1.0

    @property
    def misread_share(self) -> float:
        """Share of flagged lines with any error at all: where a wrong line is one whose CER
        is over a tolerance (the real notes' 0.1), a flag on a line with a smaller error still
        puts a misread to the user."""
        return self.flagged_ocr_misread / self.flagged_ocr if self.flagged_ocr else 1.0

    @property
    def unflagged_wrong_share(self) -> float:
        """Share of ground-truth lines that are wrong or missing and NOT flagged."""
        return (self.wrong - self.wrong_flagged) / self.gt_lines if self.gt_lines else 0.0

    @property
    def real_unflagged_share(self) -> float:
        """Share of ground-truth lines wrong yet read as real words, and NOT flagged."""
        return self.real_unflagged / self.gt_lines if self.gt_lines else 0.0

    @property
    def cer(self) -> float:
        return self.edits / self.chars if self.chars else 0.0

    def row(self, label: str) -> str:
        return (
            f"{label:<28} pages={self.pages:3d} gt_lines={self.gt_lines:4d} "
            f"wrong={self.wrong:4d} (missing {self.missing:3d})  "
            f"recall={pct(self.recall)}  precision={pct(self.precision)}  "
            f"unflagged_wrong={pct(self.unflagged_wrong_share)} "
            f"(real words {pct(self.real_unflagged_share)})  "
            f"own_line={pct(self.own_line / self.gt_lines if self.gt_lines else 1.0)}  "
            f"correct_flagged={self.correct_ocr_flagged}/{self.correct_ocr}  "
            f"CER={self.cer:.3f}"
        )


def pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


# ---- engines ------------------------------------------------------------------------


def make_engine(
    name: str,
    *,
    workers: int = 1,
    calibration: Calibration | None = None,
    max_side: int = 2000,
) -> Recognizer:
    """A started-later Recognizer for ``name``: "tesseract" (as the bot runs it),
    "tesseract-score-only" (line scores alone, no re-reads), "rapid+tesseract" (the default
    engine: RapidOCR finds lines, both read), "rapid+tesseract+lm" (the same, RapidOCR's
    output decoded with the language model), "rapid" (RapidOCR alone) or "aspose" (trial,
    offline)."""
    if name in ("tesseract", "tesseract-score-only"):
        from bot.ocr.decide.calibration import Calibration
        from bot.ocr.engines import tesseract_engine

        if name == "tesseract-score-only":
            # Each line's own score through the map, no re-reads: the engine before 62796c4.
            calibration = calibration or Calibration.load("tesseract")
        return tesseract_engine(
            workers=workers, calibration=calibration, max_side=max_side, timeout=600
        )
    if name in ("rapid+tesseract", "rapid", "rapid+tesseract+lm"):
        from dataclasses import replace

        from bot.ocr.engines import reading_engine
        from bot.ocr.job.rapid_tesseract import BOTH, RAPID_ONLY

        readers = RAPID_ONLY if name == "rapid" else BOTH
        # "+lm": RapidOCR's output decoded with the language model (OCR_LM_DECODING)
        readers = replace(readers, lm=name.endswith("+lm"))
        return reading_engine(readers=readers, workers=workers, max_side=max_side, timeout=600)
    if name == "aspose":
        from bot.ocr.engines import aspose_engine
        from bot.ocr.readers.aspose import AsposeWorkerConfig

        # An empty models directory: only the bundled models, as on a fresh offline server.
        models = tempfile.mkdtemp(prefix="bench-aspose-models-")
        config = AsposeWorkerConfig(license_path=None, license_base64=None, models_dir=models)
        return aspose_engine(
            config,
            workers=workers,
            timeout_seconds=600,
            max_side=max_side,
            calibration=calibration,
        )
    raise SystemExit(f"unknown engine {name!r} (tesseract or aspose)")


async def read_all(
    engine: Recognizer, jobs: Sequence[tuple[bytes, str]], *, concurrency: int = 1
) -> list[Page | Exception]:
    """Recognise every (image, language); an OcrError comes back in place of its page."""
    sem = asyncio.Semaphore(concurrency)

    async def one(image: bytes, lang: str) -> Page | Exception:
        async with sem:
            try:
                return await engine.recognize(image, lang)
            except Exception as exc:  # reported per image by the caller
                return exc

    return list(await asyncio.gather(*(one(img, lang) for img, lang in jobs)))


# ---- the drawn labelled set ---------------------------------------------------------

# The six lines the tests draw, then six more.
EN_LINES = (
    *NOTE_LINES,
    "Send invoice 2041 to Anna",
    "Water the plants on Friday",
    "Book train tickets for May 14",
    "Ask Tom about the garden fence",
    "Pay rent before the 1st",
    "Return library books (3)",
)
VI_LINES = (
    "Hôm nay trời đẹp quá",
    "Mua sữa và trứng ngày mai",
    "Gọi cho nha sĩ lúc ba giờ",
    "Họp nhóm vào thứ Năm",
    "Đọc lại chương năm",
    "Trả tiền điện trước ngày mười",
)
ZH_LINES = (
    "今天天气很好",
    "明天买牛奶和鸡蛋",
    "下午三点给牙医打电话",
    "完成季度报告",
    "星期五给花浇水",
    "再读一遍第五章",
)


# (language, face, lines) of the drawn set. Vietnamese only in faces with every letter of its
# lines (testkit.drawing.lacks): in Comic Neue, which has no ọ or ờ, the page showed a box
# where they were written until 2026-12-07; Andika took its place.
DRAWN_STYLES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("en", "sans", EN_LINES),
    ("en", "serif", EN_LINES),
    ("en", "comic", EN_LINES),
    ("en", "script", EN_LINES),
    ("en", "chancery", EN_LINES),
    ("en", "dkg", EN_LINES),
    ("en", "femke", EN_LINES),
    ("en", "breip", EN_LINES),
    ("vi", "sans", VI_LINES),
    ("vi", "andika", VI_LINES),
    ("vi", "wenkai", VI_LINES),
    ("zh", "cjk", ZH_LINES),
    ("zh", "cjk_hand", ZH_LINES),
    ("zh", "wenkai", ZH_LINES),
)


# The held-out lines also typed, in these languages.
_TYPED = ("en", "vi")
# ... and Vietnamese also in two hands that write every Vietnamese letter as a hand does, the
# dot below small and apart (testkit.drawing, fetched by scripts/fetch_fonts.py): no fitting
# set is drawn in them.
_HANDS = (("vi", "pangolin"), ("vi", "patrick"))


def drawn_fonts(held_out: bool = False) -> str:
    """Which faces each language of the drawn set is drawn in, for a bench's header."""
    faces: dict[str, list[str]] = {}
    for lang, font_name, _ in DRAWN_STYLES:
        faces.setdefault(lang, []).append(font_name)
    if held_out:
        for lang in _TYPED:
            faces[lang].append("typewriter")
        for lang, face in _HANDS:
            faces[lang].append(face)
    return "; ".join(f"{lang} in {' '.join(names)}" for lang, names in faces.items())


@dataclass(frozen=True, slots=True)
class DrawnNote:
    name: str
    language: str
    lines: tuple[str, ...]
    image: bytes


def drawn_set(
    seeds: Sequence[int],
    *,
    quick: bool = False,
    held_out: bool = False,
    styles: Sequence[tuple[str, str, tuple[str, ...]]] = DRAWN_STYLES,
) -> list[DrawnNote]:
    """Labelled notes: print and handwriting-like fonts, photo effects, en/vi/zh.

    Each seed picks different lines, sizes and damage, so calibration (one set of seeds)
    and evaluation (another) do not share images. ``held_out``: other notes' lines, never
    tuned on (:mod:`bench.held_out`), in the same fonts and damage, and English and
    Vietnamese typed too (a typewriter face no fitting set is drawn in), Vietnamese in two
    more hands. ``styles``: the
    (language, face, lines) drawn, in the same damage (by default the drawn set's).
    """
    import random

    from testkit.drawing import Effects, draw_lines, to_bytes

    effects_choices: list[tuple[str, Effects]] = [
        ("clean", Effects()),
        ("skew", Effects(skew_degrees=3.0)),
        ("shadow", Effects(shadow=True)),
        ("blur", Effects(blur_radius=1.6)),
        ("jpeg", Effects(jpeg_quality=25, noise=0.05)),
        ("photo", Effects(skew_degrees=-2.0, shadow=True, blur_radius=1.0, jpeg_quality=40)),
    ]
    if held_out:
        from bench.held_out import LINES

        styles = (
            tuple((lang, font, LINES[lang]) for lang, font, _ in DRAWN_STYLES)
            + tuple((lang, "typewriter", LINES[lang]) for lang in _TYPED)
            + tuple((lang, face, LINES[lang]) for lang, face in _HANDS)
        )
    notes: list[DrawnNote] = []
    for seed in seeds:
        rng = random.Random(seed)
        for si, (lang, font_name, pool) in enumerate(styles):
            chosen = effects_choices if not quick else effects_choices[::2]
            for ei, (effect_name, effects) in enumerate(chosen):
                if (si + ei + seed) % 2 and not quick:
                    continue  # half the grid per seed keeps a run in minutes
                k = 4 if quick else 5
                lines = tuple(rng.sample(pool, k))
                size = rng.choice((28, 34, 40))
                img = draw_lines(lines, font_name=font_name, size=size, effects=effects, seed=seed)
                data = (
                    to_bytes(img, "JPEG", effects.jpeg_quality)
                    if effects.jpeg_quality
                    else to_bytes(img)
                )
                name = f"{lang}/{font_name}/{effect_name}/s{seed}"
                notes.append(DrawnNote(name, lang, lines, data))
    return notes


def group_of(note_name: str) -> list[str]:
    """Report groups a drawn note belongs to: language, font kind, effect."""
    lang, font_name, effect, _ = note_name.split("/")
    kind = "handwriting-like" if font_name in (*HANDWRITING_FONTS, "cjk_hand") else ("print")
    return [f"lang={lang}", f"font={kind}", f"effect={effect}"]


def detected_source(line: Line) -> bool:
    return line.source is ConfidenceSource.DETECTED
