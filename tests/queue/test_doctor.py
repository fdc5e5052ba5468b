"""`notes-ocr-bot doctor` on a bot host with REDIS_URL: it says whether Redis answers and which
workers read the queued photos, and never prints the URL's password."""

from __future__ import annotations

import json

import pytest
import redis

from bot.cli.doctor import check_queue
from bot.ocr.run.queue.wire import WORKER_KEY_PREFIX, WORKERS
from testkit.harness import free_port


def test_doctor_names_the_live_workers(redis_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert check_queue(redis_url)
    assert "no worker is running" in capsys.readouterr().out
    client = redis.Redis.from_url(redis_url)
    info = {"capacity": 2, "engine": "rapid+tesseract", "languages": ["en"]}
    client.set(WORKER_KEY_PREFIX + "w1", json.dumps(info), ex=5)
    client.sadd(WORKERS, WORKER_KEY_PREFIX + "w1", WORKER_KEY_PREFIX + "gone")
    client.close()
    assert check_queue(redis_url)
    out = capsys.readouterr().out
    assert "worker: rapid+tesseract, 2 at once" in out
    assert "no worker is running" not in out


def test_doctor_says_redis_does_not_answer_without_the_password(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert not check_queue(f"redis://:s3cret-pass@127.0.0.1:{free_port()}/0")
    out = capsys.readouterr().out
    assert "does not answer" in out
    assert "s3cret-pass" not in out
