"""A page's lines shared with reading threads that have no photo of their own.

Most of a page's time goes to its lines one by one: RapidOCR's recognizer and the beam search
on each, then Tesseract and RapidOCR's re-reads where they can change the line. No line's
work depends on another's, so while a worker thread of the same runner idles, it may lend a
hand: the page's own thread and the idle one each take the next line from one list until
none is left (:func:`each`). The page gets its lines in their order, each read exactly as the
page's own thread would have read it: every thread has its own engines (an ONNX session and
Tesseract APIs per thread: :mod:`bot.ocr.readers.rapid`, :mod:`bot.ocr.readers.tesseract`),
and what they share is read-only or a cache of pure answers.

The page's one step that is not made of lines, the detector finding them (a third of a
page), is one ONNX run: :func:`with_cores` holds an idle thread asleep while the run
spreads itself over two cores.

Whether a thread is idle is the runner's business (:mod:`bot.ocr.run.threads`): it puts its
:class:`Helpers` around a photo's job with :func:`helped_by`. Without them (a worker process,
the command line, a bench reading on one thread) :func:`each` is a plain loop and
:func:`with_cores` gives one core.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Generic, Protocol, TypeVar, cast

T = TypeVar("T")
R = TypeVar("R")

# Asked before each line a helper takes: True when the thread is wanted for a photo.
Wanted = Callable[[], bool]


class Helpers(Protocol):
    """The runner's idle worker threads."""

    def offer(self, work: Callable[[Wanted], None]) -> None:
        """Run ``work`` in each worker thread idle now or until :meth:`withdraw`, without
        waiting for it; ``work`` stops taking lines once the ``Wanted`` it is given says a
        photo wants the thread."""

    def withdraw(self, work: Callable[[Wanted], None]) -> None:
        """No thread starts ``work`` any more (no line is left to take)."""

    def hold(self) -> Callable[[], None] | None:
        """Keep one idle worker thread asleep, so no photo starts on its core, until the
        function returned is called; None when no thread is idle."""


# The helpers of the photo the current thread reads (None: nobody helps).
_helpers: ContextVar[Helpers | None] = ContextVar("helpers", default=None)


@contextmanager
def helped_by(helpers: Helpers) -> Iterator[None]:
    """Within this block, this thread's pages share their lines with ``helpers``."""
    token = _helpers.set(helpers)
    try:
        yield
    finally:
        _helpers.reset(token)


def each(work: Callable[[T], R], lines: Sequence[T]) -> list[R]:
    """``work`` done on every one of ``lines``, the results in their order; idle worker
    threads take lines too when the runner lends them. A line's failure is raised here, in
    the page's own thread, once no line is being worked on any more (the first line's
    failure, when several failed): the photo fails as it would have on its own."""
    helpers = _helpers.get()
    if helpers is None or len(lines) < 2:
        return [work(line) for line in lines]
    shared = _Shared(work, lines)
    # A line's own work is not shared further: the helpers are busy with this page.
    token = _helpers.set(None)
    try:
        # The page's own thread starts on the first line, a helper on the next.
        first = shared.take(_never)
        helpers.offer(shared.take_lines)
        if first is not None:
            shared.do(first)
        shared.take_lines(_never)
    finally:
        helpers.withdraw(shared.take_lines)
        _helpers.reset(token)
    return shared.results()


def with_cores(work: Callable[[int], R]) -> R:
    """``work(cores)``: 2 when an idle worker thread is held asleep while it runs (its core
    is then free for work that spreads itself over threads: an ONNX run), else 1."""
    helpers = _helpers.get()
    release = helpers.hold() if helpers is not None else None
    if release is None:
        return work(1)
    try:
        return work(2)
    finally:
        release()


def _never() -> bool:
    return False


class _Shared(Generic[T, R]):
    """One page's lines, taken one at a time by whichever thread asks next."""

    def __init__(self, work: Callable[[T], R], lines: Sequence[T]) -> None:
        self._work = work
        self._lines = lines
        self._done: list[R | None] = [None] * len(lines)
        self._failed: dict[int, BaseException] = {}
        self._next = 0
        self._taken = 0
        self._finished = 0
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)

    def take_lines(self, wanted: Wanted) -> None:
        """Work on the next line not taken yet until none is left (or ``wanted``)."""
        while (i := self.take(wanted)) is not None:
            self.do(i)

    def take(self, wanted: Wanted) -> int | None:
        """The next line not taken yet; None when none is left, or ``wanted``."""
        if wanted():
            return None
        with self._lock:
            if self._next >= len(self._lines):
                return None
            self._next += 1
            self._taken += 1
            return self._next - 1

    def do(self, i: int) -> None:
        """Line ``i``'s work (taken with :meth:`take`), its result or failure kept."""
        try:
            self._done[i] = self._work(self._lines[i])
        except BaseException as exc:  # raised in the page's own thread (results)
            with self._lock:
                self._failed[i] = exc
                self._next = len(self._lines)  # no line is started after a failure
        with self._changed:
            self._finished += 1
            self._changed.notify_all()

    def results(self) -> list[R]:
        """Every line's result, once the lines taken by other threads are done (called by
        the page's thread after its own ``take_lines``, when no line is left to take)."""
        with self._changed:
            self._changed.wait_for(lambda: self._finished == self._taken)
            if self._failed:
                raise self._failed[min(self._failed)]
        return cast("list[R]", self._done)
