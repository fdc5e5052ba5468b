"""``python -m testkit.queue_worker GATE_DIR``: the real OCR worker (bot.ocr.run.queue.worker) with
a gate in front of its engine, so a test can hold a job mid-read in a worker process.

Each job writes ``GATE_DIR/entered-<pid>-<n>`` when it reaches the worker, then waits until
``GATE_DIR/open`` exists, then is read by the engine the environment chooses.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
from pathlib import Path

from bot.cli import load_settings, setup_logging
from bot.documents.heif import enable_heif
from bot.ocr.engines import build_engine
from bot.ocr.model import Page
from bot.ocr.recognizer import Ahead, Recognizer
from bot.ocr.run.queue.worker import serve
from bot.ocr.vocabulary import NO_WORDS, Vocabulary
from testkit.recognizers import DelegatingRecognizer


class GatedRecognizer(DelegatingRecognizer):
    def __init__(self, inner: Recognizer, gate: Path) -> None:
        super().__init__(inner)
        self.gate = gate
        self._numbers = itertools.count()

    async def recognize(
        self, image: bytes, language: str, *, on_queue: Ahead = None, words: Vocabulary = NO_WORDS
    ) -> Page:
        (self.gate / f"entered-{os.getpid()}-{next(self._numbers)}").touch()
        # Another process opens the gate: a file is what both can see.
        while not (self.gate / "open").exists():  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        return await self.inner.recognize(image, language, on_queue=on_queue, words=words)


def main() -> None:
    settings = load_settings()
    setup_logging(settings.log_level)
    enable_heif()  # as bot worker does
    recognizer = GatedRecognizer(build_engine(settings), Path(sys.argv[1]))
    sys.exit(asyncio.run(serve(settings, recognizer)))


if __name__ == "__main__":
    main()
