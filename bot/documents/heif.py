"""HEIC/HEIF, the format of an iPhone photo sent as a file: Pillow opens it once pillow-heif
is registered.

Pillow's openers are one registry per process, so registering is part of wiring a process
that reads what users send (``build_application``, ``bot worker``, ``bot ocr``); the
modules here that open a user's file themselves also make sure of it on first use. Never at
import time.
"""

from __future__ import annotations

import functools


@functools.cache
def enable_heif() -> None:
    """Teach Pillow to open HEIC/HEIF (once per process)."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
