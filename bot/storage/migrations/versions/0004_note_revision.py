"""notes.revision and notes.updated_at: a saved note can be fixed, and two fixes at once are
told apart (a fix read at revision n is written only while the note is still at n).

Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"


def upgrade() -> None:
    op.add_column("notes", sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("notes", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE notes SET updated_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("notes") as batch:
        batch.drop_column("updated_at")
        batch.drop_column("revision")
