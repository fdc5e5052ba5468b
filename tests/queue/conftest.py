"""Fixtures for the OCR queue tests: the fake Bot API (Redis comes from tests/conftest.py)."""

from tests.e2e.conftest import fake_api  # noqa: F401 - the fake Bot API fixture
