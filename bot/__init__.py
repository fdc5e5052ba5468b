"""notes-ocr-bot: photos of notes in, text you can trust out."""

__version__ = "0.1.0"
