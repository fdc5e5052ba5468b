"""Fixtures: every storage test runs against a real SQLite file and a real PostgreSQL server.

The PostgreSQL server (tests/conftest.py) is a throwaway cluster; each test gets its own
database.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest

from bot.storage import Database, open_database


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """URL of an empty database (a new file, or a new database on the test server)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/data/notes.sqlite3"
        return
    server = request.getfixturevalue("postgres_server")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = f"postgresql://{server}/postgres"
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    yield f"postgresql+asyncpg://{server}/{name}"
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = await open_database(db_url)
    try:
        yield database
    finally:
        await database.close()
