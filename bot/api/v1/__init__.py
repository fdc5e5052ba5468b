"""API v1: readings (upload, poll, check lines, save the note) and notes (search, export, fix,
delete). Reading goes through the same use-case as chat (``bot.reading``: per-user limits,
in-flight record, pages, recognition, the shutdown's bound) and a reading under review is the
same stored review chat shows (``ReviewStore``), with one revision counter.

A reading's id is its review's id. While it is queued or being read, or when it failed, its
state is in the shared state (Redis when deployed: any instance answers; a reading whose
instance died before it was read is failed); once read, its review and its page images are in
the database. The API is stateless: any instance serves any request.

    calls.py     who calls (tokens, sessions) and the API's own state
    uploads.py   POST /v1/readings
    readings.py  a reading under review
    notes.py     saved notes, Mini App sessions
"""

from __future__ import annotations

from fastapi import APIRouter

from bot.api.problems import Problem
from bot.api.v1 import notes, readings, uploads
from bot.api.v1.calls import UNAUTHORIZED, Api, Backend, ChatSide

__all__ = ["Api", "Backend", "ChatSide", "router"]

router = APIRouter(
    prefix="/v1",
    responses={
        400: {"model": Problem, "description": "a body that is not JSON"},
        401: UNAUTHORIZED,
        422: {"model": Problem},
    },
)
for part in (uploads, readings, notes):
    router.include_router(part.router)
