"""The reads of ``/forecast``: the owned customers that may still go back to the pool."""

from __future__ import annotations

from sqlalchemy import false, select
from sqlmodel import Session, col

from bot.storage.models import Customer, Member, Pool


def recyclable(
    session: Session, team_id: int, owner_id: int | None = None
) -> list[tuple[Customer, Pool, str]]:
    """(customer, its pool, the owner's name) of every owned customer in the team's pools that is
    neither won nor locked; only ``owner_id``'s when given."""
    statement = (
        select(Customer, Pool, col(Member.name))
        .join(Pool, col(Pool.id) == col(Customer.pool_id))
        .join(Member, col(Member.id) == col(Customer.owner_id))
        .where(
            col(Pool.team_id) == team_id,
            col(Customer.owned_since).is_not(None),
            col(Customer.won_at).is_(None),
            col(Customer.locked) == false(),
        )
        .order_by(col(Customer.id))
    )
    if owner_id is not None:
        statement = statement.where(col(Customer.owner_id) == owner_id)
    return [(customer, pool, str(name)) for customer, pool, name in session.execute(statement)]
