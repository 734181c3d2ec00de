"""indexes for the claim rules' counts

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 05:00:00

A claim counts what the rep holds in the customer's pool (``bot.storage.claiming``): the
customers it owns and has not won, and those its requests wait for. With only the single-column
indexes on ``owner_id`` and ``pending_member_id``, a planner without statistics (SQLite is never
``ANALYZE``d) may as well walk ``ix_customer_pool_owner_priority`` over the whole pool; at 1M
customers the pending count read every row of the pool on SQLite. Both counts now have an index
that answers them alone:

- ``ix_customer_pending_pool`` on ``(pending_member_id, pool_id)``;
- ``ix_customer_owner_pool`` on ``(owner_id, pool_id, won_at)``: an index-only count of the
  customers owned and not won in one pool.

The event log's lookups already have theirs: the last give-back by ``ix_event_customer_at``, the
day's claims by ``ix_event_member_kind_at``.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_customer_pending_pool", "customer", ["pending_member_id", "pool_id"])
    op.create_index("ix_customer_owner_pool", "customer", ["owner_id", "pool_id", "won_at"])


def downgrade() -> None:
    op.drop_index("ix_customer_owner_pool", table_name="customer")
    op.drop_index("ix_customer_pending_pool", table_name="customer")
