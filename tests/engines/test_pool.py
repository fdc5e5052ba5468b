"""The worker pool as the bot sees it: photos wait their turn, a dead or stuck worker costs
only its own photo, and the bot keeps answering while Aspose reads.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from bot.config import EngineChoice, Settings
from bot.errors import OcrTimeout, QueueFull, WorkerCrashed
from bot.ocr.engines import build_recognizer
from bot.ocr.run.processes import ProcessRunner
from testkit.drawing import NOTE_LINES, draw_lines, note_png, to_bytes

pytestmark = [pytest.mark.aspose, pytest.mark.asyncio(loop_scope="module")]


async def _reads_a_note(pool: ProcessRunner) -> None:
    page = await pool.recognize(note_png(), "en")
    assert len(page.lines) == len(NOTE_LINES)
    assert page.lines[0].text


async def test_worker_killed_mid_job_fails_that_job_only(aspose_pool: ProcessRunner) -> None:
    [pid] = aspose_pool.worker_pids()

    async def kill_worker() -> None:
        os.kill(pid, signal.SIGKILL)

    kills: list[asyncio.Task[None]] = []

    async def on_queue(position: int) -> None:
        if position == 0:
            # Runs once recognize() has handed the photo to the worker and is waiting.
            kills.append(asyncio.create_task(kill_worker()))

    with pytest.raises(WorkerCrashed):
        await aspose_pool.recognize(note_png(), "en", on_queue=on_queue)
    await asyncio.gather(*kills)

    await _reads_a_note(aspose_pool)
    assert aspose_pool.worker_pids() != [pid]


async def test_job_over_the_time_limit_times_out_and_frees_the_worker(
    aspose_pool: ProcessRunner,
) -> None:
    aspose_pool.timeout_seconds = 0.01
    try:
        with pytest.raises(OcrTimeout):
            await aspose_pool.recognize(note_png(), "en")
    finally:
        aspose_pool.timeout_seconds = 120.0
    await _reads_a_note(aspose_pool)


async def test_event_loop_keeps_running_during_recognition(aspose_pool: ProcessRunner) -> None:
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.005)

    task = asyncio.create_task(ticker())
    try:
        await _reads_a_note(aspose_pool)
    finally:
        stop.set()
        await task
    assert ticks >= 5


async def test_queue_positions_and_queue_full(aspose_pool: ProcessRunner) -> None:
    aspose_pool.queue_size = 1
    first_positions: list[int] = []
    second_positions: list[int] = []
    first_has_worker = asyncio.Event()
    let_first_go = asyncio.Event()
    second_waiting = asyncio.Event()

    async def first_cb(position: int) -> None:
        first_positions.append(position)
        if position == 0:
            first_has_worker.set()
            # Holding the callback holds the worker: the next photos must queue.
            await let_first_go.wait()

    async def second_cb(position: int) -> None:
        second_positions.append(position)
        if position > 0:
            second_waiting.set()

    try:
        first = asyncio.create_task(aspose_pool.recognize(note_png(), "en", on_queue=first_cb))
        await first_has_worker.wait()
        second = asyncio.create_task(aspose_pool.recognize(note_png(), "en", on_queue=second_cb))
        await second_waiting.wait()
        with pytest.raises(QueueFull):
            await aspose_pool.recognize(note_png(), "en")
        let_first_go.set()
        pages = await asyncio.gather(first, second)
    finally:
        let_first_go.set()
        aspose_pool.queue_size = 4
    assert first_positions == [0]
    assert second_positions == [1, 0]
    assert all(page.lines for page in pages)


async def test_a_sideways_photo_without_exif_is_read_upright(aspose_pool: ProcessRunner) -> None:
    note = draw_lines(NOTE_LINES)
    stored = note.rotate(90, expand=True)  # the page lies on its side, no EXIF says so
    page = await aspose_pool.recognize(to_bytes(stored), "en")
    assert (page.width, page.height) == stored.size
    read = [line for line in page.lines if line.text]
    # The trial cuts the text short, but what it reads is the note, the right way up...
    assert read and read[0].text == NOTE_LINES[0], [line.text for line in page.lines]
    # ...and every line, read or not, is boxed where it stands on the photo as sent.
    assert len(page.lines) == len(NOTE_LINES)
    for line in page.lines:
        assert line.box is not None
        assert line.box.right <= stored.width and line.box.bottom <= stored.height
        assert line.box.height > line.box.width


async def test_settings_choose_the_engine_and_its_limits(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        ocr_engine=EngineChoice.ASPOSE,
        ocr_workers=3,
        ocr_timeout_seconds=42,
        ocr_queue_size=7,
        ocr_max_side=1500,
        aspose_models_dir=tmp_path,
    )
    pool = build_recognizer(settings)
    assert isinstance(pool, ProcessRunner)
    assert (pool.workers, pool.timeout_seconds, pool.queue_size, pool.max_side) == (3, 42, 7, 1500)
    assert pool.config.models_dir == str(tmp_path)
    assert pool.engine_name == "aspose"

    tesseract = build_recognizer(
        Settings(_env_file=None, ocr_engine=EngineChoice.TESSERACT)  # type: ignore[call-arg]
    )
    assert tesseract.engine_name == "tesseract"
