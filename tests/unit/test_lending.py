"""Idle reading threads lend a hand with a photo being read (bot.ocr.job.lending, the runner in
bot.ocr.run.threads): the page's lines come back in order, a line that fails in a lent thread
fails the photo as usual, and a photo of its own takes a lent thread back.

The pages here are a pipeline's lines with no engine behind them: what each line does, and
which thread did it, is the test's to say. Nothing waits on time: lines wait on events, each
with a timeout that fails the test.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from bot.errors import OcrError
from bot.ocr.job import PageReading
from bot.ocr.job.lending import each, with_cores
from bot.ocr.languages import Language, resolve
from bot.ocr.model import Line
from bot.ocr.run.threads import ThreadRunner
from bot.ocr.vocabulary import NO_WORDS, Vocabulary
from testkit.drawing import note_png

WAIT = 30.0  # seconds an event may take before the test fails (never reached when it works)

# What one line of a page does, given its index; returns the line's text.
LineWork = Callable[[int], str]


def waited(event: threading.Event) -> None:
    if not event.wait(WAIT):
        raise AssertionError("an event the line waits for never came")


@dataclass
class Pages:
    """A pipeline whose pages are ``plans`` (one per photo, in the order they are read): each
    a number of lines and what each line does. Records which thread read each line."""

    plans: list[tuple[int, LineWork]]
    # Run by each page before its lines (in the page's own thread).
    before: Callable[[], object] = lambda: None
    threads: list[dict[int, int]] = field(default_factory=list)
    name: str = "lines"

    def language(self, code: str) -> Language:
        return resolve(code)

    def available_languages(self) -> list[str]:
        return ["en"]

    def may_turn(self, language: Language) -> bool:
        return False

    def load(self) -> None:
        pass

    def warm(self) -> None:
        pass

    def read_page(
        self, image: object, language: Language, timeout_ms: int, words: Vocabulary = NO_WORDS
    ) -> PageReading:
        count, work = self.plans.pop(0)
        self.before()
        threads: dict[int, int] = {}
        self.threads.append(threads)

        def line(i: int) -> str:
            threads[i] = threading.get_ident()
            return work(i)

        texts = with_cores(lambda cores: [f"{cores} cores"]) + each(line, list(range(count)))
        return PageReading([Line(text, 1.0) for text in texts], language)


async def started(pages: Pages) -> ThreadRunner:
    runner = ThreadRunner(pages, workers=2, timeout=60)
    await runner.start()
    return runner


async def test_a_photo_read_alone_has_its_lines_read_by_the_idle_thread_too() -> None:
    second_taken = threading.Event()

    def work(i: int) -> str:
        if i == 0:  # the page's own thread: held until another thread takes line 1
            waited(second_taken)
        if i == 1:
            second_taken.set()
        return f"line {i}"

    pages = Pages([(6, work)])
    runner = await started(pages)
    try:
        page = await runner.recognize(note_png(), "en")
    finally:
        await runner.close()
    assert [line.text for line in page.lines] == ["2 cores"] + [f"line {i}" for i in range(6)]
    [threads] = pages.threads
    assert threads[0] != threads[1]


async def test_a_line_failing_in_the_lent_thread_fails_the_photo_as_usual() -> None:
    failed = threading.Event()

    def work(i: int) -> str:
        if i == 0:
            waited(failed)
        if i == 1:
            failed.set()
            raise RuntimeError("the recognizer broke")
        return "fine"

    pages = Pages([(4, work), (2, lambda i: "after")])
    runner = await started(pages)
    try:
        with pytest.raises(OcrError) as raised:
            await runner.recognize(note_png(), "en")
        # The user reads the same sentence as for any engine failure.
        assert raised.value.key == OcrError.key
        assert "the recognizer broke" in str(raised.value.detail)
        # Nothing is left hanging: the next photo is read.
        page = await runner.recognize(note_png(), "en")
    finally:
        await runner.close()
    assert [line.text for line in page.lines] == ["2 cores", "after", "after"]
    assert pages.threads[0][0] != pages.threads[0][1]


async def test_two_photos_in_flight_are_each_read_by_their_own_thread() -> None:
    # Both pages step through their lines together: while one thread reads a line of its
    # photo the other reads a line of its own, so neither is free to take the other's.
    together = threading.Barrier(2, timeout=WAIT)

    def work(i: int) -> str:
        together.wait()
        return f"line {i}"

    # ... and both are handed to their threads before either offers its lines.
    pages = Pages([(5, work), (5, work)], before=threading.Barrier(2, timeout=WAIT).wait)
    runner = await started(pages)
    try:
        first, second = await asyncio.gather(
            runner.recognize(note_png(), "en"), runner.recognize(note_png(), "en")
        )
    finally:
        await runner.close()
    # No idle thread to hold either: the detector would run on one core.
    assert [line.text for line in first.lines] == ["1 cores"] + [f"line {i}" for i in range(5)]
    assert [line.text for line in second.lines] == ["1 cores"] + [f"line {i}" for i in range(5)]
    one, two = pages.threads
    assert len(set(one.values())) == 1
    assert len(set(two.values())) == 1
    assert set(one.values()) != set(two.values())


async def test_a_new_photo_takes_back_the_thread_lent_to_another() -> None:
    # The first photo's own thread takes line 0 and waits there until the second photo is
    # read; the lent thread takes line 1, during which the second photo arrives. Had the
    # lent thread gone on to line 2 (which waits for the second photo too), the second
    # photo could never start, and line 2 would fail the test.
    first_in = threading.Event()
    second_in = threading.Event()
    second_read = threading.Event()

    def first(i: int) -> str:
        first_in.set()
        if i == 1:
            waited(second_in)
        else:
            waited(second_read)
        return f"first {i}"

    def second(i: int) -> str:
        second_read.set()
        return f"second {i}"

    pages = Pages([(4, first), (1, second)])
    runner = await started(pages)

    async def on_queue(position: int) -> None:
        if position == 0:
            # The second photo has a worker: it is handed to the thread at once.
            second_in.set()

    try:
        reading = asyncio.ensure_future(runner.recognize(note_png(), "en"))
        await asyncio.to_thread(waited, first_in)
        other = await runner.recognize(note_png(), "en", on_queue=on_queue)
        page = await reading
    finally:
        await runner.close()
    assert [line.text for line in other.lines][1:] == ["second 0"]
    assert [line.text for line in page.lines] == ["2 cores"] + [f"first {i}" for i in range(4)]
    threads = pages.threads[0]
    assert threads[1] != threads[0]  # line 1 was lent (lines 2 and 3: either, once free)


def test_without_a_runner_lines_are_read_in_the_calling_thread() -> None:
    me = threading.get_ident()
    assert each(lambda i: (i, threading.get_ident()), [0, 1, 2]) == [(i, me) for i in range(3)]
    assert with_cores(lambda cores: cores) == 1
