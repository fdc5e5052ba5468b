"""reading_pages: the page images of readings sent through the API, while under review.

Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"


def upgrade() -> None:
    # The bot creates missing tables before it migrates (bot/storage/db.py).
    if sa.inspect(op.get_bind()).has_table("reading_pages"):
        return
    op.create_table(
        "reading_pages",
        sa.Column("reading_id", sa.String(64), primary_key=True),
        sa.Column("page", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reading_pages")
