"""Table definitions shared by SQLite and PostgreSQL, plus the per-dialect search DDL.

The ORM-free Core tables live here so that ``open_database`` (create_all) and the alembic
migration describe one and the same schema.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware in UTC.

    SQLite has no timezone-aware type and hands back naive datetimes; without this the same
    code would see aware values on PostgreSQL and naive ones on SQLite.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Integer primary keys: SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid),
# PostgreSQL gets a bigint identity.
_NoteId = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

user_settings = Table(
    "user_settings",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("language", String(16), nullable=True),
    Column("threshold", Integer, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    # The interface language the user chose (None: Telegram's language_code decides).
    Column("interface", String(8), nullable=True),
)

review_sessions = Table(
    "review_sessions",
    metadata,
    Column("session_id", String(64), primary_key=True),
    Column("user_id", BigInteger, nullable=False),
    Column("chat_id", BigInteger, nullable=False),
    Column("data", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # Bumped by every change: a change made from revision n is written only while the row is
    # still at n, so two bot instances tapping the same review cannot both win.
    Column("revision", Integer, nullable=False, server_default="1"),
    Index("ix_review_sessions_user_chat", "user_id", "chat_id", "updated_at"),
)

notes = Table(
    "notes",
    metadata,
    Column("id", _NoteId, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("text", Text, nullable=False),
    Column("language", String(16), nullable=False),
    Column("engine", String(32), nullable=False),
    Column("file_ids", JSON, nullable=False),
    Column("lines", JSON, nullable=False),
    # What the full-text index sees: diacritics folded, lower-cased, CJK split into
    # bigrams (see notes.search_text). Kept in the row so the index can be rebuilt.
    Column("search_text", Text, nullable=False),
    Column("idempotency_key", String(128), nullable=False),
    # Bumped by every fix of the saved note: a fix read at revision n is written only while
    # the note is still at n (bot/review/fix.py merges it otherwise).
    Column("revision", Integer, nullable=False, server_default="1"),
    Column("updated_at", UtcDateTime, nullable=True),
    UniqueConstraint("user_id", "idempotency_key", name="uq_notes_user_idempotency"),
    Index("ix_notes_user_created", "user_id", "created_at"),
)

# SQLite: an external-content FTS5 index over notes.search_text, kept in sync by triggers so
# that every way a note row disappears (delete_note, forget_user, manual SQL) also clears it.
SQLITE_SEARCH_DDL: tuple[str, ...] = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS notes_fts USING fts5("
    "search_text, content='notes', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS notes_fts_ai AFTER INSERT ON notes BEGIN "
    "INSERT INTO notes_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS notes_fts_ad AFTER DELETE ON notes BEGIN "
    "INSERT INTO notes_fts(notes_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS notes_fts_au AFTER UPDATE OF search_text ON notes BEGIN "
    "INSERT INTO notes_fts(notes_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO notes_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
)

# PostgreSQL: a stored tsvector of both the 'simple' words (exact and prefix matches in any
# language) and the 'english' stems ("meetings" finds "meeting"), with a GIN index.
POSTGRES_SEARCH_DDL: tuple[str, ...] = (
    "ALTER TABLE notes ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text) || "
    "to_tsvector('english'::regconfig, search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS ix_notes_search_vector ON notes USING gin (search_vector)",
)

# The alembic revision that the tables above correspond to. open_database stamps fresh
# databases with it so that later `alembic upgrade head` only runs newer revisions.
SCHEMA_REVISION = "0006"
ALEMBIC_VERSION_DDL = (
    "CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL, "
    "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
)

# Personal API tokens: only the SHA-256 of each (a 256-bit random token) is kept.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", BigInteger, nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
)

# The page images of a reading sent through the API, while its review is open (GET
# /v1/readings/{id}/pages/{n} from any instance). On disk, not in Redis: a 50-file batch of
# 20 MB photos would be a gigabyte of memory. Deleted when the note is saved; the pages of a
# review closed another way (in chat) go at the next reading's write (bot/storage/pages.py).
reading_pages = Table(
    "reading_pages",
    metadata,
    Column("reading_id", String(64), primary_key=True),
    Column("user_id", BigInteger, nullable=False),
    Column("page", Integer, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# Each user's vocabulary (issue 18): the words their corrections taught, as they wrote them,
# each with its weight (typed 3, in a confirmed line 1, summed) and when last taught; capped
# per user (bot/storage/words.py).
user_words = Table(
    "user_words",
    metadata,
    Column("user_id", BigInteger, autoincrement=False),
    # As the user wrote it (NFC, case and diacritics kept).
    Column("word", String(64)),
    Column("weight", Integer, nullable=False),
    Column("used_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("user_id", "word", name="pk_user_words"),
)
