"""Two fixes of one saved note, each on its own bot instance (tests/support/cluster.py: two
instances behind a balancer that feeds them in turn, one PostgreSQL): both are kept."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from bot.storage import open_database
from testkit.cluster import cluster, stored_notes
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import Conversation
from tests.e2e.test_edit_in_place import card_after
from tests.e2e.test_fix_saved_note import fix_card, open_from_notes, pressed

USER = 16201
LINES = ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm", "Read chapter five again")


async def test_two_fixes_done_at_two_instances_at_once_are_both_kept(
    fake_api: FakeBotApi, tmp_path: Path, pg_url: str, redis_url: str
) -> None:
    db = await open_database(pg_url)
    try:  # a saved note, without reading a photo
        await db.notes.add_note(
            USER,
            text="\n".join(LINES),
            language="en",
            engine="tesseract",
            file_ids=[],
            lines=[],
            idempotency_key="seeded",
        )
    finally:
        await db.close()
    async with cluster(fake_api, tmp_path, pg_url, redis_url) as running:
        chat = Conversation(fake_api, chat_id=USER)
        note = await open_from_notes(chat)
        # One device fixes line 1, the other line 2; each card was opened before either is done.
        first = await fix_card(chat, note)
        await _reviews_saved(pg_url, 1)
        chat.send_text("Buy oat milk and eggs tomorrow")
        await card_after(chat, "Line 1 replaced.")
        second = await fix_card(chat, note)
        await _reviews_saved(pg_url, 2)
        await pressed(chat, "✅ Confirm", second)
        await card_after(chat, "line 2 of 3")
        chat.send_text("Call the doctor at 3 pm")
        await card_after(chat, "Line 2 replaced.")
        sent_before = len(running.balancer.sent)
        # Done on both at once: the balancer hands the two taps to the two instances.
        for card in (first, second):
            fake_api.user_presses(USER, USER, card.message_id, _done(card.message_id, fake_api))

        def saved() -> bool:
            cards = [fake_api.bot_message(USER, c.message_id) for c in (first, second)]
            return all(c is not None and "Note saved" in c.visible for c in cards)

        await fake_api.wait_for(saved, timeout=30)
        taps = running.balancer.sent[sent_before : sent_before + 2]
        assert len({target for target, _ in taps}) == 2, taps
        [text] = await stored_notes(pg_url, USER)
        assert text.splitlines() == [
            "Buy oat milk and eggs tomorrow",
            "Call the doctor at 3 pm",
            LINES[2],
        ]
        for card in (first, second):
            shown = fake_api.bot_message(USER, card.message_id)
            assert shown is not None and "changed elsewhere" not in shown.visible


async def _reviews_saved(pg_url: str, count: int) -> None:
    """The card is sent, then its review saved: a human pastes seconds later, the test must
    wait for the save, or its text may reach the other instance before the review does."""
    db = await open_database(pg_url)
    try:
        for _ in range(200):
            async with db.engine.connect() as conn:
                rows = await conn.execute(
                    text("SELECT count(*) FROM review_sessions WHERE user_id = :u"), {"u": USER}
                )
                if rows.scalar_one() >= count:
                    return
            await asyncio.sleep(0.05)
    finally:
        await db.close()
    raise AssertionError(f"{count} fix reviews were never saved")


def _done(message_id: int, fake: FakeBotApi) -> str:
    msg = fake.bot_message(USER, message_id)
    assert msg is not None
    return next(d for row in msg.buttons for t, d in row if t == "✔️ Done" and d)
