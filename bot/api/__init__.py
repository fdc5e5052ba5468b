"""The HTTP side beside chat: one ASGI app (FastAPI) that serves ``/health`` and, when the
wiring adds them, the Telegram webhook and the REST API.

No Telegram here: the wiring (``bot.app``) mounts the webhook route from ``bot.handlers`` on
the app this module builds.
"""

from __future__ import annotations

from bot.api.server import Intake, WebServer, create_web
from bot.api.v1 import Api, ChatSide

__all__ = ["Api", "ChatSide", "Intake", "WebServer", "create_web"]
