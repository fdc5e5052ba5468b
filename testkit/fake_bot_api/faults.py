"""Fault switches: make the fake fail, rate-limit, delay or cut short what the bot asks for,
so tests can provoke the failures the bot must survive."""

from __future__ import annotations

from testkit.fake_bot_api.errors import JSON, ApiError
from testkit.fake_bot_api.records import Fault, Truncation
from testkit.fake_bot_api.state import ApiState


class FaultSwitches(ApiState):
    def fail_method(
        self,
        method: str,
        *,
        times: int | None = 1,
        error_code: int = 400,
        description: str = "Bad Request: injected failure",
        parameters: JSON | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` (None: all) fail with this error."""
        with self._lock:
            self._faults.setdefault(method.lower(), []).append(
                Fault(times, ApiError(error_code, description, parameters))
            )

    def fail_get_file(
        self,
        *,
        times: int | None = 1,
        description: str = "Bad Request: wrong file_id or the file is temporarily unavailable",
    ) -> None:
        self.fail_method("getFile", times=times, description=description)

    def rate_limit(self, method: str, *, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with 429 Too Many Requests."""
        self.fail_method(
            method,
            times=times,
            error_code=429,
            description=f"Too Many Requests: retry after {retry_after}",
            parameters={"retry_after": retry_after},
        )

    def delay_method(self, method: str, seconds: float) -> None:
        """Answer every call of ``method`` ``seconds`` late (0 to clear). The call itself takes
        effect at once, so a bot that times out may still have sent its message."""
        with self._lock:
            if seconds > 0:
                self._delays[method.lower()] = seconds
            else:
                self._delays.pop(method.lower(), None)

    def truncate_downloads(self, *, keep_bytes: int = 100, times: int | None = 1) -> None:
        """Next downloads announce the full Content-Length but send only ``keep_bytes``."""
        with self._lock:
            self._truncation = Truncation(times, keep_bytes)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._delays.clear()
            self._truncation = None
