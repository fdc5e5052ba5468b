"""Issue 18: would a second recognizer's agreement make flags precise? (measured, not shipped)

Run: PYTHONPATH=. .venv/bin/python -m bench.second_reader [--quick] [--sets drawn,held-out,real]
         [--model FILE] [--min-width 320] [--no-second] [--data DIR] [--out FILE]
         [--cache FILE] [--check N]

The second recognizer is PP-OCRv4's Chinese-and-Latin CTC recognizer,
``ch_PP-OCRv4_rec_infer.onnx`` from the PyPI wheel ``rapidocr_onnxruntime==1.4.4`` (not a
dependency of the bot; fetch it by hand)::

    .venv/bin/python -m pip download rapidocr_onnxruntime==1.4.4 --no-deps -d /tmp/v4
    unzip -j /tmp/v4/*.whl 'rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx' -d bench/out

Its 6623 characters are in the model's metadata ("character"); its labels are the CTC blank,
those, and the space. A line crop is read as that wheel reads it (48 px high, width by aspect,
padded to at least 320 px, (x/255 - 0.5)/0.5, BGR, CHW; greedy CTC).

Each page of the sets (``drawn``: bench.flag_quality's eval seeds; ``held-out``: the same with
``--held-out-texts``; ``real``: bench.real_notes's manifest) is read by the default engine's
gathering as bench.calibrate_evidence reads it (RapidOCR's output decoded with the language
model, every check made), keeping each line's pieces as RapidOCR's recognizer got them (cut
out and laid flat by bot.ocr.readers.rapid.crops, turned when the page was upside down).
Each line is decided as shipped (CombinedModel(shipped_models()).line), the page matched to
its written lines as bench.flag_quality / bench.real_notes match it (a line is wrong: drawn,
any error; real, CER > 0.1), and each line's pieces read again by PP-OCRv6 (greedy, as
RapidOCR reads it: timed) and by PP-OCRv4 (timed, the same crops, one after the other in the
same thread, one ONNX thread each).

Prints, per set and per language (Latin, Vietnamese, Chinese):
- the baseline: the shipped figures as bench.flag_quality / bench.real_notes print them;
- among the lines deciding flags, and among the lines deciding makes sure: how many are right
  and how many wrong, and of each how many PP-OCRv4 reads as the shown text exactly, and with
  the text normalised (NFKC, case, spaces and punctuation aside);
- what would be if "PP-OCRv4 reads the shown text" made a flagged line sure (exactly, and
  normalised): recall and precision as the benches score them, right lines no longer flagged,
  wrong lines made sure; and the converse, "PP-OCRv4 reads otherwise" flagging a sure line;
- the time of PP-OCRv4's read of a line beside PP-OCRv6's of the same crops, and the process's
  memory (RSS before and after loading PP-OCRv4, at the end and at its peak). ``--no-second``
  reads the same pages without PP-OCRv4 (nothing of it loaded): the peaks of the two runs
  side by side are the memory it adds.

The lines are written to bench/out/second-reader.json; ``--cache FILE`` prints again from
one without reading. ``--check N`` only prints PP-OCRv6's and PP-OCRv4's reading of the
lines of the first N drawn notes (a look that PP-OCRv4 reads sensibly).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
from PIL import Image

from bench.common import (
    THRESHOLD,
    Tally,
    align_lines,
    drawn_set,
    joined_lines,
    match_page,
    normalise,
    similarity,
)
from bench.flag_quality import EVAL_SEEDS, QUICK_SEEDS
from bench.real_notes import DATA, WRONG_CER
from bot.ocr.decide.combined import CombinedModel, shipped_models
from bot.ocr.decide.evidence import LineEvidence, base_letters, rapid_reads
from bot.ocr.job import Limits
from bot.ocr.job.rapid_tesseract import BOTH, _decode_as, find_and_read, read_with
from bot.ocr.languages import resolve
from bot.ocr.model import Box, ConfidenceSource, Line, Page
from bot.ocr.preprocess import prepare
from bot.ocr.readers import rapid

OUT = Path(__file__).resolve().parent / "out"
MODEL = OUT / "ch_PP-OCRv4_rec_infer.onnx"
# The wheel's file, by sha256 (rapidocr_onnxruntime 1.4.4).
MODEL_SHA256 = "48fc40f24f6d2a207a2b1091d3437eb3cc3eb6b676dc3ef9c37384005483683b"
# As rapidocr_onnxruntime 1.4.4's config: [3, 48, 320].
HEIGHT, MIN_WIDTH = 48, 320
LANGUAGE_NAMES = {"en": "Latin", "vi": "Vietnamese", "zh": "Chinese"}
SURE = THRESHOLD / 100


class SecondReader:
    """PP-OCRv4's recognizer on one ONNX thread, reading a line as rapidocr_onnxruntime
    1.4.4 reads it (one line a batch)."""

    def __init__(self, path: Path, min_width: int = MIN_WIDTH) -> None:
        import hashlib

        import onnxruntime  # type: ignore[import-untyped]

        if hashlib.sha256(path.read_bytes()).hexdigest() != MODEL_SHA256:
            raise SystemExit(f"{path} is not rapidocr_onnxruntime 1.4.4's PP-OCRv4 recognizer")
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 4
        # As RapidOCR makes its sessions (bot.ocr.readers.rapid): memory handed back after runs
        options.enable_cpu_mem_arena = False
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        characters = self.session.get_modelmeta().custom_metadata_map["character"].splitlines()
        self.labels = ["", *characters, " "]
        self.min_width = min_width

    def read_line(self, line: Image.Image) -> tuple[str, float]:
        """(text, mean probability of its characters) of one line crop; ("", 0.0) for none."""
        import cv2

        if line.width < 4 or line.height < 4:
            return "", 0.0
        bgr = np.ascontiguousarray(np.asarray(line.convert("RGB"), dtype=np.uint8)[:, :, ::-1])
        h, w = bgr.shape[:2]
        width = int(HEIGHT * max(self.min_width / HEIGHT, w / h))
        resized_w = min(width, math.ceil(HEIGHT * w / h))
        resized = cv2.resize(bgr, (resized_w, HEIGHT)).astype(np.float32)
        batch = np.zeros((1, 3, HEIGHT, width), dtype=np.float32)
        batch[0, :, :, :resized_w] = (resized.transpose(2, 0, 1) / 255 - 0.5) / 0.5
        probs = self.session.run(None, {self.session.get_inputs()[0].name: batch})[0][0]
        best, best_p = probs.argmax(axis=1), probs.max(axis=1)
        keep = (best != 0) & np.concatenate(([True], best[1:] != best[:-1]))
        text = "".join(self.labels[i] for i in best[keep])
        score = float(best_p[keep].mean()) if keep.any() else 0.0
        return text.strip(), score

    def read_pieces(self, crops: Sequence[Image.Image]) -> str:
        """A line of pieces read as rapid.read_line's readings are joined: by one space."""
        return " ".join(t for t in (self.read_line(c)[0] for c in crops) if t)


def loose(text: str) -> str:
    """``text`` with case, spaces and punctuation aside (NFKC: full-width forms folded)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(
        c for c in folded if not c.isspace() and not unicodedata.category(c).startswith("P")
    )


@dataclass(slots=True)
class LineRecord:
    """One line the engine showed: as decided, and as the two recognizers read its crops."""

    text: str
    confidence: float | None
    box: tuple[int, int, int, int] | None
    source: str
    v4: str = ""
    v6: str = ""  # PP-OCRv6 greedy, as RapidOCR reads the crops (the timing's twin)
    v4_ms: float = 0.0
    v6_ms: float = 0.0

    def line(self, confidence: float | None = None) -> Line:
        box = Box(*self.box) if self.box is not None else None
        conf = self.confidence if confidence is None else confidence
        return Line(self.text, conf, box, ConfidenceSource(self.source))


@dataclass(slots=True)
class PageRecord:
    set: str  # "drawn", "held-out" or "real"
    name: str
    language: str
    truth: list[str]
    lines: list[LineRecord] = field(default_factory=list)

    def page(self, lines: Sequence[Line]) -> Page:
        return Page(engine="rapid+tesseract", language=self.language, lines=tuple(lines))

    @property
    def wrong_cer(self) -> float:
        return WRONG_CER if self.set == "real" else 0.0


def gather_kept(image: bytes, language: str) -> tuple[list[LineEvidence], list[list[Image.Image]]]:
    """Each line's evidence as bench.calibrate_evidence.read_page gathers it (the LM on, every
    check made), and the pieces of each line as RapidOCR's recognizer got them. (The same
    steps as bot.ocr.job.rapid_tesseract.gather, with the crops kept.)"""
    limits = Limits()
    prepared = prepare(
        image, max_bytes=limits.max_bytes, max_pixels=limits.max_pixels, max_side=limits.max_side
    )
    lang, readers = resolve(language), replace(BOTH, lm=True)
    found = find_and_read(
        prepared.image,
        rapid=readers.rapid and rapid_reads(lang),
        decode_as=_decode_as(lang, readers),
    )
    return read_with(found, lang, readers), found.crops


def read_page(
    set_name: str,
    name: str,
    language: str,
    truth: Sequence[str],
    image: bytes,
    model: CombinedModel,
    second: SecondReader | None,
) -> PageRecord:
    evidence, crops = gather_kept(image, language)
    record = PageRecord(set_name, name, language, list(truth))
    for ev, pieces in zip(evidence, crops, strict=True):
        line = model.line(ev, resolve(language))
        box = (line.box.left, line.box.top, line.box.width, line.box.height) if line.box else None
        kept = LineRecord(line.text, line.confidence, box, str(line.source))
        t0 = time.perf_counter()
        kept.v6 = " ".join(t for t in (rapid.read_line(c)[0] for c in pieces) if t)
        t1 = time.perf_counter()
        kept.v4 = second.read_pieces(pieces) if second is not None else ""
        t2 = time.perf_counter()
        kept.v6_ms, kept.v4_ms = 1000 * (t1 - t0), 1000 * (t2 - t1)
        record.lines.append(kept)
    return record


def pages_to_read(
    sets: Sequence[str], quick: bool, data: Path
) -> list[tuple[str, str, str, tuple[str, ...], bytes]]:
    jobs = []
    seeds = QUICK_SEEDS if quick else EVAL_SEEDS
    for set_name, held_out in (("drawn", False), ("held-out", True)):
        if set_name in sets:
            for note in drawn_set(seeds, quick=quick, held_out=held_out):
                jobs.append((set_name, note.name, note.language, note.lines, note.image))
    if "real" in sets:
        manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
        for entry in manifest[:: 4 if quick else 1]:
            image = (data / entry["image"]).read_bytes()
            truth = tuple(entry["text"].split("\n"))
            jobs.append(("real", entry["image"], entry["language"], truth, image))
    return jobs


def rss_mb(key: str = "VmRSS") -> float:
    """The process's resident memory now (``VmHWM``: at its peak so far), in MB."""
    for row in Path("/proc/self/status").read_text().splitlines():
        if row.startswith(f"{key}:"):
            return int(row.split()[1]) / 1024
    return float("nan")


# ---- what the lines say --------------------------------------------------------------


@dataclass(slots=True)
class Counts:
    """Lines of one kind (flagged or sure), right and wrong, and how many of each PP-OCRv4
    reads as shown, exactly and normalised."""

    right: int = 0
    wrong: int = 0
    right_exact: int = 0
    wrong_exact: int = 0
    right_loose: int = 0
    wrong_loose: int = 0
    right_marks: int = 0  # normalised, and diacritics aside too (Vietnamese: PP-OCRv4 has none)
    wrong_marks: int = 0

    def add(self, error: bool, line: LineRecord) -> None:
        exact, same = agrees(line, "exact->sure"), agrees(line, "loose->sure")
        letters = bool(loose(line.text)) and base_letters(loose(line.v4)) == base_letters(
            loose(line.text)
        )
        if error:
            self.wrong += 1
            self.wrong_exact += exact
            self.wrong_loose += same
            self.wrong_marks += letters
        else:
            self.right += 1
            self.right_exact += exact
            self.right_loose += same
            self.right_marks += letters

    def row(self, label: str) -> str:
        return (
            f"  {label:<8} right {self.right:4d}: v4 reads as shown {self.right_exact:4d} exactly,"
            f" "
            f"{self.right_loose:4d} normalised ({self.right_marks:4d} marks aside) | "
            f"wrong {self.wrong:4d}: {self.wrong_exact:4d} exactly, {self.wrong_loose:4d} "
            f"normalised ({self.wrong_marks:4d} marks aside)"
        )


RULES = ("shipped", "exact->sure", "loose->sure", "differs->flag")


def agrees(line: LineRecord, rule: str) -> bool:
    if rule == "exact->sure":
        return bool(line.text.strip()) and line.v4.strip() == line.text.strip()
    return bool(loose(line.text)) and loose(line.v4) == loose(line.text)


def confidence_under(rule: str, line: LineRecord) -> float | None:
    """The line's confidence were the rule to decide with PP-OCRv4's reading."""
    flagged = line.line().is_flagged(THRESHOLD)
    if rule in ("exact->sure", "loose->sure") and flagged and agrees(line, rule):
        return max(line.confidence or 0.0, SURE)
    if rule == "differs->flag" and not flagged and not agrees(line, "loose->sure"):
        return 0.0
    return line.confidence


def report(pages: Sequence[PageRecord]) -> None:
    groups: dict[tuple[str, str], list[PageRecord]] = defaultdict(list)
    for p in pages:
        groups[(p.set, "all")].append(p)
        groups[(p.set, LANGUAGE_NAMES.get(p.language, p.language))].append(p)
    order = ("drawn", "held-out", "real")
    for key in sorted(groups, key=lambda k: (order.index(k[0]), k[1] != "all", k[1])):
        report_group(*key, groups[key])
    timing(pages)


def report_group(set_name: str, language: str, pages: Sequence[PageRecord]) -> None:
    counts = {"flagged": Counts(), "sure": Counts()}
    tallies = {rule: Tally() for rule in RULES}
    moved = {rule: [0, 0] for rule in RULES}  # lines whose flag the rule changes: right, wrong
    near = [0, 0]  # flagged lines PP-OCRv4 reads within 10% of the shown text: right, wrong
    mended = 0  # flagged wrong lines PP-OCRv4 reads as written (spacing aside)
    for p in pages:
        shown = [ln.line() for ln in p.lines]
        base = match_page(p.truth, p.page(shown), language=p.language, wrong_cer=p.wrong_cer)
        written = written_of(p, shown)
        for i, (ln, o) in enumerate(zip(p.lines, base.ocr, strict=True)):
            if not ln.text.strip():
                continue  # nothing shown, nothing for PP-OCRv4 to agree with: always flagged
            kind = "flagged" if o.flagged else "sure"
            counts[kind].add(o.error, ln)
            if o.flagged:
                near[o.error] += similarity(loose(ln.text), loose(ln.v4)) >= 0.9
                mended += o.error and normalise(ln.v4, p.language) == written.get(i)
        for rule in RULES:
            lines = [ln.line(confidence_under(rule, ln)) for ln in p.lines]
            score = match_page(p.truth, p.page(lines), language=p.language, wrong_cer=p.wrong_cer)
            tallies[rule].add(score)
            for before, after in zip(base.ocr, score.ocr, strict=True):
                if before.flagged != after.flagged:
                    moved[rule][before.error] += 1
    lines = sum(len(p.lines) for p in pages)
    print(f"\n== {set_name}, {language}: {len(pages)} pages, {lines} lines shown")
    print(counts["flagged"].row("flagged"))
    print(counts["sure"].row("sure"))
    print(
        f"  flagged lines v4 reads within 10% of the shown (normalised): right {near[0]}, "
        f"wrong {near[1]}; wrong ones v4 reads as written (spacing aside): {mended}"
    )
    for rule in RULES:
        t = tallies[rule]
        right, wrong = moved[rule]
        change = {
            "shipped": "",
            "differs->flag": f"; sure lines it flags: {right} right, {wrong} wrong",
        }.get(rule, f"; flagged lines it makes sure: {right} right, {wrong} wrong")
        print(
            f"  {rule:<14} recall {100 * t.recall:5.1f}%  precision {100 * t.precision:5.1f}%  "
            f"flagged {t.flagged_ocr:4d} (right {t.flagged_ocr - t.flagged_ocr_error:4d})"
            f"{change}"
        )


def written_of(page: PageRecord, shown: Sequence[Line]) -> dict[int, str]:
    """The written line (normalised as bench.common matches) each shown line stands for."""
    truth = joined_lines([t for t in page.truth if t.strip()], shown, page.language)
    read = [normalise(ln.text, page.language) for ln in shown]
    return {o: truth[g] for g, o in align_lines(truth, read)}


def timing(pages: Sequence[PageRecord]) -> None:
    by_set: dict[str, list[LineRecord]] = defaultdict(list)
    for p in pages:
        by_set[p.set].extend(ln for ln in p.lines if ln.v6_ms > 0)
    print("\n== time per line (ms, PP-OCRv6 greedy then PP-OCRv4 on the same crops, one thread)")
    for set_name, lines in by_set.items():
        if not lines:
            continue
        v6 = [ln.v6_ms for ln in lines]
        v4 = [ln.v4_ms for ln in lines]
        print(
            f"  {set_name:<9} {len(lines):5d} lines: v6 median {statistics.median(v6):6.1f} "
            f"mean {statistics.fmean(v6):6.1f} | v4 median {statistics.median(v4):6.1f} "
            f"mean {statistics.fmean(v4):6.1f} | v4/v6 total {sum(v4) / sum(v6):.2f}x"
        )


# ---- running ---------------------------------------------------------------------------


def save(pages: Sequence[PageRecord], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(p) for p in pages], ensure_ascii=False), encoding="utf-8")


def load(path: Path) -> list[PageRecord]:
    pages = []
    for p in json.loads(path.read_text(encoding="utf-8")):
        lines = [
            LineRecord(**{**ln, "box": tuple(ln["box"]) if ln["box"] else None})
            for ln in p.pop("lines")
        ]
        pages.append(PageRecord(**p, lines=lines))
    return pages


def check(second: SecondReader, notes: int) -> None:
    for note in drawn_set(QUICK_SEEDS)[:notes]:
        _, crops = gather_kept(note.image, note.language)
        print(f"\n{note.name}: written {list(note.lines)}")
        for pieces in crops:
            v6 = " ".join(t for t in (rapid.read_line(c)[0] for c in pieces) if t)
            print(f"   v6 {v6!r:48}  v4 {second.read_pieces(pieces)!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, a quarter of real notes")
    parser.add_argument("--sets", default="drawn,held-out,real")
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache", type=Path, help="print from this file, reading nothing")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--check", type=int, default=0, metavar="N")
    parser.add_argument(
        "--min-width",
        type=int,
        default=MIN_WIDTH,
        help="PP-OCRv4's input at least this wide (its wheel's 320; the bot's PP-OCRv6: 640)",
    )
    parser.add_argument(
        "--no-second", action="store_true", help="PP-OCRv4 not loaded (its memory's baseline)"
    )
    args = parser.parse_args()
    if args.cache:
        report(load(args.cache))
        return
    # The bot's PP-OCRv6 warmed on a line first, so the RSS step is PP-OCRv4's alone.
    rapid.read_line(Image.new("RGB", (200, 48), "white"))
    before = rss_mb()
    second = None if args.no_second else SecondReader(args.model, args.min_width)
    loaded = rss_mb()
    if args.check and second is not None:
        check(second, args.check)
        return
    sets = args.sets.split(",")
    jobs = pages_to_read(sets, args.quick, args.data)
    model = CombinedModel(shipped_models())
    pages: list[PageRecord] = []
    t0 = time.perf_counter()
    after_first = 0.0
    for i, (set_name, name, language, truth, image) in enumerate(jobs):
        pages.append(read_page(set_name, name, language, truth, image, model, second))
        if i == 0:
            after_first = rss_mb()
        if i % 50 == 49:
            print(f"   {i + 1}/{len(jobs)} pages, {time.perf_counter() - t0:.0f} s", flush=True)
    out = args.out or OUT / f"second-reader{'-quick' if args.quick else ''}.json"
    save(pages, out)
    print(f"{len(pages)} pages read in {time.perf_counter() - t0:.0f} s -> {out}")
    print(
        f"RSS: {before:.0f} MB with PP-OCRv6 warm, {loaded:.0f} MB with PP-OCRv4 loaded "
        f"(+{loaded - before:.0f}), {after_first:.0f} MB after the first page "
        f"(everything else loaded too), {rss_mb():.0f} MB at the end, "
        f"peak {rss_mb('VmHWM'):.0f} MB{' (PP-OCRv4 not loaded)' if second is None else ''}"
    )
    report(pages)


if __name__ == "__main__":
    main()
