"""automatic assignment: per-pool settings and round-robin cursors

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 09:00:00

- ``pool_assignment``: the ``[pools.assignment]`` table of the config file, as JSON, per pool.
- ``assignment_cursor``: the member who got the last customer of each round-robin group, so the
  turn survives restarts and is shared by every process.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pool_assignment",
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["pool_id"], ["pool.id"]),
        sa.PrimaryKeyConstraint("pool_id"),
    )
    op.create_table(
        "assignment_cursor",
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("group_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["pool_id"], ["pool.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("pool_id", "group_key"),
    )


def downgrade() -> None:
    op.drop_table("assignment_cursor")
    op.drop_table("pool_assignment")
