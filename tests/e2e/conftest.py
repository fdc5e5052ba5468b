"""Fixtures for end-to-end tests: the fake Bot API server and the real bot wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_application
from bot.config import EngineChoice, Settings
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import running_bot

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmn"


@pytest.fixture
def fake_api() -> Iterator[FakeBotApi]:
    fake = FakeBotApi(TOKEN).start()
    try:
        yield fake
    finally:
        fake.stop()


def make_settings(fake: FakeBotApi, data_dir: Path, **overrides: Any) -> Settings:
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


@pytest.fixture
def bot_settings(fake_api: FakeBotApi, tmp_path: Path) -> Settings:
    return make_settings(fake_api, tmp_path / "data")


@pytest.fixture
async def bot(bot_settings: Settings) -> AsyncIterator[Any]:
    app = build_application(bot_settings)
    async with running_bot(app):
        yield app
