"""Fixtures for end-to-end tests: the real bot wired to the fake Bot API (tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_application
from bot.config import Settings
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import running_bot
from testkit.settings import make_settings


@pytest.fixture
def bot_settings(fake_api: FakeBotApi, tmp_path: Path) -> Settings:
    return make_settings(fake_api, tmp_path / "data")


@pytest.fixture
async def bot(bot_settings: Settings) -> AsyncIterator[Any]:
    app = build_application(bot_settings)
    async with running_bot(app):
        yield app
