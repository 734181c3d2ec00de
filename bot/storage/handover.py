"""The SQL of a handover: a member's book in one team's pools, read and moved set-based (a book can
hold thousands), in chunks whose size keeps SQLite's parameter limit. The moves are conditional
UPDATEs on the member still owning the customer; the ids they return are what moved."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from bot.storage.customers import unowned_values
from bot.storage.models import ClaimRequest, Customer, Pool
from bot.storage.sql import chunks, team_pool_ids


@dataclass(frozen=True, slots=True)
class BookCustomer:
    """An owned customer as a handover plans it (the fields assignment rules match on)."""

    id: int
    name: str
    pool_id: int
    industry: str | None
    region: str | None
    size: str | None
    priority: str
    won: bool


def book(session: Session, member_id: int, team_id: int) -> list[BookCustomer]:
    """The member's customers in the team's pools, priority A first, then by id."""
    rows = session.execute(
        select(
            col(Customer.id),
            col(Customer.name),
            col(Customer.pool_id),
            col(Customer.industry),
            col(Customer.region),
            col(Customer.size),
            col(Customer.priority),
            col(Customer.won_at).is_not(None),
        )
        .where(col(Customer.owner_id) == member_id, col(Customer.pool_id).in_(team_pool_ids(team_id)))
        .order_by(col(Customer.priority), col(Customer.id))
    )
    return [
        BookCustomer(int(cid), name, int(pid), ind, reg, size, pri, bool(won))
        for cid, name, pid, ind, reg, size, pri, won in rows
    ]


def counts_per_pool(session: Session, member_id: int, team_id: int) -> list[tuple[str, int]]:
    """(pool name, customers the member owns there) in the team's pools, by pool name."""
    rows = session.execute(
        select(col(Pool.name), func.count())
        .select_from(Customer)
        .join(Pool, col(Pool.id) == col(Customer.pool_id))
        .where(col(Customer.owner_id) == member_id, col(Pool.team_id) == team_id)
        .group_by(col(Pool.name))
        .order_by(col(Pool.name))
    )
    return [(str(name), int(count)) for name, count in rows]


def pending_requests(session: Session, member_id: int, team_id: int) -> list[tuple[int, str]]:
    """(request id, customer name) of the member's pending claim requests in the team's pools."""
    rows = session.execute(
        select(col(ClaimRequest.id), col(Customer.name))
        .join(Customer, col(Customer.id) == col(ClaimRequest.customer_id))
        .where(
            col(ClaimRequest.member_id) == member_id,
            col(ClaimRequest.status) == "pending",
            col(Customer.pool_id).in_(team_pool_ids(team_id)),
        )
        .order_by(col(ClaimRequest.id))
    )
    return [(int(rid), str(name)) for rid, name in rows]


def holds_anything(session: Session, member_id: int, team_id: int) -> bool:
    """Whether the member owns a customer or waits on a claim in the team's pools."""
    in_team = col(Customer.pool_id).in_(team_pool_ids(team_id))
    owned = (col(Customer.owner_id) == member_id) | (col(Customer.pending_member_id) == member_id)
    return session.scalar(select(col(Customer.id)).where(in_team, owned).limit(1)) is not None


def teams_holding(session: Session, member_id: int) -> list[int]:
    """The teams whose pools hold customers the member owns or waits on a claim for, by id."""
    owned = (col(Customer.owner_id) == member_id) | (col(Customer.pending_member_id) == member_id)
    rows = session.execute(
        select(col(Pool.team_id))
        .select_from(Customer)
        .join(Pool, col(Pool.id) == col(Customer.pool_id))
        .where(owned)
        .group_by(col(Pool.team_id))
        .order_by(col(Pool.team_id))
    )
    return [int(team_id) for team_id in rows.scalars()]


def move(session: Session, ids: Sequence[int], from_id: int, to_id: int, now: datetime) -> list[int]:
    """Give the listed customers still owned by ``from_id`` to ``to_id`` (history, follow-ups, won
    and locked stay with the customer; its recycle clock restarts); the ids moved."""
    moved: list[int] = []
    for chunk in chunks(ids):
        result = session.execute(
            update(Customer)
            .where(col(Customer.id).in_(chunk), col(Customer.owner_id) == from_id)
            .values(owner_id=to_id, owned_since=now, last_touch_at=now)
            .returning(col(Customer.id))
            .execution_options(synchronize_session=False)
        )
        moved += [int(cid) for cid in result.scalars()]
    return sorted(moved)


def to_pool(session: Session, ids: Sequence[int], from_id: int) -> list[int]:
    """Put the listed customers still owned by ``from_id`` back in their pool, as a release does (a
    won one restarts at stage new); the ids moved."""
    moved: list[int] = []
    for chunk in chunks(ids):
        result = session.execute(
            update(Customer)
            .where(col(Customer.id).in_(chunk), col(Customer.owner_id) == from_id)
            .values(**unowned_values())
            .returning(col(Customer.id))
            .execution_options(synchronize_session=False)
        )
        moved += [int(cid) for cid in result.scalars()]
    return sorted(moved)
