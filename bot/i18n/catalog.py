"""Loading the message catalogs and rendering one message.

Keys, not English sentences, are the msgids (``start``, ``error-timeout``...): the English text
lives in ``locales/en`` like the others, so every sentence a user reads is in a catalog, and a
missing one is a failing test (tests/unit/test_catalogs.py) rather than silent English.

The ``.po`` files are the source; they are compiled in memory when the bot starts (Babel's
``read_po``/``write_mo``: a few milliseconds), so there is no ``.mo`` to forget to rebuild.
Placeholders are ``str.format`` fields (``{count}``); plural forms come from the catalog's
``Plural-Forms`` header through gettext's ``ngettext`` (Chinese and Vietnamese have one form,
English two).
"""

from __future__ import annotations

import functools
import gettext
import io
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.i18n.choose import AUTO, DEFAULT_UI, UI_LANGUAGES, ui_language
from bot.message_keys import N_

if TYPE_CHECKING:  # bot.errors marks its keys with bot.message_keys: no import cycle at run time
    from bot.errors import BotError, Param

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).with_name("locales")
DOMAIN = "messages"


class _SafeDict(dict[str, object]):
    """A placeholder the translation has but the caller did not pass shows as itself, rather
    than failing a reply (the catalog test catches the mismatch before it ships)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class Translator:
    """One interface language: ``t("key", name=value)`` and ``t.plural("key", n)``."""

    language: str
    _translations: gettext.NullTranslations

    def __call__(self, key: str, /, **params: object) -> str:
        return self._format(self._translations.gettext(key), params)

    def plural(self, key: str, count: int, /, **params: object) -> str:
        """The sentence for ``count`` things, in the plural form the language uses;
        ``{count}`` is available to it."""
        text = self._translations.ngettext(key, key, count)
        return self._format(text, {"count": count, **params})

    def error(self, exc: BotError) -> str:
        """The sentence for a :class:`BotError`, with its params filled in."""
        return self(exc.key, **self._shown(exc.params))

    def language_name(self, code: str) -> str:
        """A recognition language's name in this interface language ("Vietnamese",
        "越南语", "Tiếng Việt"), from CLDR; the code itself if CLDR has no name. "auto"
        (the language the photo's script shows) has a name of its own."""
        if code.partition(":")[0] == AUTO:
            return self(N_("language-auto"))
        name = _language_names(self.language).get(code.split("_", 1)[0].split("-", 1)[0])
        return name[:1].upper() + name[1:] if name else code

    def _shown(self, params: Mapping[str, Param]) -> dict[str, object]:
        return {k: self.language_name(str(v)) if k == "language" else v for k, v in params.items()}

    @staticmethod
    def _format(text: str, params: Mapping[str, object]) -> str:
        if not params:
            return text
        return text.format_map(_SafeDict(params))


@functools.lru_cache(maxsize=8)
def _language_names(ui: str) -> Mapping[str, str]:
    return dict(Locale.parse(ui).languages)


class Catalogs:
    """Every interface language's translator, built once at start."""

    def __init__(self, translators: Mapping[str, Translator]) -> None:
        self._translators = dict(translators)

    def get(self, code: str | None) -> Translator:
        """The translator for a stored choice or a Telegram ``language_code``."""
        return self._translators[ui_language(code)]

    @property
    def languages(self) -> list[str]:
        return list(self._translators)


def _compiled(path: Path, locale: str) -> gettext.GNUTranslations:
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def po_path(language: str, root: Path = LOCALES_DIR) -> Path:
    return root / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_catalogs(
    languages: Iterable[str] = UI_LANGUAGES, *, root: Path = LOCALES_DIR
) -> Catalogs:
    """Read and compile every catalog. A key missing in one language falls back to English
    (and the key itself if English lacks it too), so a user never sees a crash for it."""
    english = _compiled(po_path(DEFAULT_UI, root), DEFAULT_UI)
    translators: dict[str, Translator] = {}
    for code in languages:
        translations = english if code == DEFAULT_UI else _compiled(po_path(code, root), code)
        if translations is not english:
            translations.add_fallback(english)
        translators[code] = Translator(code, translations)
        # CLDR's names are loaded now (~20 ms a language), not by a user's first reply.
        _language_names(code)
    return Catalogs(translators)
