"""``N_``: marks a message key where it is written but looked up later (class attributes, tables
of keys), so ``pybabel extract -k N_`` and the catalog test find it.

It sits beside bot.errors, below the i18n package (which re-exports it): marking a key must
not load the catalogs' machinery (Babel). It imports nothing."""

from __future__ import annotations


def N_(key: str) -> str:
    """The key itself."""
    return key
