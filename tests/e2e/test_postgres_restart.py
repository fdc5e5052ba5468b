"""PostgreSQL restarting (an upgrade, a crash) while a user's review is open: the bot
reconnects on its own (stale pooled connections are checked before use), the review card
keeps working, and the finished note is stored once."""

from __future__ import annotations

from pathlib import Path

import asyncpg  # type: ignore[import-untyped]

from bot.app import build_application
from testkit.cluster import stored_notes
from testkit.drawing import scribbled_note, to_bytes
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import Conversation, running_bot
from testkit.postgres_server import running_postgres
from testkit.settings import make_settings
from tests.e2e.test_sigterm import CLEAN, card_moved, review_card


async def test_a_review_open_across_a_postgres_restart_finishes_and_is_stored_once(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    with running_postgres() as pg:
        conn = await asyncpg.connect(f"postgresql://{pg.dsn}/postgres")
        await conn.execute('CREATE DATABASE "notes"')
        await conn.close()
        url = f"postgresql+asyncpg://{pg.dsn}/notes"
        app = build_application(make_settings(fake_api, tmp_path / "data", database_url=url))
        async with running_bot(app):
            chat = Conversation(fake_api, chat_id=7951)
            chat.send_photo(to_bytes(scribbled_note(CLEAN)))
            await chat.await_reply(contains="please check", timeout=90)
            card = review_card(chat)
            assert card is not None
            # Restarted mid-review: every pooled connection is now dead.
            pg.stop()
            pg.start()
            for _ in range(10):
                current = fake_api.bot_message(chat.chat_id, card.message_id)
                assert current is not None
                if "✏️ Retype / closer photo" not in current.button_texts:
                    break
                chat.press("✅ Confirm", message_id=card.message_id)
                await card_moved(fake_api, current)
            final = await chat.await_reply(contains="Your note", timeout=30)
            assert "Buy milk and eggs tomorrow" in final.visible
            screen = [m.visible for m in chat.bot_messages()]
            assert not any("went wrong" in text for text in screen), screen
        assert len(await stored_notes(url, 7951)) == 1
