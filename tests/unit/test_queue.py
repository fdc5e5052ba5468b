"""The engines' shared line: first come, first read; each waiting photo knows its place."""

from __future__ import annotations

import asyncio

import pytest

from bot.errors import OcrError, QueueFull
from bot.ocr.run.slots import SlotQueue


class Places:
    """What one photo's status message would have shown, in order."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    async def __call__(self, ahead: int) -> None:
        self.seen.append(ahead)


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_free_slots_are_taken_at_once_then_photos_wait_in_order() -> None:
    queue = SlotQueue(slots=2, limit=5)
    first, second = Places(), Places()
    slots = {await queue.acquire(first), await queue.acquire(second)}
    assert slots == {0, 1}
    assert first.seen == [0] and second.seen == [0]

    waiting = [Places() for _ in range(3)]
    tasks = [asyncio.create_task(queue.acquire(p)) for p in waiting]
    await _settle()
    assert [p.seen for p in waiting] == [[1], [2], [3]]

    queue.release(0)
    await _settle()
    assert tasks[0].done() and await tasks[0] == 0
    # The first waiter is reading; the others moved up one place.
    assert waiting[0].seen == [1, 0]
    assert waiting[1].seen[-1] == 1 and waiting[2].seen[-1] == 2
    assert not tasks[1].done() and not tasks[2].done()
    queue.close()
    await asyncio.gather(*tasks[1:], return_exceptions=True)


async def test_past_the_limit_a_photo_is_refused_at_once() -> None:
    queue = SlotQueue(slots=1, limit=1)
    await queue.acquire()
    waiter = asyncio.create_task(queue.acquire())
    await _settle()
    with pytest.raises(QueueFull):
        queue.refuse_if_full()
    with pytest.raises(QueueFull):
        await queue.acquire()
    queue.close()
    with pytest.raises(OcrError):
        await waiter


async def test_a_photo_given_up_while_waiting_leaves_the_line() -> None:
    queue = SlotQueue(slots=1, limit=5)
    await queue.acquire()
    behind = Places()
    leaver = asyncio.create_task(queue.acquire())
    stayer = asyncio.create_task(queue.acquire(behind))
    await _settle()
    assert behind.seen == [2]
    leaver.cancel()
    await _settle()
    assert behind.seen[-1] == 1
    queue.release(0)
    assert await stayer == 0


async def test_a_slot_handed_over_just_as_its_photo_is_cancelled_is_passed_on() -> None:
    queue = SlotQueue(slots=1, limit=5)
    await queue.acquire()
    unlucky = asyncio.create_task(queue.acquire())
    next_one = asyncio.create_task(queue.acquire())
    await _settle()
    queue.release(0)  # the slot goes to `unlucky`...
    unlucky.cancel()  # ...which is cancelled before it runs again
    with pytest.raises(asyncio.CancelledError):
        await unlucky
    assert await asyncio.wait_for(next_one, 1) == 0


async def test_cancelled_while_told_it_is_being_read_frees_the_slot() -> None:
    queue = SlotQueue(slots=1, limit=5)
    started = asyncio.Event()

    async def slow_notice(ahead: int) -> None:
        started.set()
        await asyncio.sleep(10)

    task = asyncio.create_task(queue.acquire(slow_notice))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The slot did not leak: the next photo starts at once.
    assert await asyncio.wait_for(queue.acquire(), 1) == 0


async def test_closed_queue_takes_no_new_photo() -> None:
    queue = SlotQueue(slots=1, limit=5)
    queue.close()
    with pytest.raises(OcrError):
        await queue.acquire()


async def test_ahead_is_the_place_a_new_photo_would_get() -> None:
    queue = SlotQueue(slots=1, limit=5)
    assert queue.ahead() == 0
    await queue.acquire()
    assert queue.ahead() == 1
    waiting = asyncio.create_task(queue.acquire())
    await _settle()
    assert queue.ahead() == 2
    queue.release(0)
    await _settle()
    assert await waiting == 0 and queue.ahead() == 1
