"""How sure the reader must be before a line is accepted without asking: the /threshold words."""

from __future__ import annotations

from collections.abc import Sequence

from bot.ocr.model import STRICTNESS_PRESETS

# Named levels so users need not think in percentages.
PRESETS = STRICTNESS_PRESETS
DEFAULT_STRICTNESS = PRESETS["normal"]

USAGE = (
    "Choose how strict I am: lenient (60), normal (75), strict (90), "
    "or a number from 0 to 100, e.g. /threshold 80."
)


def parse_strictness(args: str | Sequence[str]) -> int:
    """Turn the arguments of /threshold into a 0..100 threshold.

    Accepts a preset name (any case) or a whole number with an optional ``%``.
    Raises ValueError whose text is the sentence to show the user.
    """
    words = args.split() if isinstance(args, str) else [w for a in args for w in a.split()]
    if len(words) != 1:
        raise ValueError(USAGE)
    word = words[0].strip().lower()
    if word in PRESETS:
        return PRESETS[word]
    digits = word.removesuffix("%")
    # isdecimal + ascii: int() would also take "٣", "+5" or "1_0", which no one means here.
    if not (digits.isascii() and digits.isdecimal()) or len(digits) > 3:
        raise ValueError(USAGE)
    value = int(digits)
    if value > 100:
        raise ValueError(USAGE)
    return value


def describe_strictness(value: int) -> str:
    """``"normal (75)"`` for presets, ``"80"`` otherwise: how the current level is shown."""
    for name, preset in PRESETS.items():
        if preset == value:
            return f"{name} ({value})"
    return str(value)
