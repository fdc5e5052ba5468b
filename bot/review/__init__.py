"""Reviewing a read note with its owner: which lines are settled, which to check, and how the
review is shown and driven by buttons. Plain data and functions only: no Telegram, no engines;
the handlers turn these specs into Telegram objects."""
