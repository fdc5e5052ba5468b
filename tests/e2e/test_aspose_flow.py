"""The photo flow on the real Aspose engine (spawned worker pool, one worker, no license here).

Trial mode cuts the text short; the user must be told so, and no drawn line may vanish: each one
is either in the text the bot is sure of or shown as a line to check. Never skipped.
"""

from __future__ import annotations

from pathlib import Path

from bot.app import build_application
from tests.e2e.conftest import aspose_settings
from tests.e2e.harness import Conversation, running_bot
from tests.e2e.test_review_flow import CLEAN, _line_messages
from tests.fakes.bot_api import FakeBotApi
from tests.support.drawing import note_png


def _words(text: str) -> set[str]:
    return {w.strip(".,:;!?").lower() for w in text.split() if w.strip(".,:;!?")}


async def test_aspose_trial_flow_warns_keeps_every_line_and_finishes(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    settings = aspose_settings(fake_api, tmp_path / "data")
    app = build_application(settings)
    async with running_bot(app):
        chat = Conversation(fake_api, chat_id=4001)
        # Only languages that work offline with this engine are offered.
        chat.send_command("language")
        menu = await chat.await_reply(contains="Current language")
        assert "• English" in menu.button_texts and "Tiếng Việt" in menu.button_texts
        assert not any("中文" in t or "Русский" in t for t in menu.button_texts)

        chat.send_photo(note_png(CLEAN))
        summary = await chat.await_reply(contains="Read in English", timeout=180)
        assert "aspose" in summary.visible
        await chat.await_reply(contains="without a license", timeout=30)

        # Every drawn line is accounted for: in the sure text, or as a line to check (which
        # may hold the cut-short text or nothing at all, but it is there to be looked at).
        pending = "left to check" in summary.visible
        if pending:
            # The line messages come after the summary; the controls message closes them.
            await chat.await_reply(contains="keeps a line as read", timeout=30)
        flagged = _line_messages(chat)
        assert bool(flagged) == pending
        sure_rows = [r for r in summary.visible.splitlines()[1:] if r.strip()]
        found = 0
        for drawn in CLEAN:
            want = _words(drawn)
            if any(len(want & _words(r)) * 2 > len(want) for r in sure_rows):
                found += 1
        assert found + len(flagged) >= len(CLEAN), (summary.visible, [m.visible for m in flagged])
        assert len(sure_rows) - found <= 1  # at most the "lines left" counter besides the text

        kept: list[str] = []
        for msg in flagged:
            current = fake_api.bot_message(4001, msg.message_id)
            assert current is not None
            if "✅ Confirm" in current.button_texts:
                shown = [r for r in current.visible.splitlines()[1:] if r.strip()]
                kept += shown[:1]
                chat.press("✅ Confirm", message_id=msg.message_id)
            else:
                chat.press("🗑 Drop", message_id=msg.message_id)
        if flagged:
            await chat.await_reply(contains="Done: all lines checked", timeout=30)
        last_shown = max(m.message_id for m in [summary, *flagged])
        final = await chat.await_reply(
            lambda m: (
                m.message_id > last_shown
                and "Buy milk" in m.visible
                and "Read in" not in m.visible
                and not m.buttons
            ),
            timeout=30,
        )
        # The final note is the sure text plus what the user confirmed, nothing lost.
        for text in kept:
            assert text in final.visible
