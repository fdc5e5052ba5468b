"""Per-user settings: the OCR language, the confidence threshold and the interface language
(None = the bot's default, or for the interface: Telegram's language_code)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

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


class UsersRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get_settings(self, user_id: int) -> UserSettings:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(
                        user_settings.c.language,
                        user_settings.c.threshold,
                        user_settings.c.interface,
                    ).where(user_settings.c.user_id == user_id)
                )
            ).first()
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
        async with self._engine.begin() as conn:
            await conn.execute(upsert(self._engine.dialect.name, user_settings, "user_id", row))
