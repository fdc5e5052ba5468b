"""The one seam between the bot and recognition: ``await recognizer.recognize(image, lang)``.

The handlers depend on this protocol only; tests and the app pass any implementation in
(the real worker pool in ``bot.ocr.run.processes``, or a scripted one).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.ocr.model import Page
from bot.ocr.vocabulary import NO_WORDS, Vocabulary

log = logging.getLogger(__name__)

# Called with the number of jobs ahead of this one whenever it changes (0 = being read now).
QueueCallback = Callable[[int], Awaitable[None]]
# Who hears how many jobs are ahead of this one, if anybody does.
Ahead = QueueCallback | None


class Recognizer(Protocol):
    @property
    def engine_name(self) -> str: ...

    async def start(self) -> None:
        """Create workers (and warm them up). Called once before the first job."""

    async def close(self) -> None:
        """Stop workers; pending jobs fail with OcrError."""

    async def recognize(
        self, image: bytes, language: str, *, on_queue: Ahead = None, words: Vocabulary = NO_WORDS
    ) -> Page:
        """Read ``image`` (encoded bytes as sent by the user) in ``language`` (any code
        :func:`bot.ocr.languages.resolve` accepts). ``words``: the user's own words, which
        bias the reading (:mod:`bot.ocr.vocabulary`). Raises a subclass of BotError."""
        ...

    def available_languages(self) -> list[str]:
        """Codes of the languages that work on this server right now (offline)."""
        ...

    def ahead(self) -> int:
        """How many photos a photo sent now would wait behind (0: a worker is free)."""
        ...


async def notify_queue(on_queue: QueueCallback | None, position: int) -> None:
    """Tell a waiting job its place; a failure here never costs the user their photo."""
    if on_queue is None:
        return
    try:
        await on_queue(position)
    except Exception:
        log.exception("on_queue callback failed")
