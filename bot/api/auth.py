"""Who calls: a personal token (``Authorization: Bearer nob_...``, stored as its SHA-256) or a
short-lived session a Telegram Mini App got for its signed ``initData``.

initData is checked as Telegram documents it: the secret key is HMAC-SHA256 of the bot token
keyed with ``"WebAppData"``, the hash is HMAC-SHA256 of the sorted ``key=value`` lines (all but
``hash``) keyed with that secret, and ``auth_date`` is at most an hour old. A session is
stateless (any instance checks it): ``s1.<user>.<expiry>.<mac>``, its MAC keyed from the bot
token too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import parse_qsl

INIT_DATA_MAX_AGE_S = 3600
CLOCK_SKEW_S = 60
SESSION_SECONDS = 15 * 60
SESSION_PREFIX = "s1."


def _webapp_secret(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def sign_init_data(fields: dict[str, str], bot_token: str) -> str:
    """``fields`` as a Telegram client would send them, signed (for tests and tools)."""
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    digest = hmac.new(_webapp_secret(bot_token), check.encode(), hashlib.sha256).hexdigest()
    from urllib.parse import urlencode

    return urlencode({**fields, "hash": digest})


def user_of_init_data(init_data: str, bot_token: str, *, now: float | None = None) -> int | None:
    """The Telegram user id in ``init_data`` if it is signed with ``bot_token`` and at most an
    hour old; None otherwise (forged, altered, old, or no user in it)."""
    if not bot_token:
        return None
    try:
        pairs = dict(parse_qsl(init_data, keep_blank_values=True, strict_parsing=True))
    except ValueError:
        return None
    given = pairs.pop("hash", "")
    check = "\n".join(f"{k}={v}" for k, v in sorted(pairs.items()))
    digest = hmac.new(_webapp_secret(bot_token), check.encode(), hashlib.sha256).hexdigest()
    if not given or not hmac.compare_digest(digest, given):
        return None
    try:
        auth_date = int(pairs["auth_date"])
        user_id = int(json.loads(pairs["user"])["id"])
    except (KeyError, ValueError, TypeError):
        return None
    moment = time.time() if now is None else now
    # A minute ahead is a clock a little behind Telegram's, not a forgery.
    if not -CLOCK_SKEW_S <= moment - auth_date <= INIT_DATA_MAX_AGE_S:
        return None
    return user_id


def _session_mac(bot_token: str, body: str) -> str:
    key = hmac.new(b"notes-ocr-bot api session", bot_token.encode(), hashlib.sha256).digest()
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def new_session(user_id: int, bot_token: str, *, now: float | None = None) -> str:
    expiry = int((time.time() if now is None else now) + SESSION_SECONDS)
    body = f"{SESSION_PREFIX}{user_id}.{expiry}"
    return f"{body}.{_session_mac(bot_token, body)}"


def user_of_session(token: str, bot_token: str, *, now: float | None = None) -> int | None:
    """The user of a session this server issued and that has not expired; else None."""
    if not bot_token or not token.startswith(SESSION_PREFIX):
        return None
    body, _, mac = token.rpartition(".")
    if not hmac.compare_digest(_session_mac(bot_token, body), mac):
        return None
    try:
        _, user, expiry = body.split(".")
        user_id, until = int(user), int(expiry)
    except ValueError:
        return None
    return user_id if (time.time() if now is None else now) < until else None


def user_id_for_name(name: str) -> int:
    """A user of the API alone (no Telegram account): ``token create --user NAME``. A numeric
    NAME is a Telegram user id (the same notes as in chat); any other name gets a stable
    negative id, which no Telegram user has."""
    if name.lstrip("-").isdigit():
        return int(name)
    digest = hashlib.sha256(name.strip().lower().encode()).digest()
    return -(int.from_bytes(digest[:6], "big") + 1)
