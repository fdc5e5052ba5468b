"""Which interface language a Telegram user gets, and how their notes are read until they
choose."""

from __future__ import annotations

import pickle

import pytest

from bot.errors import ModelMissing, OcrTimeout
from bot.i18n import alternatives_for, load_catalogs, recognition_default, ui_language


@pytest.mark.parametrize(
    ("code", "ui"),
    [
        ("vi", "vi"), ("vi-VN", "vi"), ("zh", "zh"), ("zh-hans", "zh"), ("zh-TW", "zh"),
        ("zh_CN", "zh"), ("en", "en"), ("en-GB", "en"), ("de", "en"), ("", "en"), (None, "en"),
    ],
)  # fmt: skip
def test_telegram_language_code_picks_the_interface(code: str | None, ui: str) -> None:
    assert ui_language(code) == ui


def test_notes_follow_the_interface_until_chosen_when_this_server_reads_them() -> None:
    def everything() -> list[str]:
        return ["en", "vi", "zh", "de"]

    assert recognition_default("vi", "en", everything) == "vi"
    assert recognition_default("zh", "en", everything) == "zh"
    assert recognition_default("en", "de", everything) == "de"
    # A server without Chinese (Aspose offline) reads with its default rather than fail.
    assert recognition_default("zh", "en", lambda: ["en", "vi"]) == "en"


def test_read_again_offers_the_likely_other_languages() -> None:
    everything = ["en", "vi", "zh", "de"]
    assert alternatives_for("en", "en", "en", everything) == ["vi", "zh"]
    assert alternatives_for("vi", "vi", "en", everything) == ["en", "zh"]
    assert alternatives_for("en", "vi", "en", everything) == ["vi", "zh"]
    assert alternatives_for("zh", "zh", "en", ["en", "zh"]) == ["en"]


def test_errors_carry_keys_and_survive_the_trip_from_a_worker() -> None:
    error = pickle.loads(pickle.dumps(ModelMissing("aspose-ocr-chinese-v2.ocr", "zh")))
    assert error.key == "error-model-missing"
    assert error.params == {"language": "zh", "model": "aspose-ocr-chinese-v2.ocr"}
    catalogs = load_catalogs()
    assert catalogs.get("vi").error(error).startswith("Máy chủ này hiện chưa đọc được Tiếng Trung")
    assert catalogs.get("zh").error(OcrTimeout(detail="over 60 s")).startswith("识别这张照片")
    assert "over 60 s" in str(OcrTimeout(detail="over 60 s"))
