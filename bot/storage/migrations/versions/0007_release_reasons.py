"""release reasons and pools: per-pool reasons and targets, and what each release recorded

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 02:00:00

- ``pool.release_reasons`` / ``pool.release_reason_required`` / ``pool.release_to``: the config
  file's keys of the same names (reasons in order; the names of pools a release may go to).
- ``ownership_event.release_reason``: the configured reason a release was given for (what
  ``/report`` counts and the export shows); ``ownership_event.to_pool_id``: the pool it went to
  when another than its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pool") as batch:
        batch.add_column(sa.Column("release_reasons", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(
            sa.Column("release_reason_required", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("release_to", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("ownership_event") as batch:
        batch.add_column(
            sa.Column("release_reason", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )
        batch.add_column(sa.Column("to_pool_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_ownership_event_to_pool_id_pool", "pool", ["to_pool_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("ownership_event") as batch:
        batch.drop_constraint("fk_ownership_event_to_pool_id_pool", type_="foreignkey")
        batch.drop_column("to_pool_id")
        batch.drop_column("release_reason")
    with op.batch_alter_table("pool") as batch:
        batch.drop_column("release_to")
        batch.drop_column("release_reason_required")
        batch.drop_column("release_reasons")
