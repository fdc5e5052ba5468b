"""The API's request and response bodies: the OpenAPI document is built from these."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field


class ReadingStatus(StrEnum):
    QUEUED = "queued"
    READING = "reading"
    READY = "ready"  # read: its lines can be checked (PATCH) and the note saved
    SAVED = "saved"  # the note was saved (``note_id``)
    FAILED = "failed"


class ReadingRef(BaseModel):
    id: str
    filename: str


class ReadingsStarted(BaseModel):
    readings: list[ReadingRef]


class LineOut(BaseModel):
    number: int = Field(description="1-based over the whole reading, as chat counts")
    page: int = Field(description="1-based page the line is on")
    text: str
    box: list[int] | None = Field(description="left, top, width, height in page pixels")
    confidence: float | None
    confidence_words: str
    flagged: bool = Field(description="unsure when read (stays true once settled)")
    state: Literal["accepted", "flagged", "confirmed", "replaced", "dropped"]


class Reading(BaseModel):
    id: str
    status: ReadingStatus
    error: str | None = None
    language: str | None = None
    revision: int | None = Field(default=None, description="send it back with a change (PATCH)")
    pages: int = 0
    lines: list[LineOut] = Field(default_factory=list)
    lines_to_check: int = 0
    note_id: int | None = None


class ReadingList(BaseModel):
    ids: list[str]


class LineChange(BaseModel):
    action: Literal["confirm", "replace", "drop"]
    text: str | None = Field(default=None, max_length=4000)
    revision: int


class NoteLineChange(BaseModel):
    action: Literal["replace", "drop"]
    text: str | None = Field(default=None, max_length=4000)
    revision: int


class NoteSaved(BaseModel):
    note_id: int


class NoteLine(BaseModel):
    number: int
    text: str
    state: str
    page: int


class NoteOut(BaseModel):
    id: int
    created_at: datetime
    updated_at: datetime | None
    text: str
    language: str
    engine: str
    revision: int
    lines: list[NoteLine]


class NoteItem(BaseModel):
    id: int
    created_at: datetime
    preview: str
    language: str


class NotesPage(BaseModel):
    items: list[NoteItem]
    next_cursor: str | None = None


class InitData(BaseModel):
    init_data: str = Field(max_length=8192, description="Telegram.WebApp.initData, as sent")


class Session(BaseModel):
    token: str
    expires_in: int
    user_id: int
