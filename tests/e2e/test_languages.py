"""Users in Vietnamese, Chinese, English and German: the bot speaks their language from their
first message (Telegram's language_code), reads their first photo in it, and a photo keeps to
at most three messages however many lines need a check."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_application
from bot.config import Settings
from bot.ocr.engines import tesseract_engine
from bot.ocr.model import Page
from bot.ocr.recognizer import Ahead
from bot.ocr.vocabulary import NO_WORDS, Vocabulary
from bot.review.callbacks import ReviewAction, ReviewVerb, unpack
from testkit.buttons import questions
from testkit.drawing import NOTE_LINES, draw_lines, note_png, scribbled_note, to_bytes
from testkit.fake_bot_api import BotMessage, FakeBotApi
from testkit.harness import Conversation, running_bot
from testkit.recognizers import DelegatingRecognizer
from tests.e2e.test_review_flow import _card_moved


@dataclass(frozen=True)
class Speaker:
    language_code: str
    start: str  # in the /start reply
    help: str  # in the /help reply
    command_help: str  # the /help description in the command menu
    read_in: str  # the summary's header
    note: tuple[str, ...]  # a note in the user's script
    found: tuple[str, ...]  # what must be read from it (only the user's language reads it)
    error: str  # the refusal of a text file
    note_heading: str  # the final note's framing
    confirm: str  # the card's Confirm button
    forget_yes: str  # a library button


SPEAKERS = {
    "vi": Speaker(
        "vi",
        start="Gửi cho tôi ảnh chụp ghi chú",
        help="Cách dùng",
        command_help="Cách sử dụng",
        read_in="📝 Đọc bằng Tiếng Việt",
        note=("Hôm nay trời đẹp quá", "Chúng tôi đi học"),
        found=("Hôm nay", "trời", "Chúng tôi", "học"),
        error="Đây không phải ảnh mà tôi đọc được",
        note_heading="📝 Ghi chú của bạn (",
        confirm="✅ Xác nhận",
        forget_yes="🗑 Có, xóa hết",
    ),
    "zh-hans": Speaker(
        "zh-hans",
        start="把笔记拍照发给我",
        help="使用方法",
        command_help="使用说明",
        read_in="📝 按中文识别",
        note=("明天买牛奶和鸡蛋", "完成季度报告"),
        found=("牛奶", "季度报告"),
        error="这不是我能读取的图片",
        note_heading="📝 你的笔记（",  # noqa: RUF001
        confirm="✅ 确认",
        forget_yes="🗑 是的，全部删除",  # noqa: RUF001
    ),
    "en": Speaker(
        "en",
        start="Send me a photo of your notes",
        help="How it works",
        command_help="How to use it",
        read_in="📝 Read in English",
        note=("Buy milk and eggs tomorrow", "Call the dentist at 3 pm"),
        found=("Buy milk and eggs", "dentist"),
        error="This is not an image I can read",
        note_heading="📝 Your note (",
        confirm="✅ Confirm",
        forget_yes="🗑 Yes, delete everything",
    ),
}
# Any language the bot has no catalog for gets English.
SPEAKERS["de"] = SPEAKERS["en"]


def _note_image(speaker: Speaker) -> bytes:
    font = "cjk" if speaker.language_code.startswith("zh") else "sans"
    return to_bytes(draw_lines(list(speaker.note), font_name=font, size=44))


async def _finish_review(chat: Conversation, card: BotMessage) -> None:
    """One tap per line on the card (Confirm, else Drop) until it has no buttons left."""
    for _ in range(12):
        current = chat.fake.bot_message(chat.chat_id, card.message_id)
        assert current is not None
        if not current.buttons:
            return
        actions = {
            action.verb: data
            for row in current.buttons
            for _, data in row
            if data and isinstance(action := unpack(data), ReviewAction)
        }
        data = actions.get(ReviewVerb.CONFIRM) or actions[ReviewVerb.DROP]
        chat._act()
        chat.fake.user_presses(
            chat.chat_id,
            chat.user_id,
            card.message_id,
            data,
            language_code=chat.language_code,
        )
        await _card_moved(chat.fake, chat.chat_id, card.message_id, current.revision)
    raise AssertionError("the review did not end")


@pytest.mark.parametrize("code", ["vi", "zh-hans", "en", "de"])
async def test_the_bot_speaks_the_users_language_and_reads_their_script(
    bot: Any, fake_api: FakeBotApi, code: str
) -> None:
    speaker = SPEAKERS[code]
    chat = Conversation(fake_api, chat_id=7000 + len(code) * 10 + ord(code[0]), language_code=code)

    chat.send_command("start")
    await chat.await_reply(contains=speaker.start)
    chat.send_command("help")
    await chat.await_reply(contains=speaker.help)
    # Telegram shows each user the menu registered for their app's language.
    menu_language = {"vi": "vi", "zh-hans": "zh"}.get(code, "")
    assert ("help", speaker.command_help) in fake_api.commands_for(language_code=menu_language)

    # The first photo, with no command: read in the user's language.
    chat.send_photo(_note_image(speaker))
    summary = await chat.await_reply(contains=speaker.read_in, timeout=90)
    if summary.buttons:  # lines to check: the card follows, in the user's language
        card = await chat.await_reply(lambda m: m.photo is not None, timeout=60)
        assert speaker.confirm in card.button_texts or "🗑" in " ".join(card.button_texts)
        shown = summary.visible + "\n" + card.visible
        await _finish_review(chat, card)
    else:
        shown = summary.visible
    final = await chat.await_reply(contains=speaker.note_heading, timeout=60)
    shown += "\n" + final.visible
    for text in speaker.found:
        assert text in shown, (text, shown)
    assert not questions(final)

    # An error, in the user's language.
    chat.send_document(b"Buy milk\nCall the dentist\n", "notes.txt", "text/plain")
    await chat.await_reply(contains=speaker.error)
    # A library button, in the user's language.
    chat.send_command("forget")
    ask = await chat.await_reply(lambda m: bool(m.buttons))
    assert speaker.forget_yes in ask.button_texts


async def test_interface_language_chosen_in_language_menu_is_remembered(
    bot: Any, fake_api: FakeBotApi
) -> None:
    chat = Conversation(fake_api, chat_id=7301, language_code="en")
    chat.send_command("language")
    menu = await chat.await_reply(contains="Interface: English")
    chat.press("Tiếng Việt", message_id=menu.message_id)
    chosen = await chat.await_reply(contains="Tiếng Việt")
    assert not chosen.buttons, "the answered question keeps no buttons"
    chat.send_command("start")
    await chat.await_reply(contains="Gửi cho tôi ảnh chụp ghi chú")
    # No recognition language was chosen: the notes follow the interface, Vietnamese.
    chat.send_command("language")
    await chat.await_reply(contains="Ghi chú được đọc bằng Tiếng Việt")


class FlaggingRecognizer(DelegatingRecognizer):
    """The real engine's reading, with every line made unsure: a note whose every line needs
    a check, whatever the engine's confidence on a clean drawing."""

    async def recognize(
        self, image: bytes, language: str, *, on_queue: Ahead = None, words: Vocabulary = NO_WORDS
    ) -> Page:
        page = await self.inner.recognize(image, language, on_queue=on_queue, words=words)
        unsure = tuple(replace(line, confidence=0.5) for line in page.lines if line.text)
        return replace(page, lines=unsure)


TEN_LINES = (
    *NOTE_LINES,
    "Water the plants on Friday",
    "Send the invoice to Anna",
    "Book the train tickets",
    "Renew the library card",
)


async def test_ten_lines_to_check_stay_within_three_messages(
    fake_api: FakeBotApi, bot_settings: Settings, tmp_path: Path
) -> None:
    recognizer = FlaggingRecognizer(tesseract_engine(workers=2))
    app = build_application(bot_settings, recognizer=recognizer)
    async with running_bot(app):
        chat = Conversation(fake_api, chat_id=7401)
        photo = chat.send_photo(note_png(TEN_LINES))
        card = await chat.await_reply(lambda m: m.photo is not None, timeout=90)
        assert "10 left" in card.visible, card.visible
        taps = 0
        # The first line is retyped (one tap, then typing), every other line takes one tap.
        chat.press("✏️ Retype / closer photo", message_id=card.message_id)
        taps += 1
        asking = await chat.await_reply(contains="Send the correct text")
        assert asking.message_id == card.message_id
        chat.send_text("Buy oat milk and eggs tomorrow")
        await _card_moved(fake_api, 7401, card.message_id, asking.revision)
        for _ in range(20):
            current = fake_api.bot_message(7401, card.message_id)
            assert current is not None
            if not current.buttons:
                break
            chat.press("✅ Confirm", message_id=card.message_id)
            taps += 1
            await _card_moved(fake_api, 7401, card.message_id, current.revision)
        final = await chat.await_reply(contains="Your note (10 lines)", timeout=30)
    assert taps <= 10, taps
    mine = [m for m in chat.bot_messages() if m.message_id > photo["message_id"]]
    assert len(mine) <= 3, [m.visible[:40] for m in mine]
    assert "Buy oat milk and eggs tomorrow" in final.visible
    assert "Renew the library card" in final.visible
    # Every answered question lost its buttons; the card ends as a tally.
    assert all(not questions(m) for m in mine)
    done = fake_api.bot_message(7401, card.message_id)
    assert done is not None and "All 10 lines checked" in done.visible
    # The card moved from line to line by editing itself, a new crop each time.
    assert fake_api.call_count("editMessageMedia") >= 9


async def test_one_tap_reads_the_same_photo_again_in_another_language(
    bot: Any, fake_api: FakeBotApi
) -> None:
    # An English-speaking user photographs a Vietnamese note: read in English first, where
    # the tone marks are lost and lines are put to the user; one tap reads it in Vietnamese.
    chat = Conversation(fake_api, chat_id=7501, language_code="en")
    photo = chat.send_photo(
        to_bytes(scribbled_note(("Hôm nay trời đẹp quá", "Chúng tôi đi học", "Mẹ nấu cơm")))
    )
    summary = await chat.await_reply(contains="Read in English", timeout=90)
    card = await chat.await_reply(lambda m: m.photo is not None, timeout=60)
    assert "🔁 Read again in Vietnamese" in summary.button_texts
    getfile_before = fake_api.call_count("getFile")
    chat.press("🔁 Read again in Vietnamese", message_id=summary.message_id)
    again = await chat.await_reply(
        lambda m: m.message_id == summary.message_id and "Read in Vietnamese" in m.visible,
        timeout=90,
    )
    assert "Hôm nay" in again.visible or "Chúng tôi" in again.visible, again.visible
    # Same messages, edited in place: still the summary and one card for the photo.
    mine = [m for m in chat.bot_messages() if m.message_id > photo["message_id"]]
    assert [m.message_id for m in mine] == [summary.message_id, card.message_id]
    # The photo was at hand: not downloaded again.
    assert fake_api.call_count("getFile") == getfile_before
    # The new reading's card is live, the old one's buttons are gone with it.
    now = await chat.await_reply(
        lambda m: m.message_id == card.message_id and bool(m.buttons), timeout=60
    )
    assert "Vietnamese" not in " ".join(again.button_texts)
    assert "🔁 Read again in Chinese" in again.button_texts
    await _finish_review(chat, now)
    final = await chat.await_reply(contains="📝 Your note (", timeout=60)
    assert "Hôm nay" in final.visible or "Chúng tôi" in final.visible
    assert all(not questions(m) for m in chat.bot_messages())
