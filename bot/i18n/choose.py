"""Which interface language a user sees, and which recognition language follows from it.

Plain functions of codes, so the rules are tested without Telegram. This is also the seam for
choosing the recognition language from the photo itself (the script a multilingual reader sees,
issue 9): :func:`recognition_default` is the one place that decides what "not chosen yet" means.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

# The interface languages, in the order /language offers them.
UI_LANGUAGES: tuple[str, ...] = ("en", "zh", "vi")
DEFAULT_UI = "en"

# The recognition language "whatever the photo is written in" (bot.ocr.languages.AUTO).
AUTO = "auto"
# An interface language that implies how its users write their notes.
_RECOGNITION_FOR_UI = {"zh": "zh", "vi": "vi"}


def ui_language(code: str | None) -> str:
    """Telegram's ``language_code`` (IETF tag: ``vi``, ``zh-hans``, ``zh-TW``, ``en-US``...) or a
    stored choice, as one of :data:`UI_LANGUAGES`; anything else is English."""
    primary = (code or "").strip().lower().replace("_", "-").split("-", 1)[0]
    return primary if primary in UI_LANGUAGES else DEFAULT_UI


def recognition_default(
    ui: str, server_default: str, available: Callable[[], Sequence[str]]
) -> str:
    """The recognition language of a user who has not chosen one: where the engine tells a
    page's language from its script ("auto" is available), that, reading Latin script in
    their interface language's (vi -> Vietnamese) or the server's; else their interface
    language's (vi -> Vietnamese, zh -> Chinese) when this server can read it, else the
    server's. ``available`` is asked once (it may look at the disk)."""
    codes = available()
    implied = _RECOGNITION_FOR_UI.get(ui)
    if AUTO in codes:
        return f"{AUTO}:{implied if implied == 'vi' else server_default}"
    if implied is not None and implied in codes:
        return implied
    return server_default


def chosen_recognition(chosen: str, ui: str, server_default: str) -> str:
    """A stored choice as the code to read with: "auto" reads Latin script as
    :func:`recognition_default` does."""
    if chosen != AUTO:
        return chosen
    implied = _RECOGNITION_FOR_UI.get(ui)
    return f"{AUTO}:{implied if implied == 'vi' else server_default}"


def alternatives_for(
    current: str, ui: str, server_default: str, available: Sequence[str], *, limit: int = 2
) -> list[str]:
    """Other likely languages to read a photo again in, most likely first: the user's own,
    the server's default, English, then the two languages this bot's users write most."""
    likely = [_RECOGNITION_FOR_UI.get(ui, ""), server_default, "en", "vi", "zh"]
    out: list[str] = []
    for code in likely:
        if code and code != current and code in available and code not in out:
            out.append(code)
    return out[:limit]
