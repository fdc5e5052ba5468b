"""What crosses the queue between a bot instance and an OCR worker, and under which names.

A job is ``read_photo(image_bytes, language[, words])`` (``words``: the user's vocabulary,
``Vocabulary.to_wire``, only when they have one); its result is a plain dict: either
``{"page": Page.to_dict()}`` or ``{"error": class name, "key": catalog key, "params": {...},
"detail": ...}``, so a BotError raised in a worker reaches the user as the same sentence, in
the user's language. Both ends import this
room only, never each other.
"""

from __future__ import annotations

from typing import Any

from bot import errors
from bot.errors import BotError, OcrError
from bot.ocr.model import Page

QUEUE = "notes-ocr:jobs"
JOB = "read_photo"
# Each worker process says here, under its own key with a short expiry, how many jobs it
# runs at once and which languages it reads (bot instances size "Queued: n ahead" by it),
# and lists that key in the WORKERS set: instances find the live workers there, never by
# scanning Redis, which also holds a key per handled update (a scan would grow with them).
WORKER_KEY_PREFIX = "notes-ocr:worker:"
WORKER_KEY_TTL_S = 5
WORKERS = "notes-ocr:workers"
# A job killed with its worker (SIGKILL, power loss) is run again by another worker; a photo
# that kills every worker that reads it is given up after two deaths (holds.py), and
# after this many tries whatever ended them (a backstop: a Redis outage ends a try too).
MAX_TRIES = 4


def page_result(page: Page) -> dict[str, Any]:
    return {"page": page.to_dict()}


def error_result(error: BotError) -> dict[str, Any]:
    return {
        "error": type(error).__name__,
        "key": error.key,
        "params": dict(error.params),
        "detail": error.detail,
    }


def decode_result(result: object) -> Page:
    """The Page a worker sent back, or the BotError it raised (unknown kinds: OcrError)."""
    if not isinstance(result, dict):
        raise OcrError(detail=f"unexpected job result {type(result).__name__}")
    if "page" in result:
        return Page.from_dict(result["page"])
    params = result.get("params")
    raise rebuild_error(
        str(result.get("error", "")),
        str(result.get("key", "")),
        params if isinstance(params, dict) else {},
        str(result.get("detail", "")),
    )


def rebuild_error(name: str, key: str, params: dict[str, Any], detail: str) -> BotError:
    """The error named ``name`` with the sentence (catalog key and params) the worker gave it."""
    cls = getattr(errors, name, None)
    if not (isinstance(cls, type) and issubclass(cls, BotError)):
        return OcrError(detail=f"{name}: {detail}")
    # Built without __init__, whose parameters differ between subclasses.
    error = cls.__new__(cls)
    error.key = key or cls.key  # type: ignore[misc]
    error.params = {k: v for k, v in params.items() if isinstance(v, str | int)}
    error.detail = detail
    Exception.__init__(error, f"{error.key}: {detail}" if detail else error.key)
    return error
