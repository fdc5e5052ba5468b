"""Fast tests without real engines."""
