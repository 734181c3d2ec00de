"""The SQL of one customer's state: reading it, and the conditional UPDATEs that change hands.
Decisions that race are conditional UPDATEs whose row count says who won; nothing here checks in
Python and then writes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, update
from sqlmodel import Session, col

from bot.storage.models import Customer
from bot.storage.sql import held, rowcount, team_pool_ids

NEW_STAGE = "new"  # where a customer starts, and where a won one that goes back restarts


def customer(session: Session, customer_id: int) -> Customer | None:
    return session.get(Customer, customer_id, populate_existing=True)


def customers_by_ids(session: Session, ids: Sequence[int]) -> Sequence[Customer]:
    return session.execute(select(Customer).where(col(Customer.id).in_(ids))).scalars().all()


def customers_owned_by(session: Session, member_id: int) -> Sequence[Customer]:
    return session.execute(select(Customer).where(col(Customer.owner_id) == member_id)).scalars().all()


def newest_ids(session: Session, pool_id: int, limit: int) -> list[int]:
    """The ids of the pool's ``limit`` newest customers, newest first."""
    return list(
        session.execute(
            select(col(Customer.id))
            .where(col(Customer.pool_id) == pool_id)
            .order_by(col(Customer.id).desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )


def held_count(session: Session, member_id: int, pool_id: int | None = None) -> int:
    """Customers the member holds (:func:`bot.storage.sql.held`) in one pool (the holding cap is a
    rule of the pool) or, without ``pool_id``, across the team's pools."""
    in_pool = () if pool_id is None else (col(Customer.pool_id) == pool_id,)
    owned, pending = held(member_id)
    owned_count = session.scalar(select(func.count()).select_from(Customer).where(owned, *in_pool))
    pending_count = session.scalar(select(func.count()).select_from(Customer).where(pending, *in_pool))
    return int(owned_count or 0) + int(pending_count or 0)


def _owner_values(member_id: int, now: datetime) -> dict[str, Any]:
    return {"owner_id": member_id, "owned_since": now, "last_touch_at": now, "pending_member_id": None}


def mark_pending(session: Session, customer_id: int, member_id: int) -> bool:
    result = session.execute(
        update(Customer)
        .where(
            col(Customer.id) == customer_id,
            col(Customer.owner_id).is_(None),
            col(Customer.pending_member_id).is_(None),
        )
        .values(pending_member_id=member_id)
    )
    return rowcount(result) == 1


def settle_pending(
    session: Session, customer_id: int, member_id: int, *, approve: bool, now: datetime
) -> bool:
    values = _owner_values(member_id, now) if approve else {"pending_member_id": None}
    result = session.execute(
        update(Customer)
        .where(col(Customer.id) == customer_id, col(Customer.pending_member_id) == member_id)
        .values(**values)
    )
    return rowcount(result) == 1


def unowned_values() -> dict[str, Any]:
    """The columns of a customer going back to the pool: nobody's, untouched, not locked, and a won
    one restarts at stage new (the next owner never inherits "won")."""
    return {
        "owner_id": None,
        "owned_since": None,
        "last_touch_at": None,
        "won_at": None,
        "locked": False,
        "stage": case((col(Customer.won_at).is_not(None), NEW_STAGE), else_=col(Customer.stage)),
    }


def give_back(session: Session, customer_id: int, owner_id: int, *, to_pool_id: int | None = None) -> bool:
    """Back to the pool (``to_pool_id``: to that pool instead of its own), if ``owner_id`` still owns it."""
    moved = {} if to_pool_id is None else {"pool_id": to_pool_id}
    result = session.execute(
        update(Customer)
        .where(col(Customer.id) == customer_id, col(Customer.owner_id) == owner_id)
        .values(**moved, **unowned_values())
    )
    return rowcount(result) == 1


def reassign(
    session: Session, customer_id: int, from_owner: int | None, to_member: int, now: datetime
) -> bool:
    """Move a customer from ``from_owner`` (None: the pool) to ``to_member``, if still there."""
    owner_matches = (
        col(Customer.owner_id).is_(None) if from_owner is None else col(Customer.owner_id) == from_owner
    )
    result = session.execute(
        update(Customer)
        .where(col(Customer.id) == customer_id, owner_matches, col(Customer.pending_member_id).is_(None))
        .values(**_owner_values(to_member, now))
    )
    return rowcount(result) == 1


def touch(session: Session, customer_id: int, owner_id: int, now: datetime) -> bool:
    result = session.execute(
        update(Customer)
        .where(col(Customer.id) == customer_id, col(Customer.owner_id) == owner_id)
        .values(last_touch_at=now)
    )
    return rowcount(result) == 1


def set_flags(session: Session, customer_id: int, owner_id: int | None, **values: Any) -> bool:
    """Update won/locked/stage on an owned customer, if ``owner_id`` still owns it."""
    result = session.execute(
        update(Customer)
        .where(col(Customer.id) == customer_id, col(Customer.owner_id) == owner_id)
        .values(**values)
    )
    return rowcount(result) == 1


def set_priority(session: Session, customer_id: int, priority: str) -> None:
    session.execute(update(Customer).where(col(Customer.id) == customer_id).values(priority=priority))


def book_of(session: Session, member_id: int, team_id: int) -> list[tuple[int, str]]:
    """The member's customers in the team's pools (id, name), by id."""
    rows = session.execute(
        select(col(Customer.id), col(Customer.name))
        .where(col(Customer.owner_id) == member_id, col(Customer.pool_id).in_(team_pool_ids(team_id)))
        .order_by(col(Customer.id))
    )
    return [(int(cid), name) for cid, name in rows]


def move_book(
    session: Session, customer_ids: list[int], from_id: int, to_id: int, now: datetime
) -> list[int]:
    """Move the listed customers still owned by ``from_id``, in one statement; the ids it moved
    (one released or recycled meanwhile is not among them)."""
    result = session.execute(
        update(Customer)
        .where(col(Customer.id).in_(customer_ids), col(Customer.owner_id) == from_id)
        .values(owner_id=to_id, owned_since=now, last_touch_at=now)
        .returning(col(Customer.id))
    )
    return sorted(result.scalars().all())
