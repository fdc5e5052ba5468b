"""First come, first read: a few worker slots, a bounded line of photos waiting for one.

Both engines queue the same way (Aspose's worker processes, Tesseract's threads): a photo
takes a free slot at once or waits its turn, each waiting photo is told its place whenever
it changes, and past ``limit`` waiting photos a new one is refused with QueueFull, so the
user hears "busy" at once instead of waiting minutes.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

from bot.errors import OcrError, QueueFull
from bot.ocr.recognizer import QueueCallback, notify_queue


@dataclass(eq=False, slots=True)
class _Waiter:
    ready: asyncio.Future[int]  # resolves to the slot handed to this job
    on_queue: QueueCallback | None


class SlotQueue:
    """``slots`` workers handed out in arrival order; at most ``limit`` jobs wait."""

    def __init__(self, slots: int, limit: int) -> None:
        self.limit = limit
        self._busy = [False] * max(1, slots)
        self._waiters: deque[_Waiter] = deque()
        self._background: set[asyncio.Task[None]] = set()
        self._closed = False

    def ahead(self) -> int:
        """The place in line a job arriving now would get (0: it starts at once)."""
        if self._free_slot() is not None and not self._waiters:
            return 0
        return len(self._waiters) + 1

    def refuse_if_full(self) -> None:
        """Raise QueueFull when a new job could neither start nor wait: checked before any
        work on a photo that would be refused anyway."""
        if all(self._busy) and len(self._waiters) >= self.limit:
            raise QueueFull(detail=f"{len(self._waiters)} photos waiting")

    async def acquire(self, on_queue: QueueCallback | None = None) -> int:
        """Wait for a slot; return its index. ``on_queue`` hears the place in line, then 0."""
        if self._closed:
            raise OcrError(detail="recognizer closed")
        slot = self._free_slot() if not self._waiters else None
        if slot is not None:
            self._busy[slot] = True
        else:
            if len(self._waiters) >= self.limit:
                raise QueueFull(detail=f"{len(self._waiters)} photos waiting")
            waiter = _Waiter(asyncio.get_running_loop().create_future(), on_queue)
            self._waiters.append(waiter)
            try:
                await notify_queue(on_queue, len(self._waiters))
                slot = await waiter.ready
            except BaseException:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
                    self._notify_positions()
                elif (
                    waiter.ready.done()
                    and not waiter.ready.cancelled()
                    and waiter.ready.exception() is None
                ):
                    # A slot was handed to us just as we were cancelled: pass it on.
                    self.release(waiter.ready.result())
                raise
        try:
            await notify_queue(on_queue, 0)
        except BaseException:
            # Cancelled while saying "reading": the slot must not leak.
            self.release(slot)
            raise
        return slot

    def release(self, slot: int) -> None:
        """Free ``slot`` and give it to the job that has waited longest."""
        if slot < len(self._busy):
            self._busy[slot] = False
        moved = False
        while self._waiters and (free := self._free_slot()) is not None:
            waiter = self._waiters.popleft()
            if waiter.ready.done():
                continue
            self._busy[free] = True
            waiter.ready.set_result(free)
            moved = True
        if moved:
            self._notify_positions()

    def close(self) -> None:
        """Jobs still waiting fail with OcrError; no new job is taken."""
        self._closed = True
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.ready.done():
                waiter.ready.set_exception(OcrError(detail="recognizer closed"))

    def _free_slot(self) -> int | None:
        return next((i for i, busy in enumerate(self._busy) if not busy), None)

    def _notify_positions(self) -> None:
        for position, waiter in enumerate(self._waiters, start=1):
            if waiter.on_queue is not None:
                task = asyncio.get_running_loop().create_task(
                    notify_queue(waiter.on_queue, position)
                )
                self._background.add(task)
                task.add_done_callback(self._background.discard)


class QueuedEngine:
    """Base of the engines that queue photos in a :class:`SlotQueue` kept in ``_queue``."""

    _queue: SlotQueue

    @property
    def queue_size(self) -> int:
        """How many photos may wait for a worker; changeable while running."""
        return self._queue.limit

    @queue_size.setter
    def queue_size(self, value: int) -> None:
        self._queue.limit = value

    def ahead(self) -> int:
        """How many photos a photo sent now would wait behind (0: a worker is free)."""
        return self._queue.ahead()
