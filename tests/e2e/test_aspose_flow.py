"""The photo flow on the real Aspose engine (spawned worker pool, one worker, no license here).

Trial mode cuts the text short; the user must be told so, and no drawn line may vanish: each one
is either in the text the bot is sure of or shown as a line to check. Never skipped.
"""

from __future__ import annotations

from pathlib import Path

from bot.app import build_application
from testkit.buttons import questions
from testkit.drawing import note_png
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import Conversation, running_bot
from testkit.settings import aspose_settings
from tests.e2e.test_review_flow import CLEAN, _card, _card_moved


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
        menu = await chat.await_reply(contains="Your notes are read in")
        languages = menu.button_texts[3:]  # after the interface languages
        assert "• English" in languages and "Vietnamese" in languages
        assert not any("Chinese" in t or "Russian" in t for t in languages)

        chat.send_photo(note_png(CLEAN))
        summary = await chat.await_reply(contains="Read in English", timeout=180)
        assert "aspose" in summary.visible
        await chat.await_reply(contains="without a license", timeout=30)

        # Every drawn line is accounted for: in the sure text, or as a line to check (which
        # may hold the cut-short text or nothing at all, but it is there to be looked at).
        pending = "to check" in summary.visible
        flagged: list[str] = []  # each line the card showed, as the card showed it
        kept: list[str] = []
        if pending:
            # The card comes after the summary: one line at a time, edited in place.
            await chat.await_reply(lambda m: m.photo is not None, timeout=30)
            card = _card(chat)
            assert card is not None
            for _ in range(len(CLEAN) + 2):
                current = fake_api.bot_message(4001, card.message_id)
                assert current is not None
                if not current.buttons:
                    break
                shown = [r for r in current.visible.splitlines()[1:] if r.strip()]
                flagged.append(current.visible)
                if "✅ Confirm" in current.button_texts:
                    kept += shown[:1]
                    chat.press("✅ Confirm", message_id=card.message_id)
                else:
                    chat.press("🗑 Drop", message_id=card.message_id)
                await _card_moved(fake_api, 4001, card.message_id, current.revision)
            done = fake_api.bot_message(4001, card.message_id)
            assert done is not None and "checked" in done.visible and not questions(done)
        sure_rows = [
            r for r in summary.visible.splitlines()[1:] if r.strip() and "license" not in r
        ]
        found = 0
        for drawn in CLEAN:
            want = _words(drawn)
            if any(len(want & _words(r)) * 2 > len(want) for r in sure_rows):
                found += 1
        assert found + len(flagged) >= len(CLEAN), (summary.visible, flagged)
        assert len(sure_rows) - found <= 1  # at most the "lines to check" counter besides the text
        final = await chat.await_reply(
            lambda m: (
                m.message_id > summary.message_id
                and "Buy milk" in m.visible
                and "Read in" not in m.visible
                and not questions(m)
                and m.photo is None
            ),
            timeout=30,
        )
        # The final note is the sure text plus what the user confirmed, nothing lost.
        for text in kept:
            assert text in final.visible
