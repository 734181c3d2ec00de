"""the indexes an initial load builds at its end

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 08:00:00

``deferred_index`` holds the definition of each customer index a big import into a (nearly)
empty table dropped before loading (bot.storage.bulk_load), so that an import killed halfway
leaves what it must build. Only PostgreSQL's imports defer indexes; the table exists on both
databases so that the schema is one.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deferred_index",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
        sa.Column("definition", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("deferred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("deferred_index")
