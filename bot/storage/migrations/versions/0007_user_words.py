"""user_words: each user's vocabulary, the words their corrections taught (issue 18).

Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"


def upgrade() -> None:
    # The bot creates missing tables before it migrates (bot/storage/db.py): an older database
    # opened by this release has the table already, and only needs the stamp.
    if sa.inspect(op.get_bind()).has_table("user_words"):
        return
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
