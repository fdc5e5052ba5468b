"""What tests ask of a bot message's buttons."""

from __future__ import annotations

from testkit.fake_bot_api import BotMessage

# ✏️ Fix a line (callback data "n1:fx:<note id>") stays under a saved note for good: it asks
# nothing, so a finished review still counts as having no live buttons.
FIX_PREFIX = "n1:fx:"


def questions(msg: BotMessage) -> list[tuple[str, str | None]]:
    """The buttons on ``msg`` that still ask something: every button but ✏️ Fix a line."""
    return [
        (text, data)
        for row in msg.buttons
        for text, data in row
        if not (data or "").startswith(FIX_PREFIX)
    ]
