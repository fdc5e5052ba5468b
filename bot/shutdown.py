"""A bounded shutdown: SIGTERM gives the work in flight SHUTDOWN_GRACE_SECONDS, then the process
says in one log line what was lost and exits, whatever else is gone (Redis, PostgreSQL).

:class:`Drain` is a bot instance's side: each photo's reading is awaited through
:meth:`Drain.guard`, which ends it with :class:`~bot.errors.PhotoLost` once the grace is over
(the handler then asks the user to send it again, or leaves the photo listed in Redis for
another instance to ask). :class:`Watchdog` is the last word for a bot or a worker: a process
still alive a few seconds after its grace (something it waits for never answers) logs what
it was doing and exits at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.errors import PhotoLost

log = logging.getLogger(__name__)

T = TypeVar("T")

# Past the grace, closing connections and telling users may take this long before the
# watchdog ends the process (compose's stop_grace_period leaves room for it).
WATCHDOG_MARGIN_S = 4.0


class Watchdog:
    """Exits the process ``seconds`` after :meth:`arm` unless it has exited by then."""

    def __init__(self, describe: Callable[[], str]) -> None:
        self._describe = describe
        self._timer: threading.Timer | None = None

    def arm(self, seconds: float) -> None:
        if self._timer is not None:
            return
        self._timer = threading.Timer(seconds, self._fire, args=(seconds,))
        self._timer.daemon = True
        self._timer.start()

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _fire(self, seconds: float) -> None:
        try:
            what = self._describe()
        except Exception as exc:  # the exit must happen whatever went wrong here
            what = f"(unknown: {exc!r})"
        log.error("shutdown: still running %.0f s after SIGTERM: exiting now; %s", seconds, what)
        for handler in logging.getLogger().handlers:
            handler.flush()
        sys.stdout.flush()
        os._exit(1)


@dataclass(frozen=True, slots=True)
class Lost:
    chat_id: int
    told: bool  # asked to send it again (else listed for another instance to ask)


class Drain:
    """A bot instance's photos in flight once SIGTERM came."""

    def __init__(self, grace: float) -> None:
        self.grace = grace
        self.lost: list[Lost] = []
        self._expired = asyncio.Event()
        self._begun = False
        self._active = 0
        self._watchdog = Watchdog(self._summary)

    @property
    def stopping(self) -> bool:
        return self._begun

    def begin(self) -> None:
        """SIGTERM: the grace starts; a second signal ends it at once."""
        if self._begun:
            log.warning("shutdown: second signal, photos in flight are given up now")
            self._expired.set()
            return
        self._begun = True
        log.info("shutdown: photos in flight get %s s (SHUTDOWN_GRACE_SECONDS)", self.grace)
        asyncio.get_running_loop().call_later(self.grace, self._expired.set)
        self._watchdog.arm(self.grace + WATCHDOG_MARGIN_S)

    async def guard(self, reading: Awaitable[T]) -> T:
        """``reading``'s result, or PhotoLost once the grace is over."""
        if self._expired.is_set():
            raise PhotoLost(detail="shutting down")
        task = asyncio.ensure_future(reading)
        expired = asyncio.ensure_future(self._expired.wait())
        self._active += 1
        try:
            await asyncio.wait((task, expired), return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._active -= 1
            expired.cancel()
            if not task.done():
                task.cancel()
        if not task.done() or task.cancelled():
            raise PhotoLost(detail=f"not read within the {self.grace} s of the shutdown")
        return task.result()

    def lose(self, chat_id: int, *, told: bool) -> None:
        self.lost.append(Lost(chat_id, told))

    def report(self) -> int:
        """One log line saying what was lost; the exit code (0: nothing)."""
        self._watchdog.disarm()
        if not self.lost:
            log.info("shutdown: nothing lost")
            return 0
        log.error("shutdown: %s", self._summary())
        return 1

    def _summary(self) -> str:
        parts = []
        if self.lost:
            chats = ", ".join(
                f"chat {p.chat_id} "
                + ("(told to send it again)" if p.told else "(left for another instance to tell)")
                for p in self.lost
            )
            n = len(self.lost)
            photos = f"{n} photo{'' if n == 1 else 's'} lost"
            parts.append(f"{photos} (not read within SHUTDOWN_GRACE_SECONDS): {chats}")
        if self._active:
            parts.append(f"{self._active} photo(s) still being read")
        return "; ".join(parts) or "nothing lost"
