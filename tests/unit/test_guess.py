"""The automatic recognition language: what the script on the page shows."""

from __future__ import annotations

from bot.i18n.choose import chosen_recognition, recognition_default
from bot.ocr.decide.guess import guess_language, text_language
from bot.ocr.languages import AUTO, resolve


def test_han_characters_mean_chinese() -> None:
    assert guess_language("今天天气很好\n3 pm 牙医", "en") == "zh"
    # One stray character on an English page is a misread, not Chinese.
    assert guess_language("Buy milk and eggs tomorrow 口", "en") == "en"


def test_vietnamese_even_where_the_reader_dropped_the_tone_marks() -> None:
    # What RapidOCR writes for "Hôm nay trời đẹp quá / Mua sữa và trứng ngày mai".
    assert guess_language("Hôm nay tri đp quá\nMua sa và trng ngày mai", "en") == "vi"
    assert guess_language("Đọc lại chương năm", "en") == "vi"


def test_latin_script_is_read_in_the_users_language() -> None:
    assert guess_language("Buy milk and eggs tomorrow\nPay rent before the 1st", "en") == "en"
    assert guess_language("Milch und Eier kaufen", "de") == "de"
    assert guess_language("Mua sa và trng", "vi") == "vi"


def test_auto_codes() -> None:
    assert resolve("auto").code == AUTO.code
    assert resolve("auto:vi").latin == "vi"
    assert text_language("auto:en", "会议记录") == "zh"
    assert text_language("de", "会议记录") == "de"


def test_users_get_auto_where_the_engine_tells_languages_apart() -> None:
    with_auto = ["auto", "en", "vi", "zh"]
    assert recognition_default("vi", "en", lambda: with_auto) == "auto:vi"
    assert recognition_default("zh", "en", lambda: with_auto) == "auto:en"
    assert recognition_default("zh", "en", lambda: ["en", "vi", "zh"]) == "zh"
    assert chosen_recognition("auto", "vi", "en") == "auto:vi"
    assert chosen_recognition("de", "vi", "en") == "de"
