"""quiet hours per member, the team's claim-card exemption, a follow-up's message link

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 02:00:00

- ``member.quiet_hours``: the config file's ``quiet_hours`` ("20:00-08:30"), null for none.
- ``member.quiet_hours_own``: what the member set with ``/settings quiet`` ("off" included),
  null while they never did; it wins over the config file's.
- ``team.claim_cards_ignore_quiet_hours``: claim cards reach the team's managers even in their
  quiet hours.
- ``follow_up.permalink``: the chat message a follow-up was logged from (Slack's permalink).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ADD COLUMN (SQLite has it): a batch recreate would drop and copy tables that others
    # reference, which SQLite's foreign keys refuse on a database with data
    op.add_column(
        "member", sa.Column("quiet_hours", sqlmodel.sql.sqltypes.AutoString(length=11), nullable=True)
    )
    op.add_column(
        "member", sa.Column("quiet_hours_own", sqlmodel.sql.sqltypes.AutoString(length=11), nullable=True)
    )
    op.add_column(
        "team",
        sa.Column("claim_cards_ignore_quiet_hours", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "follow_up", sa.Column("permalink", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True)
    )


def downgrade() -> None:
    # plain DROP COLUMN (SQLite 3.35 and newer), for the same reason
    op.drop_column("follow_up", "permalink")
    op.drop_column("team", "claim_cards_ignore_quiet_hours")
    op.drop_column("member", "quiet_hours_own")
    op.drop_column("member", "quiet_hours")
