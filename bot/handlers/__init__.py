"""Where Telegram meets the domain: one module per kind of update."""
