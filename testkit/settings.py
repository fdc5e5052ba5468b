"""Settings of a bot under test: wired to a fake Bot API, data in a directory of the caller's.

The token is a made-up one of Telegram's shape; tests check that it never reaches a log line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.config import EngineChoice, Settings
from testkit.fake_bot_api import FakeBotApi

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmn"


def make_settings(fake: FakeBotApi, data_dir: Path, **overrides: Any) -> Settings:
    """Tesseract with two workers, no .env read; ``overrides`` are Settings fields."""
    values: dict[str, Any] = {
        "telegram_bot_token": TOKEN,
        "telegram_api_base_url": fake.base_url,
        "telegram_file_base_url": fake.base_file_url,
        "ocr_engine": EngineChoice.TESSERACT,
        "ocr_workers": 2,
        "data_dir": data_dir,
        "aspose_models_dir": data_dir / "aspose-models",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def aspose_settings(fake: FakeBotApi, data_dir: Path, *, timeout: float = 180) -> Settings:
    """The real Aspose pool with one worker (trial mode, offline: no Chinese model)."""
    return make_settings(
        fake, data_dir, ocr_engine=EngineChoice.ASPOSE, ocr_workers=1, ocr_timeout_seconds=timeout
    )
