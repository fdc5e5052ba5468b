"""Fakes of external services (the Telegram Bot API) that the end-to-end tests run against."""
