"""Per-user settings: the OCR language, the confidence threshold and the interface language
(None = the bot's default, or for the interface: Telegram's language_code)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.rows import first_row
from bot.storage.schema import user_settings


@dataclass(frozen=True, slots=True)
class UserSettings:
    """What the user chose; None means "use the bot's default"."""

    language: str | None = None
    threshold: int | None = None
    interface: str | None = None


def upsert(
    engine_dialect: str, table: Table, key: str, values: dict[str, Any], *, same_user: bool = False
) -> Any:
    """INSERT .. ON CONFLICT (key) DO UPDATE, in the dialect's own syntax.

    ``same_user``: only overwrite an existing row that belongs to the same user_id.
    """
    ins = (sqlite.insert if engine_dialect == "sqlite" else postgresql.insert)(table)
    stmt = ins.values(**values)
    update = {name: stmt.excluded[name] for name in values if name != key}
    where = table.c.user_id == stmt.excluded.user_id if same_user else None
    return stmt.on_conflict_do_update(index_elements=[key], set_=update, where=where)


# Settings of this many users are kept in memory (a few dozen bytes each).
CACHED_USERS = 10_000


class UsersRepo:
    """Settings are read on every update (the user's language), written rarely: reads are
    served from memory once a user's row was seen. This assumes one bot process owns the
    database, as it does (one poller or one webhook); every write goes through here, and
    forgetting a user drops their entry (``drop_cached``)."""

    def __init__(self, engine: AsyncEngine, *, cache: bool = True) -> None:
        self._engine = engine
        # Off when several instances share the database: another one may have changed them.
        self._caching = cache
        self._cache: OrderedDict[int, UserSettings] = OrderedDict()

    def drop_cached(self, user_id: int) -> None:
        self._cache.pop(user_id, None)

    def _remember(self, user_id: int, settings: UserSettings) -> None:
        self._cache[user_id] = settings
        self._cache.move_to_end(user_id)
        while len(self._cache) > CACHED_USERS:
            self._cache.popitem(last=False)

    async def get_settings(self, user_id: int) -> UserSettings:
        cached = self._cache.get(user_id)
        if cached is not None:
            return cached
        found = await self._read(user_id)
        if self._caching:
            self._remember(user_id, found)
        return found

    async def _read(self, user_id: int) -> UserSettings:
        columns = (user_settings.c.language, user_settings.c.threshold, user_settings.c.interface)
        row = await first_row(
            self._engine, select(*columns).where(user_settings.c.user_id == user_id)
        )
        if row is None:
            return UserSettings()
        return UserSettings(
            language=row.language, threshold=row.threshold, interface=row.interface
        )

    async def set_language(self, user_id: int, code: str | None) -> None:
        await self._set(user_id, language=code)

    async def set_interface(self, user_id: int, code: str | None) -> None:
        await self._set(user_id, interface=code)

    async def set_threshold(self, user_id: int, value: int | None) -> None:
        if value is not None and not 0 <= value <= 100:
            raise ValueError("threshold must be between 0 and 100")
        await self._set(user_id, threshold=value)

    async def _set(self, user_id: int, **values: Any) -> None:
        row = {"user_id": user_id, "updated_at": datetime.now(UTC), **values}
        # Dropped first: a read racing this write must not keep the old settings.
        self.drop_cached(user_id)
        async with self._engine.begin() as conn:
            await conn.execute(upsert(self._engine.dialect.name, user_settings, "user_id", row))
        self.drop_cached(user_id)
