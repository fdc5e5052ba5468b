"""Test doubles around a real recognizer: they delegate, and add one thing a test controls."""

from __future__ import annotations

import asyncio

from bot.ocr.model import Page
from bot.ocr.recognizer import Ahead, Recognizer
from bot.ocr.vocabulary import NO_WORDS, Vocabulary


class DelegatingRecognizer:
    """The Recognizer protocol, passed straight through to ``inner``; subclasses override
    ``recognize`` to add what they need."""

    def __init__(self, inner: Recognizer) -> None:
        self.inner = inner

    @property
    def engine_name(self) -> str:
        return self.inner.engine_name

    async def start(self) -> None:
        await self.inner.start()

    async def close(self) -> None:
        await self.inner.close()

    def available_languages(self) -> list[str]:
        return self.inner.available_languages()

    def ahead(self) -> int:
        return self.inner.ahead()

    async def recognize(
        self, image: bytes, language: str, *, on_queue: Ahead = None, words: Vocabulary = NO_WORDS
    ) -> Page:
        return await self.inner.recognize(image, language, on_queue=on_queue, words=words)


class HoldingRecognizer(DelegatingRecognizer):
    """A photo whose bytes were passed to ``hold`` waits until the returned event is set;
    ``entered[image]`` tells the test it is waiting. It waits before the engine sees it."""

    def __init__(self, inner: Recognizer) -> None:
        super().__init__(inner)
        self.held: dict[bytes, asyncio.Event] = {}
        self.entered: dict[bytes, asyncio.Event] = {}

    def hold(self, image: bytes) -> asyncio.Event:
        self.entered[image] = asyncio.Event()
        release = self.held[image] = asyncio.Event()
        return release

    async def _wait_if_held(self, image: bytes) -> None:
        if image in self.held:
            self.entered[image].set()
            await self.held[image].wait()

    async def close(self) -> None:
        # A held job must not keep shutdown waiting.
        for event in self.held.values():
            event.set()
        await super().close()

    async def recognize(
        self, image: bytes, language: str, *, on_queue: Ahead = None, words: Vocabulary = NO_WORDS
    ) -> Page:
        await self._wait_if_held(image)
        return await self.inner.recognize(image, language, on_queue=on_queue, words=words)


class SlotHoldingRecognizer(HoldingRecognizer):
    """Like HoldingRecognizer, but a held photo waits inside the engine's "reading starts now"
    callback, so it really keeps the engine's worker slot busy."""

    async def recognize(
        self, image: bytes, language: str, *, on_queue: Ahead = None, words: Vocabulary = NO_WORDS
    ) -> Page:
        async def holding(ahead: int) -> None:
            if ahead == 0:
                await self._wait_if_held(image)
            if on_queue is not None:
                await on_queue(ahead)

        return await self.inner.recognize(image, language, on_queue=holding, words=words)
