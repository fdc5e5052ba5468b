"""Alembic environment: runs the revisions in versions/ over an async engine.

The database URL is the Config's ``sqlalchemy.url`` if set, else $DATABASE_URL.
"""

from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage.schema import metadata

config = context.config
# Only when run from the command line with the ini file: the bot configures its own logging.
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL", "")
    if not url:
        raise RuntimeError("no database URL: set sqlalchemy.url or DATABASE_URL")
    return url


def _configure(**kwargs: object) -> None:
    context.configure(
        target_metadata=metadata,
        # SQLite can't ALTER most things; batch mode rebuilds tables instead.
        render_as_batch=_url().startswith("sqlite"),
        # The FTS5 shadow tables and the tsvector column are made by raw DDL, not metadata.
        include_name=lambda name, _type, _parent: (
            not (name or "").startswith(("notes_fts", "search_vector", "ix_notes_search_vector"))
        ),
        **kwargs,  # type: ignore[arg-type]
    )


def run_migrations_offline() -> None:
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run_sync(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = create_async_engine(_url(), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_sync)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
