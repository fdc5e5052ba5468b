"""The database handle: one AsyncEngine + session factory, and the repositories built on it.

``open_database(url)`` is the only entry point; it creates missing tables (and the dialect's
full-text index) so a fresh SQLite file or an empty PostgreSQL database just works.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.storage.notes import NotesRepo
from bot.storage.pages import PagesRepo
from bot.storage.reviews import ReviewsRepo
from bot.storage.schema import (
    ALEMBIC_VERSION_DDL,
    POSTGRES_SEARCH_DDL,
    SCHEMA_REVISION,
    SQLITE_SEARCH_DDL,
    metadata,
)
from bot.storage.tokens import TokensRepo
from bot.storage.users import UsersRepo
from bot.storage.words import WordsRepo

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class Database:
    """Holds the engine and exposes ``notes``, ``users``, ``reviews``, ``tokens`` and ``words``
    repositories."""

    def __init__(self, engine: AsyncEngine, *, cache_settings: bool = True) -> None:
        self.engine = engine
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            engine, expire_on_commit=False
        )
        self.dialect: str = engine.dialect.name
        # cache_settings: one process owns the database (no REDIS_URL), so what it wrote or
        # read may be answered from memory (every write goes through these repositories).
        self.users = UsersRepo(engine, cache=cache_settings)
        self.reviews = ReviewsRepo(engine, cache=cache_settings)
        self.tokens = TokensRepo(engine, cache=cache_settings)
        self.notes = NotesRepo(engine, self.dialect, on_forget=self._forgotten)
        self.pages = PagesRepo(engine)
        self.words = WordsRepo(engine)

    def _forgotten(self, user_id: int) -> None:
        for repo in (self.users, self.reviews, self.tokens):
            repo.drop_cached(user_id)

    async def close(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (list/search) run while a note is being written; foreign keys are
    # off by default in SQLite; busy_timeout avoids "database is locked" under bursts.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _ensure_sqlite_dir(url: str) -> None:
    # SQLite creates the file but not its directory (e.g. data/ on a fresh checkout).
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


async def _create_schema(conn: AsyncConnection) -> None:
    await conn.run_sync(metadata.create_all)
    ddl = SQLITE_SEARCH_DDL if conn.dialect.name == "sqlite" else POSTGRES_SEARCH_DDL
    for statement in ddl:
        await conn.exec_driver_sql(statement)
    await conn.exec_driver_sql(ALEMBIC_VERSION_DDL)
    stamped = (await conn.exec_driver_sql("SELECT count(*) FROM alembic_version")).scalar_one()
    if not stamped:
        await conn.execute(
            text("INSERT INTO alembic_version (version_num) VALUES (:rev)"),
            {"rev": SCHEMA_REVISION},
        )


# pg_advisory_lock key held while the schema is created or migrated ("notes-ocr" in hex).
MIGRATION_LOCK = 0x6E6F7465732D6F63


async def open_database(url: str, *, echo: bool = False, cache_settings: bool = True) -> Database:
    """Connect to ``url`` (sqlite+aiosqlite:/// or postgresql+asyncpg://) and ensure the schema
    (a database an older release made is migrated to the current revision). On PostgreSQL
    this happens under an advisory lock: instances starting together migrate one at a time.
    ``cache_settings=False`` when other instances share the database."""
    parsed = make_url(url)
    _ensure_sqlite_dir(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_async_engine(url, echo=echo)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    elif parsed.get_backend_name() == "postgresql":
        engine = create_async_engine(url, echo=echo, pool_pre_ping=True)
    else:
        raise ValueError(f"unsupported database URL scheme: {parsed.drivername}")
    try:
        if engine.dialect.name == "postgresql":
            async with engine.connect() as lock:
                await lock.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
                try:
                    await _ensure_schema(engine, url)
                finally:
                    await lock.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})")
                    await lock.commit()
        else:
            await _ensure_schema(engine, url)
    except BaseException:
        await engine.dispose()
        raise
    return Database(engine, cache_settings=cache_settings)


async def _ensure_schema(engine: AsyncEngine, url: str) -> None:
    async with engine.begin() as conn:
        await _create_schema(conn)
        stamped = (await conn.exec_driver_sql("SELECT version_num FROM alembic_version")).all()
    if [row[0] for row in stamped] != [SCHEMA_REVISION]:
        # A database an older release made: its missing revisions are applied now, so an
        # upgrade needs no manual step (alembic runs its own event loop: in a thread).
        await asyncio.to_thread(run_migrations, url)


def run_migrations(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` with alembic (blocking; it runs its own
    event loop, so call it before the bot's loop starts or via ``asyncio.to_thread``)."""
    from alembic import command
    from alembic.config import Config

    _ensure_sqlite_dir(url)
    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # "%" would be read as ini interpolation (URL-encoded passwords contain it).
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logging"] = False
    command.upgrade(config, revision)
