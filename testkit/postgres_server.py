"""A throwaway PostgreSQL cluster on 127.0.0.1 for tests and benches.

The server is Debian's (scripts/install-system-deps.sh installs it); a test that needs it
fails when it is missing, it never skips. Durability is switched off: nothing here outlives
the run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from testkit.harness import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres_user(cmd: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; drop to the "postgres" system user when we are root.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


class PostgresServer:
    """A cluster of its own on a free port; ``stop`` and ``start`` again (its data kept, as a
    restarted server keeps it) to test what a restart or an outage does."""

    def __init__(self) -> None:
        if not (PG_BIN / "initdb").exists():
            raise AssertionError("PostgreSQL is not installed: run scripts/install-system-deps.sh")
        # Not under pytest's tmp dir: its parents are 0700 root, the server user can't enter.
        self.root = Path(tempfile.mkdtemp(prefix="notes-pg-"))
        self.data, self.log = self.root / "data", self.root / "server.log"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self.port = free_port()
        self.dsn = f"postgres@127.0.0.1:{self.port}"
        self._env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
        subprocess.run(
            _as_postgres_user(
                [
                    str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                    "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
                ]
            ),
            check=True, capture_output=True, env=self._env,
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
        )
        subprocess.run(
            _as_postgres_user(
                [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o",
                 options, "-w", "start"]
            ),
            check=True, capture_output=True, env=self._env,
        )  # fmt: skip

    def stop(self) -> None:
        """Stopped at once (``immediate``: open connections are cut, as when it crashes)."""
        stop = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]
        subprocess.run(_as_postgres_user(stop), capture_output=True, env=self._env)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a cluster; yield a DSN (without database name) for the superuser, stop it."""
    with running_postgres() as server:
        yield server.dsn


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.remove()
