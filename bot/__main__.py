"""`python -m bot ...` is the same as `notes-ocr-bot ...`."""

from bot.cli import main

raise SystemExit(main())
