"""A page's lines read by other threads read exactly as the page's own thread reads them
(bot.ocr.job.lending): the same text and the same confidence on every line, with the real
engines (RapidOCR's recognizer and the language model, Tesseract, deciding), each thread
with its own; and the page detected on two cores finds the same lines."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from bot.ocr.engines import reading_engine
from bot.ocr.job import Limits, read_prepared, validate
from bot.ocr.job.lending import Wanted, helped_by
from bot.ocr.job.rapid_tesseract import BOTH, RapidTesseract
from bot.ocr.model import Page
from bot.ocr.vocabulary import TYPED, Vocabulary
from testkit.drawing import note_png

# Handwriting-like lines (the ones the language model and Tesseract's checks work on), and
# print; a name the user taught, as a user's words bias the reading.
HAND = ("Buy milk and eggs tomorrow", "Call Priyanka at 3 pm", "Read chapter five again")
PRINT = ("Finish the quarterly report", "Pick up the dry cleaning")
WORDS = Vocabulary.of([("Priyanka", TYPED)])


class Elsewhere:
    """Helpers that take every line of a page in one other thread before the page's own
    thread can take any but the first: the most a page's lines can be read elsewhere."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(1)
        self.lines: list[int] = []
        self.held = 0

    def offer(self, work: Callable[[Wanted], None]) -> None:
        self.pool.submit(work, lambda: False).result()
        self.lines.append(threading.get_ident())

    def withdraw(self, work: Callable[[Wanted], None]) -> None:
        pass

    def hold(self) -> Callable[[], None]:
        # The detector runs on two cores too.
        self.held += 1
        return lambda: None


@pytest.fixture(scope="module")
def pipeline() -> Iterator[RapidTesseract]:
    reader = RapidTesseract(replace(BOTH, lm=True))
    reader.load()
    reader.warm()
    yield reader


def _lines(page: Page) -> list[tuple[str, float | None]]:
    return [(line.text, line.confidence) for line in page.lines]


@pytest.mark.parametrize(
    ("lines", "font", "language"),
    [(HAND, "dkg", "en"), (PRINT, "sans", "en"), (HAND + PRINT, "dkg", "auto")],
)
def test_lines_read_in_another_thread_read_the_same(
    pipeline: RapidTesseract, lines: tuple[str, ...], font: str, language: str
) -> None:
    prepared, lang = validate(
        note_png(lines, font_name=font, size=40), language, pipeline, Limits()
    )
    alone = read_prepared(prepared, lang, pipeline, words=WORDS)
    elsewhere = Elsewhere()
    try:
        with helped_by(elsewhere):
            shared = read_prepared(prepared, lang, pipeline, words=WORDS)
    finally:
        elsewhere.pool.shutdown()
    assert elsewhere.lines  # the lines were offered, and the other thread read them
    assert elsewhere.held  # the page was detected on two cores
    assert _lines(shared) == _lines(alone)
    assert [line.box for line in shared.lines] == [line.box for line in alone.lines]
    assert shared.language == alone.language
    assert len(shared.lines) == len(lines)


@pytest.mark.asyncio
async def test_a_photo_read_with_idle_threads_helping_reads_as_without() -> None:
    photos = [
        note_png(HAND, font_name="dkg", size=40),
        note_png(PRINT, font_name="sans", size=40),
        note_png(HAND[::-1], font_name="dkg", size=36),
    ]
    read: dict[bool, list[Page]] = {}
    for share in (False, True):
        engine = reading_engine(readers=replace(BOTH, lm=True), workers=2, timeout=120)
        engine.share_lines = share
        await engine.start()
        try:
            # one at a time (the idle thread helps), then all at once (each its own, and the
            # first done helps the others)
            pages = [await engine.recognize(photo, "en", words=WORDS) for photo in photos]
            pages += await asyncio.gather(
                *(engine.recognize(photo, "en", words=WORDS) for photo in photos)
            )
            # The pool stays the size it was given: helping takes no thread of its own.
            name = engine.engine_name.replace("+", "-")
            assert sum(t.name.startswith(name) for t in threading.enumerate()) <= 2
        finally:
            await engine.close()
        read[share] = pages
    assert [_lines(p) for p in read[True]] == [_lines(p) for p in read[False]]
    assert [_lines(p) for p in read[True][:3]] == [_lines(p) for p in read[True][3:]]
