"""Confirmed notes: add (idempotently), list, get, full-text search, delete, forget a user.

Every query is filtered by ``user_id``: a note id of another user behaves exactly like a note
that does not exist. Search works the same on both backends because the text the index sees
is prepared by bot/storage/search.py (``search_text``): diacritics folded ("chào" -> "chao",
"đ" -> "d"), lower-cased, and runs of CJK characters rewritten as overlapping bigrams, since
Chinese has no spaces for a word tokenizer to split on. Queries go through the same
preparation.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    column,
    delete,
    func,
    literal_column,
    select,
    table,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.storage.rows import all_rows, first_row
from bot.storage.schema import (
    api_tokens,
    notes,
    reading_pages,
    review_sessions,
    user_settings,
    user_words,
)
from bot.storage.search import (
    Query,
    Snippet,
    cjk_query_terms,
    fts5_match,
    make_snippet,
    parse_query,
    search_text,
)


@dataclass(frozen=True, slots=True)
class NoteSummary:
    """One row of the /notes list."""

    id: int
    created_at: datetime
    preview: str
    language: str
    line_count: int


@dataclass(frozen=True, slots=True)
class Note:
    id: int
    user_id: int
    created_at: datetime
    text: str
    language: str
    engine: str
    file_ids: list[str] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    revision: int = 1  # bumped by every fix (see NotesRepo.update_note)
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SearchHit:
    note_id: int
    snippet: Snippet
    rank: float
    created_at: datetime


def _preview(text: str, limit: int = 80) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first if len(first) <= limit else first[: limit - 1] + "…"


# The SQLite FTS5 table (created by raw DDL in schema.py), as far as queries need to see it.
_notes_fts = table("notes_fts", column("rowid"))


class NotesRepo:
    def __init__(
        self,
        engine: AsyncEngine,
        dialect: str,
        *,
        on_forget: Callable[[int], None] | None = None,
    ) -> None:
        self._engine = engine
        self._dialect = dialect
        # Told when a user is forgotten (the users repository's cache of their settings).
        self._on_forget = on_forget

    async def add_note(
        self,
        user_id: int,
        *,
        text: str,
        language: str,
        engine: str,
        file_ids: Sequence[str],
        lines: Sequence[dict[str, Any]],
        created_at: datetime | None = None,
        idempotency_key: str,
    ) -> int:
        """Store a confirmed note; the same ``idempotency_key`` returns the existing note's id."""
        text = unicodedata.normalize("NFC", text)
        created_at = created_at or datetime.now(UTC)
        row = {
            "user_id": user_id,
            "created_at": created_at,
            "updated_at": created_at,
            "text": text,
            "language": language,
            "engine": engine,
            "file_ids": list(file_ids),
            "lines": [dict(line) for line in lines],
            "search_text": search_text(text),
            "idempotency_key": idempotency_key,
        }
        try:
            async with self._engine.begin() as conn:
                result = await conn.execute(notes.insert().values(**row).returning(notes.c.id))
                return int(result.scalar_one())
        except IntegrityError:
            # Stored before (a double tap, a retried update): the insert is tried first and
            # the unique key decides, so the usual case costs one round trip, not two.
            existing = await self._id_for_key(user_id, idempotency_key)
            if existing is None:
                raise
            return existing

    async def update_note(
        self,
        user_id: int,
        note_id: int,
        *,
        text: str,
        lines: Sequence[dict[str, Any]],
        expected_revision: int,
    ) -> bool:
        """Write a fixed note (its text, lines and search index) if it is still at
        ``expected_revision`` (it then moves to the next); False when another fix got there
        first or the note is gone."""
        text = unicodedata.normalize("NFC", text)
        stmt = (
            update(notes)
            .where(
                notes.c.user_id == user_id,
                notes.c.id == note_id,
                notes.c.revision == expected_revision,
            )
            .values(
                text=text,
                lines=[dict(line) for line in lines],
                search_text=search_text(text),
                updated_at=datetime.now(UTC),
                revision=expected_revision + 1,
            )
        )
        async with self._engine.begin() as conn:
            return (await conn.execute(stmt)).rowcount == 1

    async def note_for_key(self, user_id: int, key: str) -> int | None:
        """The note stored under ``key`` (a review's id), if any."""
        return await self._id_for_key(user_id, key)

    async def _id_for_key(self, user_id: int, key: str) -> int | None:
        row = await first_row(
            self._engine,
            select(notes.c.id).where(notes.c.user_id == user_id, notes.c.idempotency_key == key),
        )
        return None if row is None else int(row.id)

    async def list_notes(
        self, user_id: int, offset: int = 0, limit: int = 10
    ) -> tuple[list[NoteSummary], int]:
        """Newest first, plus the user's total note count (for "page 2 of 5")."""
        async with self._engine.connect() as conn:
            total = (
                await conn.execute(
                    select(func.count()).select_from(notes).where(notes.c.user_id == user_id)
                )
            ).scalar_one()
            rows = (
                await conn.execute(
                    select(
                        notes.c.id,
                        notes.c.created_at,
                        notes.c.text,
                        notes.c.language,
                        notes.c.lines,
                    )
                    .where(notes.c.user_id == user_id)
                    .order_by(notes.c.created_at.desc(), notes.c.id.desc())
                    .offset(max(0, offset))
                    .limit(max(0, limit))
                )
            ).all()
        summaries = [
            NoteSummary(
                id=int(r.id),
                created_at=r.created_at,
                preview=_preview(r.text),
                language=r.language,
                line_count=len(r.lines) if r.lines else len(r.text.splitlines()),
            )
            for r in rows
        ]
        return summaries, int(total)

    async def get_note(self, user_id: int, note_id: int) -> Note | None:
        row = await first_row(
            self._engine, select(notes).where(notes.c.user_id == user_id, notes.c.id == note_id)
        )
        return _note_from_row(row) if row is not None else None

    async def get_notes(self, user_id: int, note_ids: Sequence[int] | None = None) -> list[Note]:
        """The user's notes (all, or those of ``note_ids``), oldest first — for export."""
        stmt = select(notes).where(notes.c.user_id == user_id)
        if note_ids is not None:
            stmt = stmt.where(notes.c.id.in_(list(note_ids)))
        rows = await all_rows(self._engine, stmt.order_by(notes.c.created_at, notes.c.id))
        return [_note_from_row(r) for r in rows]

    async def search(self, user_id: int, query: str, limit: int = 10) -> list[SearchHit]:
        """All words (any order, prefix/stem) and CJK substrings must occur; best first."""
        q = parse_query(query)
        if q.empty or limit <= 0:
            return []
        async with self._engine.connect() as conn:
            if self._dialect == "sqlite":
                rows = await self._search_sqlite(conn, user_id, q, limit)
            else:
                rows = await self._search_postgres(conn, user_id, q, limit)
        return [
            SearchHit(
                note_id=int(r.id),
                snippet=make_snippet(r.text, q),
                rank=float(r.rank),
                created_at=r.created_at,
            )
            for r in rows
        ]

    async def _search_sqlite(
        self, conn: AsyncConnection, user_id: int, q: Query, limit: int
    ) -> Sequence[Any]:
        # bm25() is "smaller is better"; negate so rank means "higher is better" everywhere.
        stmt = (
            select(
                notes.c.id,
                notes.c.text,
                notes.c.created_at,
                (-literal_column("bm25(notes_fts)")).label("rank"),
            )
            .select_from(notes.join(_notes_fts, _notes_fts.c.rowid == notes.c.id))
            .where(
                literal_column("notes_fts").op("MATCH")(fts5_match(q)),
                notes.c.user_id == user_id,
            )
            .order_by(literal_column("rank").desc(), notes.c.created_at.desc())
            .limit(limit)
        )
        return (await conn.execute(stmt)).all()

    async def _search_postgres(
        self, conn: AsyncConnection, user_id: int, q: Query, limit: int
    ) -> Sequence[Any]:
        simple: ColumnElement[Any] = literal_column("'simple'::regconfig")
        english: ColumnElement[Any] = literal_column("'english'::regconfig")
        parts: list[ColumnElement[Any]] = []
        for word in q.words:
            # Either the word as a prefix, or its English stem ("meetings" -> "meet").
            pattern = word + ":*" if len(word) > 1 else word
            parts.append(func.to_tsquery(simple, pattern).op("||")(func.to_tsquery(english, word)))
        for run in q.cjk_runs:
            exact, prefix = cjk_query_terms(run)
            parts += [func.to_tsquery(simple, t) for t in exact]
            parts += [func.to_tsquery(simple, t + ":*") for t in prefix]
        tsq: ColumnElement[Any] = parts[0]
        for part in parts[1:]:
            tsq = tsq.op("&&")(part)
        vector: ColumnElement[Any] = literal_column("notes.search_vector")
        rank = func.ts_rank(vector, tsq).label("rank")
        stmt = (
            select(notes.c.id, notes.c.text, notes.c.created_at, rank)
            .where(notes.c.user_id == user_id, vector.op("@@")(tsq))
            .order_by(rank.desc(), notes.c.created_at.desc())
            .limit(limit)
        )
        return (await conn.execute(stmt)).all()

    async def delete_note(self, user_id: int, note_id: int) -> bool:
        async with self._engine.begin() as conn:
            result = await conn.execute(
                delete(notes).where(notes.c.user_id == user_id, notes.c.id == note_id)
            )
        return bool(result.rowcount)

    async def forget_user(self, user_id: int) -> None:
        """Delete the user's notes (the index follows via trigger/generated column),
        settings, open reviews (and their page images), tokens and vocabulary, in one
        transaction."""
        async with self._engine.begin() as conn:
            await conn.execute(delete(notes).where(notes.c.user_id == user_id))
            await conn.execute(delete(user_settings).where(user_settings.c.user_id == user_id))
            await conn.execute(delete(review_sessions).where(review_sessions.c.user_id == user_id))
            await conn.execute(delete(api_tokens).where(api_tokens.c.user_id == user_id))
            await conn.execute(delete(user_words).where(user_words.c.user_id == user_id))
            await conn.execute(delete(reading_pages).where(reading_pages.c.user_id == user_id))
        if self._on_forget is not None:
            self._on_forget(user_id)


def _note_from_row(row: Any) -> Note:
    return Note(
        id=int(row.id),
        user_id=int(row.user_id),
        created_at=row.created_at,
        text=row.text,
        language=row.language,
        engine=row.engine,
        file_ids=list(row.file_ids or []),
        lines=list(row.lines or []),
        revision=int(row.revision),
        updated_at=row.updated_at,
    )
