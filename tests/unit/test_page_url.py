"""Where the 📝 Review the whole page button points: the page beside the webhook, or at
WEB_APP_URL with long polling (where API_PORT serves it); never an address Telegram refuses."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import Settings


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, telegram_bot_token="1:x", **values)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("values", "page"),
    [
        ({"webhook_url": "https://bot.example.com/telegram"}, "https://bot.example.com/app/"),
        ({"webhook_url": "https://example.com/notes/telegram"}, "https://example.com/notes/app/"),
        ({"web_app_url": "https://bot.example.com", "api_port": 8080},
         "https://bot.example.com/app/"),
        ({"web_app_url": "https://pages.example/", "webhook_url": "https://bot.example/telegram"},
         "https://pages.example/app/"),
        # Nothing serves the page in polling mode without API_PORT.
        ({"web_app_url": "https://bot.example.com"}, None),
        # Telegram opens only HTTPS pages.
        ({"webhook_url": "http://bot.example.com/telegram"}, None),
        ({"web_app_url": "http://localhost:8080", "api_port": 8080}, None),
        ({}, None),
    ],
)  # fmt: skip
def test_page_url(values: dict[str, Any], page: str | None) -> None:
    assert _settings(**values).page_url == page
