"""caps per person: a member's own holding cap

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 02:00:00

- ``member.max_held``: the config file's ``[[members]] max_held``; when set, it replaces the pool's
  ``max_held_per_rep`` for that member (NULL: the pool's cap applies).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("member") as batch:
        batch.add_column(sa.Column("max_held", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("member") as batch:
        batch.drop_column("max_held")
