"""The whole-page review page (Telegram Mini App) at ``/app/``: its static files (bot/web, no
build step) and its words, in the caller's language, from the same catalogs as chat.

The page reads the signed ``tgWebAppData`` Telegram opens it with (in the URL fragment), trades
it for a short session (``POST /v1/sessions``) and then works through API v1 like any client.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from bot.api.problems import ApiProblem
from bot.api.v1.calls import caller, translator_of
from bot.message_keys import N_

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
# What the page may fetch: its own files, the API, and the page images it made blob: URLs of.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'"
)
FILES = {
    "index.html": "text/html; charset=utf-8",
    "page.css": "text/css; charset=utf-8",
    "page.js": "text/javascript; charset=utf-8",
}
# The page's words: its name for each -> the catalog key.
WORDS = {
    "title": N_("web-title"),
    "loading": N_("web-loading"),
    "open-from-chat": N_("web-open-from-chat"),
    "expired": N_("web-expired"),
    "line": N_("web-line"),
    "page": N_("web-page"),
    "left": N_("web-left"),
    "all-checked": N_("web-all-checked"),
    "confirm": N_("button-confirm"),
    "confirm-all": N_("web-confirm-all"),
    "drop": N_("button-drop"),
    "keep": N_("web-keep"),
    "save": N_("web-save"),
    "saving": N_("web-saving"),
    "saved": N_("web-saved"),
    "changed": N_("web-changed"),
}

router = APIRouter(prefix="/app", include_in_schema=False)


@router.get("")
async def app_root() -> RedirectResponse:
    # The page's files are fetched relative to /app/.
    return RedirectResponse("app/", status_code=308)


@router.get("/words")
async def words(request: Request) -> dict[str, str]:
    """The page's words: in the language the user chose in chat (with the page's session),
    else in their Accept-Language (the page sends the language of their Telegram app)."""
    if request.headers.get("authorization"):
        # An expired session: the words in its Accept-Language all the same.
        with contextlib.suppress(ApiProblem):
            await caller(request)
    t = translator_of(request)
    return {name: t(key) for name, key in WORDS.items()}


@router.get("/")
@router.get("/{name}")
async def page_file(name: str = "index.html") -> Response:
    """index.html, page.css, page.js."""
    media = FILES.get(name)
    if media is None:
        raise ApiProblem(404, N_("api-not-found"))
    headers = {"Content-Security-Policy": CSP, "Referrer-Policy": "no-referrer",
               "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}  # fmt: skip
    return Response((WEB_DIR / name).read_bytes(), media_type=media, headers=headers)
