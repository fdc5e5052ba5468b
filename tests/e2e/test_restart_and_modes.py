"""What a user sees across a bot restart, in webhook mode, and after choosing another language.

Each test builds its own Application(s) from ``bot_settings`` (not the ``bot`` fixture), because
the point is what survives a new Application, or how the bot is run.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import Any

from bot.app import build_application
from bot.config import Settings
from testkit.buttons import questions
from testkit.drawing import draw_lines, note_png, to_bytes
from testkit.fake_bot_api import BotMessage, FakeBotApi
from testkit.harness import Conversation, free_port, running_bot, running_webhook_bot
from tests.e2e.test_review_flow import CLEAN, _card_moved, _mixed_note

VIETNAMESE = ("Hôm nay trời đẹp quá", "Chúng tôi đi học")


def _settle_button(chat: Conversation, fake: FakeBotApi, msg: BotMessage) -> str:
    """Press Confirm on the card's line (Drop when it has nothing to confirm)."""
    current = fake.bot_message(chat.chat_id, msg.message_id)
    assert current is not None
    label = "✅ Confirm" if "✅ Confirm" in current.button_texts else "🗑 Drop"
    return chat.press(label, message_id=msg.message_id)


def _shown_line(msg: BotMessage) -> str:
    """The line text the review card shows under its title."""
    rows = [r for r in msg.visible.splitlines()[1:] if r.strip()]
    return rows[0] if rows else ""


async def test_review_buttons_work_after_restart_and_nothing_confirmed_is_lost(
    fake_api: FakeBotApi, bot_settings: Settings
) -> None:
    chat = Conversation(fake_api, chat_id=2001)
    async with running_bot(build_application(bot_settings)):
        # Strict checking flags the clean lines too, so one can be confirmed before the restart
        # and the rest after it.
        chat.send_command("strictness", "100")
        await chat.await_reply(contains="Strictness set")
        chat.send_photo(_mixed_note())
        card = await chat.await_reply(lambda m: m.photo is not None, contains="left", timeout=60)
        assert "✅ Confirm" in card.button_texts and _shown_line(card), card.visible
        assert "4 left" in card.visible, card.visible
        kept = _shown_line(card)
        chat.press("✅ Confirm", message_id=card.message_id)
        await _card_moved(fake_api, 2001, card.message_id, card.revision)
    # The old Application is gone (its stop() waited for the press to be handled and saved);
    # the new one has none of the photos in memory: the card's crops come from their file_id.
    async with running_bot(build_application(bot_settings)):
        for _ in range(3):
            current = fake_api.bot_message(2001, card.message_id)
            assert current is not None and current.buttons, current
            query = _settle_button(chat, fake_api, current)
            answer = await chat.await_callback_answer(query)
            assert "out of date" not in (answer.text or "")
            await _card_moved(fake_api, 2001, card.message_id, current.revision)
        final = await chat.await_reply(
            lambda m: "Read chapter five again" in m.visible and "Call the dentist" in m.visible,
            timeout=30,
        )
        assert kept in final.visible, "a line confirmed before the restart must stay in the note"
        for msg in chat.bot_messages():
            assert not questions(msg)


def _post_update(url: str, update: dict[str, Any], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(
        url, data=json.dumps(update).encode(), headers=headers, method="POST"
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


async def test_webhook_mode_serves_users_and_refuses_forged_posts(
    fake_api: FakeBotApi, bot_settings: Settings
) -> None:
    port, secret = free_port(), "s3cret-Token_for-tests"
    app = build_application(bot_settings)
    async with running_webhook_bot(app, fake_api, port, secret):
        chat = Conversation(fake_api, chat_id=2101)
        chat.send_command("start")
        await chat.await_reply(contains="Send me a photo")
        chat.send_photo(note_png(CLEAN))
        await chat.await_reply(
            lambda m: (
                "Buy milk and eggs tomorrow" in m.visible
                and "Read chapter five again" in m.visible
                and not questions(m)
            ),
            timeout=60,
        )
        # Someone who knows the URL but not the secret posts a /help in the user's chat.
        forged = {
            "update_id": 999_001,
            "message": {
                "message_id": 9001,
                "date": 0,
                "chat": {"id": 2101, "type": "private", "first_name": "Tester"},
                "from": {"id": 2101, "is_bot": False, "first_name": "Tester"},
                "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
        url = fake_api.webhook_url
        assert url is not None
        assert await asyncio.to_thread(_post_update, url, forged, "wrong-secret") == 403
        assert await asyncio.to_thread(_post_update, url, forged, None) == 403
        # A real message after the forged ones is answered, and the forged /help never was.
        chat.send_command("strictness")
        await chat.await_reply(contains="Strictness is")
        assert not any("How it works" in m.visible for m in chat.bot_messages())
        assert all(d.status == 200 for d in fake_api.webhook_deliveries)


async def test_language_change_changes_what_is_read(
    fake_api: FakeBotApi, bot_settings: Settings
) -> None:
    chat = Conversation(fake_api, chat_id=2201)
    async with running_bot(build_application(bot_settings)):
        chat.send_command("language")
        menu = await chat.await_reply(contains="Your notes are read in English")
        offered = menu.button_texts
        # The interface languages first, then the recognition languages whose Tesseract data
        # is installed here.
        assert offered[:3] == ["• English", "简体中文", "Tiếng Việt"]
        assert "Vietnamese" in offered and "German" in offered
        assert not any("Spanish" in t or "Japanese" in t for t in offered)
        chat.send_command("language", "es")
        await chat.await_reply(contains="not available")
        chat.send_command("language", "vi")
        await chat.await_reply(contains="Your notes will be read in Vietnamese")
        chat.send_photo(to_bytes(draw_lines(list(VIETNAMESE), font_name="sans", size=44)))
        summary = await chat.await_reply(contains="Read in Vietnamese", timeout=60)
        # Lines to check come on the card after the summary.
        if "to check" in summary.visible:
            await chat.await_reply(lambda m: m.photo is not None, timeout=30)
        shown = "\n".join(
            m.visible for m in chat.bot_messages() if m.message_id >= summary.message_id
        )
        # The diacritics come through (an English reading drops or mangles them).
        assert "Hôm nay" in shown and "trời" in shown
        assert "Chúng tôi" in shown and "học" in shown
