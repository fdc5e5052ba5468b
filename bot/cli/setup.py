"""What every command starts with: the settings (one sentence when they are bad), the token's
shape, and logging that never shows the token."""

from __future__ import annotations

import logging
import re

from pydantic import ValidationError

from bot.config import Settings
from bot.errors import ConfigError

_TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment and .env; ConfigError with one sentence if bad."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]).upper()
        raise ConfigError(f"setting {field} is invalid: {first['msg']}") from None


def check_token(settings: Settings) -> None:
    token = settings.telegram_bot_token.get_secret_value()
    if not token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set (put it in the environment or .env)")
    if not _TOKEN_RE.match(token):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is malformed (expected 123456:ABC... from @BotFather)"
        )


def setup_logging(level: str) -> None:
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level.upper()
    )
    # httpx logs every request URL, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
