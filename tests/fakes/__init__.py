"""Tests of the fake Bot API (testkit/fake_bot_api): it must answer as Telegram does."""
