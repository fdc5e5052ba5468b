"""Initial schema: notes (+ full-text index), user settings, review sessions.

Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None

# Frozen copies of the DDL at this revision (schema.py may move on; this must not).
_SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE notes_fts USING fts5("
    "search_text, content='notes', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER notes_fts_ai AFTER INSERT ON notes BEGIN "
    "INSERT INTO notes_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER notes_fts_ad AFTER DELETE ON notes BEGIN "
    "INSERT INTO notes_fts(notes_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER notes_fts_au AFTER UPDATE OF search_text ON notes BEGIN "
    "INSERT INTO notes_fts(notes_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO notes_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
)
_POSTGRES_SEARCH = (
    "ALTER TABLE notes ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text) || "
    "to_tsvector('english'::regconfig, search_text)) STORED",
    "CREATE INDEX ix_notes_search_vector ON notes USING gin (search_vector)",
)


def upgrade() -> None:
    ts = sa.DateTime(timezone=True)
    note_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "user_settings",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("language", sa.String(16), nullable=True),
        sa.Column("threshold", sa.Integer(), nullable=True),
        sa.Column("updated_at", ts, nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "review_sessions",
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", ts, nullable=False),
        sa.PrimaryKeyConstraint("session_id"),
    )
    op.create_index(
        "ix_review_sessions_user_chat", "review_sessions", ["user_id", "chat_id", "updated_at"]
    )
    op.create_table(
        "notes",
        sa.Column("id", note_id, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("engine", sa.String(32), nullable=False),
        sa.Column("file_ids", sa.JSON(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "idempotency_key", name="uq_notes_user_idempotency"),
    )
    op.create_index("ix_notes_user_created", "notes", ["user_id", "created_at"])
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_SEARCH if dialect == "sqlite" else _POSTGRES_SEARCH:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS notes_fts")  # its triggers go with the notes table
    op.drop_index("ix_notes_user_created", table_name="notes")
    op.drop_table("notes")
    op.drop_index("ix_review_sessions_user_chat", table_name="review_sessions")
    op.drop_table("review_sessions")
    op.drop_table("user_settings")
