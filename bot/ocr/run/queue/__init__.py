"""The OCR queue over Redis (arq): the bot's end, the worker's end, and what crosses."""
