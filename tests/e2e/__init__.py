"""End-to-end tests: the real bot Application against the fake Telegram Bot API."""
