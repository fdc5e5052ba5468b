"""The words a user's corrections taught reach the reader in every deployment (issue 18 part
2): embedded (the engine in the bot's threads) and deployed (webhook instances, Redis, ``bot
worker`` processes: the words go with the job). A name corrected once reads alike in both."""

from __future__ import annotations

from pathlib import Path

from bot.app import build_application
from bot.config import EngineChoice
from testkit.cluster import cluster
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import Conversation, running_bot
from testkit.settings import make_settings
from testkit.teaching import NEXT, correct_the_name, next_note


async def _taught_then_read(alice: Conversation, bob: Conversation) -> list[str]:
    """Alice corrects the name once; her next note is saved as read, with nothing to check;
    Bob's same note is put to him. Alice's note as saved."""
    await correct_the_name(alice)
    shown, card = await next_note(alice)
    assert card is None, shown.visible
    _, bobs = await next_note(bob)
    assert bobs is not None
    return shown.visible.splitlines()[1:]


async def test_a_corrected_name_reads_alike_embedded_and_through_the_queue(
    fake_api: FakeBotApi, tmp_path: Path, pg_url: str, redis_url: str
) -> None:
    settings = make_settings(fake_api, tmp_path / "embedded", ocr_engine=EngineChoice.AUTO)
    async with running_bot(build_application(settings)):
        embedded = await _taught_then_read(
            Conversation(fake_api, chat_id=18301, language_code="en"),
            Conversation(fake_api, chat_id=18302, language_code="en"),
        )
    assert embedded == list(NEXT)
    async with cluster(fake_api, tmp_path / "deployed", pg_url, redis_url, OCR_ENGINE="auto"):
        queued = await _taught_then_read(
            Conversation(fake_api, chat_id=18303, language_code="en"),
            Conversation(fake_api, chat_id=18304, language_code="en"),
        )
    assert queued == embedded
