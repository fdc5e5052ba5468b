"""reading_pages and user_words (issues 19 and 18).

- reading_pages: the page images of readings sent through the API, while under review;
- user_words: each user's vocabulary, the words their corrections taught.

Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"


def upgrade() -> None:
    # The bot creates missing tables before it migrates (bot/storage/db.py): an older database
    # opened by this release may have them already, and only needs the stamp.
    present = sa.inspect(op.get_bind()).get_table_names()
    if "reading_pages" not in present:
        op.create_table(
            "reading_pages",
            sa.Column("reading_id", sa.String(64), primary_key=True),
            sa.Column("user_id", sa.BigInteger(), nullable=False),
            sa.Column("page", sa.Integer(), primary_key=True, autoincrement=False),
            sa.Column("data", sa.LargeBinary(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        )
    if "user_words" not in present:
        op.create_table(
            "user_words",
            sa.Column("user_id", sa.BigInteger(), autoincrement=False),
            sa.Column("word", sa.String(64)),
            sa.Column("weight", sa.Integer(), nullable=False),
            sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("user_id", "word", name="pk_user_words"),
        )


def downgrade() -> None:
    op.drop_table("user_words")
    op.drop_table("reading_pages")
