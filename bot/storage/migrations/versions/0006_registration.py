"""registration (报备) with the duplicate check, and merges

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 02:00:00

- ``customer.dup_key`` (the company key the duplicate check compares, indexed) and
  ``customer.credit_code`` (统一社会信用代码, indexed); an index on ``lower(email)``. Existing rows
  get their ``dup_key`` and a recomputed ``phone_key`` (the trunk 0 is dropped now).
- ``claim_request.kind`` ('claim' | 'registration'), ``pool_id`` and ``proposal``: a registration
  that waits for a manager.
- ``pool.daily_register_limit``; ``team.duplicate_threshold`` and ``team.register_seq`` (the
  row lock of a team's registrations).
- ``customer_merge``: which id was merged into which, so the old id answers.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from bot.names import company_key, phone_key

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5_000


def upgrade() -> None:
    with op.batch_alter_table("customer") as batch_op:
        batch_op.add_column(sa.Column("dup_key", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("credit_code", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=True)
        )
        batch_op.create_index("ix_customer_dup_key", ["dup_key"], unique=False)
        batch_op.create_index("ix_customer_credit_code", ["credit_code"], unique=False)
    op.create_index("ix_customer_email_lower", "customer", [sa.text("lower(email)")])
    with op.batch_alter_table("claim_request") as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=12), nullable=False, server_default="claim"))
        batch_op.add_column(sa.Column("pool_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("proposal", sa.JSON(), nullable=True))
        batch_op.create_foreign_key("fk_claim_request_pool_id", "pool", ["pool_id"], ["id"])
    with op.batch_alter_table("pool") as batch_op:
        batch_op.add_column(sa.Column("daily_register_limit", sa.Integer(), nullable=True))
    with op.batch_alter_table("team") as batch_op:
        batch_op.add_column(
            sa.Column("duplicate_threshold", sa.Integer(), nullable=False, server_default="85")
        )
        batch_op.add_column(sa.Column("register_seq", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "customer_merge",
        sa.Column("merged_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("into_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["into_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.ForeignKeyConstraint(["by_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("merged_id"),
    )
    op.create_index("ix_customer_merge_into_id", "customer_merge", ["into_id"], unique=False)
    _backfill_keys()


def _backfill_keys() -> None:
    """Every existing customer's company key and phone key, a batch of ids at a time."""
    connection = op.get_bind()
    customer = sa.table(
        "customer",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("phone", sa.String),
        sa.column("dup_key", sa.String),
        sa.column("phone_key", sa.String),
    )
    update = (
        sa.update(customer)
        .where(customer.c.id == sa.bindparam("cid"))
        .values(dup_key=sa.bindparam("dk"), phone_key=sa.bindparam("pk"))
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(customer.c.id, customer.c.name, customer.c.phone)
            .where(customer.c.id > last)
            .order_by(customer.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            update,
            [{"cid": r[0], "dk": company_key(r[1] or "")[:200], "pk": phone_key(r[2])} for r in rows],
        )
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_index("ix_customer_merge_into_id", table_name="customer_merge")
    op.drop_table("customer_merge")
    with op.batch_alter_table("team") as batch_op:
        batch_op.drop_column("register_seq")
        batch_op.drop_column("duplicate_threshold")
    with op.batch_alter_table("pool") as batch_op:
        batch_op.drop_column("daily_register_limit")
    with op.batch_alter_table("claim_request") as batch_op:
        batch_op.drop_constraint("fk_claim_request_pool_id", type_="foreignkey")
        batch_op.drop_column("proposal")
        batch_op.drop_column("pool_id")
        batch_op.drop_column("kind")
    op.drop_index("ix_customer_email_lower", table_name="customer")
    with op.batch_alter_table("customer") as batch_op:
        batch_op.drop_index("ix_customer_credit_code")
        batch_op.drop_index("ix_customer_dup_key")
        batch_op.drop_column("credit_code")
        batch_op.drop_column("dup_key")
