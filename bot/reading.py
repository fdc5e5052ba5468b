"""Reading photos, the use-case: a user's files in, the pages of one note out.

It owns what every way in (a photo in chat, a closer photo of one line, "read again", and the
REST API later) must do alike: the per-user limits, the in-flight record another instance
takes over if this one dies, the download, splitting documents into pages, recognition off
the event loop, and progress. It knows no Telegram: the caller passes how to download a file
and what to show while waiting.

    async with reader.admit(user_id, lost) as job:      # PhotoRefused: too fast / one at a time
        try:
            note = await job.read(file_ids, download, language, progress=...)
        except BotError as exc:
            ...tell the user...
            job.told()

Each recognition is bounded at shutdown (``Drain.guard``): past SHUTDOWN_GRACE_SECONDS it
ends with PhotoLost. A lost photo whose user was told (``job.told()``) is off the in-flight
list; one whose user could not be told stays listed, and another instance asks them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

from bot.config import Settings
from bot.documents.sources import Limits, SourcePage, pages_for
from bot.errors import PhotoLost, PhotoRefused
from bot.ocr.model import Page
from bot.ocr.recognizer import Recognizer
from bot.ocr.vocabulary import NO_WORDS, Vocabulary
from bot.shared import LostPhoto, Refusal, SharedState
from bot.shutdown import Drain

log = logging.getLogger(__name__)

# The files' bytes, in the order of their ids (one entry per file).
Download = Callable[[list[str]], Awaitable[list[bytes]]]
# A user's words with their weights (``bot.storage.words.WordsRepo.of``).
WordsOf = Callable[[int], Awaitable[list[tuple[str, int]]]]


class Progress(Protocol):
    """What the user is shown while a note is read (all optional to act on)."""

    def queued(self, page: int, pages: int, ahead: int) -> None:
        """Page ``page`` of ``pages`` waits behind ``ahead`` photos (0: it is being read)."""

    def reading(self) -> None:
        """The files are downloaded and split: the engine reads now."""


@dataclass(frozen=True, slots=True)
class ReadNote:
    """What was read: one Page per source page (a PDF page's text layer is taken as read)."""

    pages: list[Page]
    sources: list[SourcePage]

    @property
    def refs(self) -> list[str]:
        return [source.ref for source in self.sources]

    @property
    def images(self) -> list[bytes]:
        """The page images (empty for a page taken from a text layer: nothing to crop)."""
        return [source.image for source in self.sources]

    @property
    def has_text(self) -> bool:
        return any(page.lines for page in self.pages)


class PhotoReader:
    """The use-case, built once with the app's services."""

    def __init__(
        self,
        settings: Settings,
        recognizer: Recognizer,
        shared: SharedState,
        drain: Drain,
        words: WordsOf | None = None,
    ) -> None:
        self._settings, self._recognizer, self._shared = settings, recognizer, shared
        self._drain, self._words = drain, words

    async def words_of(self, user_id: int) -> Vocabulary:
        """The user's vocabulary, which biases the reading of their photos (issue 18); none
        when it cannot be had: a photo is read all the same."""
        if self._words is None:
            return NO_WORDS
        try:
            return Vocabulary.of(await self._words(user_id))
        except Exception:
            log.exception("could not read the words of user %s", user_id)
            return NO_WORDS

    def ahead(self) -> int:
        """How many photos a photo sent now would wait behind."""
        return self._recognizer.ahead()

    async def admits(self, user_id: int) -> bool:
        """Whether a photo from this user would be read now (nothing is counted): worth
        downloading it before the rest of the update is looked at."""
        return await self._shared.limits.admits(user_id)

    @asynccontextmanager
    async def admit(self, user_id: int, lost: LostPhoto) -> AsyncIterator[ReadJob]:
        """One photo job of ``user_id`` under the per-user limits (PhotoRefused when over
        them), recorded as in flight (``lost`` says whom to ask to resend should this
        instance die meanwhile). Both are released when the block ends, whatever happens."""
        refused = await self._shared.limits.acquire(user_id)
        if refused is not None:
            raise PhotoRefused(too_fast=refused is Refusal.TOO_FAST)
        job = ReadJob(self, user_id)
        try:
            token = await self._shared.inflight.add(lost)
            try:
                yield job
            finally:
                if job.lost:
                    self._drain.lose(lost.chat_id, told=job.was_told)
                # A lost photo whose user was not told stays listed: another instance asks.
                if job.was_told or not job.lost:
                    await self._shared.inflight.remove(token)
        finally:
            await self._shared.limits.release(user_id)

    async def pages(self, files: list[tuple[str, bytes]], language: str) -> list[SourcePage]:
        """The files as the pages of one note (PDF pages, TIFF frames), within the limits."""
        s = self._settings
        return await pages_for(
            files, language, Limits(s.max_pdf_pages, s.ocr_max_side, s.max_pixels)
        )

    async def recognize(
        self,
        sources: list[SourcePage],
        language: str,
        progress: Progress | None = None,
        words: Vocabulary = NO_WORDS,
    ) -> ReadNote:
        """Every page read in ``language`` (and the user's ``words``), one after the other (a
        page of a text layer is taken as it is)."""
        if progress is not None:
            progress.reading()
        pages: list[Page] = []
        for number, source in enumerate(sources, start=1):
            if source.read is not None:
                pages.append(source.read)
                continue

            async def on_queue(ahead: int, number: int = number) -> None:
                if progress is not None:
                    progress.queued(number, len(sources), ahead)

            reading = self._recognizer.recognize(
                source.image, language, on_queue=on_queue, words=words
            )
            pages.append(await self._drain.guard(reading))
        return ReadNote(pages, sources)


class ReadJob:
    """One admitted job: read files (downloaded by the caller's means) or images in hand."""

    def __init__(self, reader: PhotoReader, user_id: int) -> None:
        self._reader, self._user_id = reader, user_id
        self.lost = False  # the shutdown's grace ended before it was read (PhotoLost)
        self.was_told = False

    def told(self) -> None:
        """The user was told what became of the photo (read, failed, or lost: send again)."""
        self.was_told = True

    async def _recognize(
        self, sources: list[SourcePage], language: str, progress: Progress | None
    ) -> ReadNote:
        try:
            words = await self._reader.words_of(self._user_id)
            return await self._reader.recognize(sources, language, progress, words)
        except PhotoLost:
            self.lost = True
            raise

    async def read(
        self,
        file_ids: list[str],
        download: Download | asyncio.Future[list[bytes]],
        language: str,
        progress: Progress | None = None,
    ) -> ReadNote:
        """Download ``file_ids`` (or await their download, already on its way), split them
        into pages and read each."""
        data = await (download if isinstance(download, asyncio.Future) else download(file_ids))
        sources = await self._reader.pages(list(zip(file_ids, data, strict=True)), language)
        return await self._recognize(sources, language, progress)

    async def read_images(self, refs: list[str], images: list[bytes], language: str) -> ReadNote:
        """Pages already in hand (a review's photos, read again) read in ``language``."""
        sources = [SourcePage(ref, image) for ref, image in zip(refs, images, strict=True)]
        return await self._recognize(sources, language, None)
