"""Vietnamese Tesseract cannot read: RapidOCR's reading as shown before, and with the tone
marks put back (bot.ocr.decide.marks), on cached evidence.

Run: .venv/bin/python -m bench.vi_marks CACHE [CACHE ...]

Each CACHE is a file of bench.calibrate_evidence. Its Vietnamese pages are decided as if
Tesseract had read nothing on any line (real handwriting, which Tesseract ``vie`` reads as
nothing or noise: bench/README), so every line shows RapidOCR's reading, unsure. Before:
RapidOCR's text as read (what was shown until 2026-12-07); after: what the bot shows now.
Printed per cache: the lines' mean CER, the share of written syllables shown right, the
correction effort with edit in place (bench.correction_effort's model, the drawn notes'
"right" = exact), and the CPU time of deciding a line.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from difflib import SequenceMatcher
from pathlib import Path

from bench.calibrate_evidence import CachedPage, load
from bench.common import THRESHOLD, align_lines, cer, normalise
from bench.correction_effort import Effort, page_effort
from bot.ocr.decide.combined import CombinedModel, shipped_models
from bot.ocr.decide.evidence import Reading
from bot.ocr.languages import resolve
from bot.ocr.model import Line, Page


def syllables_right(truth: str, shown: str) -> tuple[int, int]:
    """Written syllables shown right (in order), and how many were written."""
    written, read = truth.split(), shown.split()
    blocks = SequenceMatcher(None, written, read, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks), len(written)


class Tally:
    def __init__(self) -> None:
        self.lines, self.cer, self.right, self.written = 0, 0.0, 0, 0
        self.effort = Effort()

    def page(self, page: CachedPage, lines: list[Line]) -> None:
        truth = [normalise(t, "vi") for t in page.truth]
        shown = [normalise(line.text, "vi") for line in lines]
        for g, o in align_lines(truth, shown):
            if not shown[o]:
                continue
            self.lines += 1
            self.cer += cer(truth[g], shown[o])
            right, written = syllables_right(truth[g], shown[o])
            self.right += right
            self.written += written
        read = Page("rapid+tesseract+lm", "vi", tuple(lines))
        wrong_cer = 0.0 if page.origin == "drawn" else 0.1
        self.effort.add(
            page_effort(page.truth, read, language="vi", wrong_cer=wrong_cer, threshold=THRESHOLD)
        )

    def row(self) -> str:
        return (
            f"CER {self.cer / max(1, self.lines):.3f}, syllables right "
            f"{self.right / max(1, self.written):.1%}, edit in place "
            f"{self.effort.edit / max(1, self.effort.scratch):.3f}"
        )


def run(path: Path) -> None:
    decider = CombinedModel(shipped_models())
    vi = resolve("vi")
    before, after = Tally(), Tally()
    spent, decided = 0.0, 0
    for page in load(path):
        if page.language != "vi":
            continue
        unread = [replace(e, tesseract=Reading("", 0.0)) for e in page.evidence]
        started = time.process_time()
        lines = [decider.line(e, vi) for e in unread]
        spent += time.process_time() - started
        decided += len(lines)
        as_read = [
            replace(line, text=e.rapid.text if e.rapid and line.text else line.text)
            for line, e in zip(lines, unread, strict=True)
        ]
        before.page(page, as_read)
        after.page(page, lines)
    print(
        f"{path.name}: {after.lines} Vietnamese lines, Tesseract reading nothing\n"
        f"  RapidOCR as read:   {before.row()}\n"
        f"  marks put back:     {after.row()}\n"
        f"  deciding: {1000 * spent / max(1, decided):.2f} ms CPU a line (the first load "
        f"included)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("caches", nargs="+", type=Path)
    for path in parser.parse_args().caches:
        run(path)


if __name__ == "__main__":
    main()
