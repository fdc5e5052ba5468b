"""Servers the tests start from the project's own set-up (scripts/install-system-deps.sh):
a throwaway PostgreSQL cluster and a throwaway Redis, each on 127.0.0.1 on a free port. A test
that needs one fails when it is missing; none skips."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest

from tests.support.redis_server import redis_server as start_redis

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres_user(cmd: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; drop to the "postgres" system user when we are root.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """Start a cluster; yield a DSN (without database name) for the superuser."""
    # Not under pytest's tmp dir: its parents are 0700 root, the server user can't enter them.
    root = Path(tempfile.mkdtemp(prefix="notes-pg-"))
    data, log = root / "data", root / "server.log"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    subprocess.run(
        _as_postgres_user(
            [
                str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
            ]
        ),
        check=True, capture_output=True, env=env,
    )  # fmt: skip
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
    )
    subprocess.run(
        _as_postgres_user(
            [str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]
        ),
        check=True, capture_output=True, env=env,
    )  # fmt: skip
    try:
        yield f"postgres@127.0.0.1:{port}"
    finally:
        stop = [str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
        subprocess.run(_as_postgres_user(stop), capture_output=True, env=env)
        shutil.rmtree(root, ignore_errors=True)


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
