"""Errors as RFC 9457 problem details (``application/problem+json``), the ``detail`` in the
caller's language: their chosen interface language, else ``Accept-Language``, else English."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.i18n import Catalogs, Translator, ui_language
from bot.message_keys import N_

PROBLEM_JSON = "application/problem+json"

# Status -> its short title (the ``title`` member: the same for every problem of a status).
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    503: "Service Unavailable",
}


class Problem(BaseModel):
    """RFC 9457 problem details; ``current`` carries the resource as it is now (a 409)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    current: dict[str, Any] | None = None


class ApiProblem(Exception):
    """Raised by an endpoint: ``key`` is a catalog key rendered with ``params``."""

    def __init__(
        self,
        status: int,
        key: str,
        *,
        headers: dict[str, str] | None = None,
        current: dict[str, Any] | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(key)
        self.status, self.key, self.params = status, key, dict(params or {})
        self.headers, self.current = headers or {}, current


def accepted_language(header: str | None) -> str | None:
    """The first language of an Accept-Language header (weights are in order in practice)."""
    if not header:
        return None
    first = header.split(",", 1)[0].split(";", 1)[0].strip()
    return first or None


def translator(request: Request, catalogs: Catalogs) -> Translator:
    """The caller's language: what the authenticated user chose (``request.state.ui``), else
    their Accept-Language."""
    chosen = getattr(request.state, "ui", None)
    return catalogs.get(
        ui_language(chosen or accepted_language(request.headers.get("accept-language")))
    )


def problem_response(
    status: int,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    current: dict[str, Any] | None = None,
) -> JSONResponse:
    body = Problem(
        title=TITLES.get(status, "Error"), status=status, detail=detail, current=current
    )
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, headers=headers,
        media_type=PROBLEM_JSON,
    )  # fmt: skip


def install(app: Any, catalogs: Catalogs) -> None:
    """Every error of ``app`` answered as problem+json."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiProblem)
        t = translator(request, catalogs)
        return problem_response(
            exc.status, t(exc.key, **exc.params), headers=exc.headers, current=exc.current
        )

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        t = translator(request, catalogs)
        key = N_("api-not-found") if exc.status_code == 404 else N_("api-bad-request")
        return problem_response(exc.status_code, t(key), headers=getattr(exc, "headers", None))

    async def on_invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        t = translator(request, catalogs)
        where = ", ".join(".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()[:3])
        return problem_response(422, t(N_("api-invalid"), fields=where))

    app.add_exception_handler(ApiProblem, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_invalid)
