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


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a cluster; yield a DSN (without database name) for the superuser, stop it."""
    if not (PG_BIN / "initdb").exists():
        raise AssertionError("PostgreSQL is not installed: run scripts/install-system-deps.sh")
    # Not under pytest's tmp dir: its parents are 0700 root, the server user can't enter them.
    root = Path(tempfile.mkdtemp(prefix="notes-pg-"))
    data, log = root / "data", root / "server.log"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = free_port()
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
