"""The bot as it ships (OCR_ENGINE=auto, no Aspose license: RapidOCR and Tesseract) reads a
Chinese note and a Vietnamese note in chat, in the language their script shows, with no
command: whatever language the user's Telegram speaks."""

from __future__ import annotations

from pathlib import Path

from bot.app import build_application
from bot.config import EngineChoice
from testkit.drawing import note_png
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import Conversation, running_bot
from testkit.settings import make_settings

ZH = ("今天天气很好", "下周五之前提交报告", "明天买牛奶和鸡蛋")
VI = ("Hôm nay trời đẹp quá", "Mua sữa và trứng ngày mai")


async def test_a_chinese_note_comes_back_whole(fake_api: FakeBotApi, tmp_path: Path) -> None:
    settings = make_settings(fake_api, tmp_path / "data", ocr_engine=EngineChoice.AUTO)
    assert settings.resolved_engine is EngineChoice.RAPID_TESSERACT
    async with running_bot(build_application(settings)):
        # An English-speaking user who never chose a language.
        chat = Conversation(fake_api, chat_id=9101, language_code="en")
        chat.send_photo(note_png(ZH, font_name="wenkai", size=40))
        final = await chat.await_reply(
            lambda m: all(line in m.visible for line in ZH), timeout=120
        )
        # Nothing was left to check: the note is final, with no buttons asking about lines.
        assert not any("Confirm" in t for t in final.button_texts)
        rows = final.visible.splitlines()
        assert all(line in rows for line in ZH) and "前提交报告" not in rows


async def test_a_vietnamese_note_keeps_its_tone_marks(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    settings = make_settings(fake_api, tmp_path / "data", ocr_engine=EngineChoice.AUTO)
    async with running_bot(build_application(settings)):
        chat = Conversation(fake_api, chat_id=9102, language_code="de")
        chat.send_photo(note_png(VI, font_name="sans", size=40))
        # RapidOCR would write "Hom nay trdi dep qua": the text shown is Tesseract's.
        for line in VI:
            await chat.await_reply(contains=line, timeout=120)
