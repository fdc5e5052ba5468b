"""review_sessions.revision: optimistic concurrency for reviews shared by several bot instances.

Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"


def upgrade() -> None:
    op.add_column(
        "review_sessions",
        sa.Column("revision", sa.Integer(), nullable=False, server_default="1"),
    )


def downgrade() -> None:
    with op.batch_alter_table("review_sessions") as batch:
        batch.drop_column("revision")
