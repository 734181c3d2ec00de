"""chat surfaces: message references, card refreshes, inbound dedupe, stored choices

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 19:30:00

- ``notification.platform`` pins a team-channel row to one platform's channel;
  ``notification.message_ref`` records where a delivered message landed; ``refreshes_id`` marks a
  row that updates the message of another (a claim card once decided).
- ``inbound_seen``: platform retries and redeliveries already acted on.
- ``chat_choice``: numbered choices offered to a chat identity, readable by every process.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True))
        batch.add_column(sa.Column("message_ref", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("refreshes_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_notification_refreshes_id", "notification", ["refreshes_id"], ["id"])
    op.create_table(
        "inbound_seen",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "key", name="uq_inbound_seen_platform_key"),
    )
    op.create_index("ix_inbound_seen_received_at", "inbound_seen", ["received_at"])
    op.create_table(
        "chat_choice",
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("commands", sa.JSON(), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("chat_choice")
    op.drop_index("ix_inbound_seen_received_at", table_name="inbound_seen")
    op.drop_table("inbound_seen")
    with op.batch_alter_table("notification") as batch:
        batch.drop_constraint("fk_notification_refreshes_id", type_="foreignkey")
        batch.drop_column("refreshes_id")
        batch.drop_column("message_ref")
        batch.drop_column("platform")
