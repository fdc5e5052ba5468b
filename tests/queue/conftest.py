"""Fixtures for the OCR queue tests: a Redis server of each test's own, and the fake Bot API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import fake_api  # noqa: F401 - the fake Bot API fixture
from tests.support.redis_server import redis_server


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with redis_server(tmp_path / "redis") as url:
        yield url
