"""working-day calendars, working-day deadlines and extensions (延期)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 02:00:00

- ``team``: ``holidays`` ("CN" or none) and the company's ``extra_holidays`` / ``extra_workdays``.
- ``pool``: ``recycle_days_count`` ("calendar" | "working"), ``extend_days``, ``extend_max``.
- ``customer``: ``extended_until`` and ``extended_for`` (the ownership the extension is for).
- ``extension_request``: an extension beyond the quota, waiting for a manager.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ADD COLUMN (with a constant default), never a table copy: SQLite cannot drop a table
    # that other tables' rows reference while foreign keys are enforced
    op.add_column("team", sa.Column("holidays", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True))
    op.add_column("team", sa.Column("extra_holidays", sa.JSON(), nullable=False, server_default="[]"))
    op.add_column("team", sa.Column("extra_workdays", sa.JSON(), nullable=False, server_default="[]"))
    op.add_column(
        "pool",
        sa.Column(
            "recycle_days_count",
            sqlmodel.sql.sqltypes.AutoString(length=10),
            nullable=False,
            server_default="calendar",
        ),
    )
    op.add_column("pool", sa.Column("extend_days", sa.Integer(), nullable=False, server_default="3"))
    op.add_column("pool", sa.Column("extend_max", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("customer", sa.Column("extended_until", sa.Date(), nullable=True))
    op.add_column("customer", sa.Column("extended_for", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "extension_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("owned_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_extension_request_customer_id", "extension_request", ["customer_id"])
    op.create_index("ix_extension_request_status", "extension_request", ["status"])


def downgrade() -> None:
    op.drop_index("ix_extension_request_status", table_name="extension_request")
    op.drop_index("ix_extension_request_customer_id", table_name="extension_request")
    op.drop_table("extension_request")
    # plain DROP COLUMN (SQLite 3.35 and later), for the same reason as the upgrade
    for table, column in (
        ("customer", "extended_for"),
        ("customer", "extended_until"),
        ("pool", "extend_max"),
        ("pool", "extend_days"),
        ("pool", "recycle_days_count"),
        ("team", "extra_workdays"),
        ("team", "extra_holidays"),
        ("team", "holidays"),
    ):
        op.drop_column(table, column)
