"""Servers the tests start: the fake Bot API, and from the project's own set-up
(scripts/install-system-deps.sh) a throwaway PostgreSQL cluster and a throwaway Redis, each on
127.0.0.1 on a free port. A test that needs one fails when it is missing; none skips."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest

from testkit.fake_bot_api import FakeBotApi
from testkit.postgres_server import postgres_server as start_postgres
from testkit.redis_server import redis_server as start_redis
from testkit.settings import TOKEN


@pytest.fixture
def fake_api() -> Iterator[FakeBotApi]:
    """A fake Bot API server on 127.0.0.1, stopped after the test."""
    fake = FakeBotApi(TOKEN).start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A cluster for the session; yields a DSN (without database name) for the superuser."""
    with start_postgres() as dsn:
        yield dsn


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """Start a redis-server of this test's own (no persistence, started in milliseconds);
    yield its URL."""
    with start_redis(tmp_path / "redis") as url:
        yield url


@pytest.fixture
async def pg_url(postgres_server: str) -> AsyncIterator[str]:
    """URL of a new empty database on the test server, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = f"postgresql://{postgres_server}/postgres"
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    yield f"postgresql+asyncpg://{postgres_server}/{name}"
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
