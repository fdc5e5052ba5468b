"""Persistence: notes (with full-text search), user settings, open review sessions, export.

Import ``open_database`` and use the repositories on the returned ``Database``:
``db.notes``, ``db.users``, ``db.reviews``. Nothing here knows about Telegram.
"""

from bot.storage.db import Database, open_database
from bot.storage.notes import Note, NoteSummary, SearchHit
from bot.storage.search import Snippet
from bot.storage.users import UserSettings

__all__ = [
    "Database",
    "Note",
    "NoteSummary",
    "SearchHit",
    "Snippet",
    "UserSettings",
    "open_database",
]
