"""The alembic revision builds the same schema as open_database, and the two cooperate."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.storage import open_database
from bot.storage.db import run_migrations
from bot.storage.schema import SCHEMA_REVISION, metadata


def _diff(connection: Connection) -> list[Any]:
    def include(name: str | None, type_: str, _parent: object) -> bool:
        # Search structures are raw DDL on purpose; alembic_version is alembic's own.
        raw = ("notes_fts", "alembic_version", "search_vector", "ix_notes_search_vector")
        return not (name or "").startswith(raw)

    ctx = MigrationContext.configure(connection, opts={"include_name": include})
    return list(compare_metadata(ctx, metadata))


async def test_migrated_database_matches_the_tables_and_works(db_url: str) -> None:
    await asyncio.to_thread(run_migrations, db_url)
    db = await open_database(db_url)
    try:
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            version = await conn.execute(text("SELECT version_num FROM alembic_version"))
            assert version.scalars().all() == [SCHEMA_REVISION]
        note_id = await db.notes.add_note(
            1,
            text="Họp lúc 3 giờ\n准备季度报告",
            language="vi",
            engine="tesseract",
            file_ids=[],
            lines=[],
            idempotency_key="k",
        )
        assert [h.note_id for h in await db.notes.search(1, "hop")] == [note_id]
        assert [h.note_id for h in await db.notes.search(1, "季度")] == [note_id]
    finally:
        await db.close()


async def test_database_made_by_the_bot_is_already_at_the_latest_revision(db_url: str) -> None:
    db = await open_database(db_url)
    await db.close()
    # Would fail with "table already exists" if the fresh database were not stamped.
    await asyncio.to_thread(run_migrations, db_url)
    db = await open_database(db_url)
    try:
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await db.close()


async def test_a_database_of_the_previous_release_is_upgraded_when_the_bot_opens_it(
    db_url: str,
) -> None:
    await asyncio.to_thread(run_migrations, db_url, "0001")
    db = await open_database(db_url)
    try:
        await db.users.set_interface(1, "vi")
        assert (await db.users.get_settings(1)).interface == "vi"
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            version = await conn.execute(text("SELECT version_num FROM alembic_version"))
            assert version.scalars().all() == [SCHEMA_REVISION]
    finally:
        await db.close()
