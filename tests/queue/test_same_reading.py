"""The same photo reads the same whichever way the bot is deployed: one process reading in its
own threads (polling), or webhook instances handing photos to ``notes-ocr-bot worker``
processes through Redis. A printed Vietnamese note sent by users who chose no language is read
in Vietnamese, tone marks and all, in both."""

from __future__ import annotations

from pathlib import Path

from bot.app import build_application
from bot.config import EngineChoice
from testkit.cluster import cluster
from testkit.drawing import note_png
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import Conversation, running_bot
from testkit.redis_server import ocr_workers
from testkit.settings import make_settings

VI = ("Hôm nay trời đẹp quá", "Mua sữa và trứng ngày mai")


async def _reading(chat: Conversation) -> tuple[str, list[str]]:
    """What the user is shown: the summary's "Read in ..." and the final note's lines."""
    chat.send_photo(note_png(VI, font_name="sans", size=40))
    final = await chat.await_reply(lambda m: VI[-1] in m.visible, timeout=180)
    summary = next(m for m in chat.bot_messages() if "Read in" in m.visible)
    read_in = next(row for row in summary.visible.splitlines() if "Read in" in row)
    return read_in, [row for row in final.visible.splitlines() if row in VI]


async def test_a_vietnamese_note_reads_alike_embedded_and_through_the_queue(
    fake_api: FakeBotApi, tmp_path: Path, pg_url: str, redis_url: str
) -> None:
    settings = make_settings(fake_api, tmp_path / "embedded", ocr_engine=EngineChoice.AUTO)
    async with running_bot(build_application(settings)):
        embedded = await _reading(Conversation(fake_api, chat_id=9301, language_code="en"))
    assert embedded[0].startswith("📝 Read in Vietnamese") and embedded[1] == list(VI)
    async with cluster(fake_api, tmp_path / "deployed", pg_url, redis_url, OCR_ENGINE="auto"):
        for chat_id in (9302, 9303):
            queued = await _reading(Conversation(fake_api, chat_id=chat_id, language_code="en"))
            assert queued == embedded


async def test_photos_sent_before_any_worker_is_up_read_as_they_would_later(
    fake_api: FakeBotApi, tmp_path: Path, pg_url: str, redis_url: str
) -> None:
    # As in `compose up`: the bot answers before the workers have loaded their engines (both
    # read OCR_ENGINE from the same environment).
    settings = make_settings(
        fake_api,
        tmp_path / "data",
        database_url=pg_url,
        redis_url=redis_url,
        ocr_engine=EngineChoice.AUTO,
    )
    async with running_bot(build_application(settings)):
        chat = Conversation(fake_api, chat_id=9304, language_code="en")
        chat.send_photo(note_png(VI, font_name="sans", size=40))
        await chat.await_reply(timeout=60)  # the status: read when a worker is up
        with ocr_workers(redis_url, tmp_path / "workers", 1, OCR_ENGINE="auto"):
            await chat.await_reply(lambda m: VI[-1] in m.visible, timeout=180)
    summary = next(m for m in chat.bot_messages() if "Read in" in m.visible)
    assert "Read in Vietnamese" in summary.visible
