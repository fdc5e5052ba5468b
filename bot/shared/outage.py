"""Redis away for a moment (restarting, a network hiccup): what the shared state does then.

What cannot work without Redis (counting a user's photos, gathering an album, queueing a photo)
becomes ServiceUnavailable, one sentence to the user ("send it again in a minute"); what only
guards against a rare case (an update delivered twice) lets the update through.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from redis.exceptions import RedisError

from bot.errors import ServiceUnavailable


@contextmanager
def unavailable_without_redis(what: str) -> Iterator[None]:
    try:
        yield
    except RedisError as exc:
        raise ServiceUnavailable(detail=f"{what}: {type(exc).__name__}: {exc}") from exc
