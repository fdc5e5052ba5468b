"""A throwaway ``redis-server`` on 127.0.0.1 and ``notes-ocr-bot worker`` processes for tests.

The server is Debian's (scripts/install-system-deps.sh installs it); a test that needs it
fails when it is missing, it never skips. Workers run as ``python -m bot worker`` (what the
``notes-ocr-bot worker`` script runs) with this tree first on the path and a clean
environment of settings, or, where a test must hold a job mid-read, as
``python -m testkit.queue_worker`` (the same worker with a gate in front of the engine).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import redis

from bot.ocr.run.queue.wire import WORKERS
from testkit.harness import free_port

ROOT = Path(__file__).resolve().parents[1]


class RedisServer:
    """redis-server on a fixed free port; ``stop`` and ``start`` again (empty, as a Redis
    without persistence restarts; with ``appendonly``, as deploy/compose.yaml runs it, with
    its data) to test what an outage does."""

    def __init__(self, workdir: Path, *, appendonly: bool = False) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            raise AssertionError(
                "redis-server is not installed: run scripts/install-system-deps.sh"
            )
        self.exe, self.workdir, self.port = exe, workdir, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.appendonly = appendonly
        self.proc: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes" if self.appendonly else "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 20
        try:
            while True:
                try:
                    client.ping()
                    return
                except redis.ConnectionError as exc:
                    if self.proc.poll() is not None or time.monotonic() > deadline:
                        rc = self.proc.poll()
                        raise AssertionError(f"redis-server did not start (exit {rc})") from exc
                    time.sleep(0.02)
        finally:
            client.close()

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


@contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """Start redis-server on a free port, yield its URL, stop it."""
    with running_redis(workdir) as server:
        yield server.url


@contextmanager
def running_redis(workdir: Path, *, appendonly: bool = False) -> Iterator[RedisServer]:
    server = RedisServer(workdir, appendonly=appendonly)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Workers:
    procs: list[subprocess.Popen[bytes]]
    gate: Path  # the gated workers' folder: entered-<pid>-<n> files, and "open"

    def entered(self) -> list[tuple[int, str]]:
        """(worker pid, file name) of every job that reached the gate, oldest first."""
        files = sorted(self.gate.glob("entered-*"), key=lambda p: p.stat().st_mtime_ns)
        return [(int(p.name.split("-")[1]), p.name) for p in files]

    def open_gate(self) -> None:
        (self.gate / "open").touch()

    async def wait_entered(self, count: int, timeout: float = 60) -> list[tuple[int, str]]:  # noqa: ASYNC109
        """Wait until ``count`` jobs are held at the gate (a worker process each)."""
        deadline = time.monotonic() + timeout
        while len(found := self.entered()) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"only {len(found)} of {count} jobs reached a worker")
            await asyncio.sleep(0.02)
        return found


def worker_env(url: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OCR_", "TELEGRAM_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        REDIS_URL=url,
        OCR_ENGINE="tesseract",
        OCR_WORKERS="1",
        LOG_LEVEL="INFO",
    )
    env.update(settings)
    return env


@contextmanager
def ocr_workers(
    url: str, workdir: Path, count: int = 2, *, gated: bool = False, **settings: str
) -> Iterator[Workers]:
    """``count`` worker processes, started and ready (each has said so in Redis)."""
    gate = workdir / "gate"
    gate.mkdir(parents=True, exist_ok=True)
    module = ["testkit.queue_worker", str(gate)] if gated else ["bot", "worker"]
    procs = []
    for n in range(count):
        log = (workdir / f"worker-{n}.log").open("wb")
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", *module],
                cwd=workdir,  # no .env of the developer's
                env=worker_env(url, **settings),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    workers = Workers(procs, gate)
    try:
        _wait_ready(url, procs, workdir)
        yield workers
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_ready(url: str, procs: list[subprocess.Popen[bytes]], workdir: Path) -> None:
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 120
    try:
        while cast(int, client.scard(WORKERS)) < len(procs):
            dead = [p for p in procs if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                logs = "\n".join(p.read_text()[-2000:] for p in workdir.glob("worker-*.log"))
                raise AssertionError(f"workers did not start:\n{logs}")
            time.sleep(0.05)
    finally:
        client.close()
