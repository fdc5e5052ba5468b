"""The words the user reads: message catalogs (gettext, kept as Babel ``.po`` files under
``locales/``), the interface languages, and which language a Telegram user gets.

Nothing is loaded at import time: ``load_catalogs()`` is called once by ``build_application``
and the resulting :class:`Catalogs` lives in the handlers' services. A handler looks the user's
:class:`Translator` up once per update and passes it down; there is no "current language".
"""

from __future__ import annotations

from bot.i18n.catalog import Catalogs, Translator, load_catalogs
from bot.i18n.choose import (
    DEFAULT_UI,
    UI_LANGUAGES,
    alternatives_for,
    chosen_recognition,
    recognition_default,
    ui_language,
)
from bot.message_keys import N_

__all__ = [
    "DEFAULT_UI",
    "N_",
    "UI_LANGUAGES",
    "Catalogs",
    "Translator",
    "alternatives_for",
    "chosen_recognition",
    "load_catalogs",
    "recognition_default",
    "ui_language",
]
