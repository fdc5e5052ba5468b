"""Support code shared by the tests and the benchmarks: the fake Telegram Bot API, running a
bot against it, drawn notes, throwaway PostgreSQL/Redis servers and OCR workers, deployed
instances in miniature. Imported by ``tests/`` and ``bench/``; it imports neither (an
import-linter contract checks), and nothing in ``bot/`` imports it."""
