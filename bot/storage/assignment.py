"""The SQL of automatic assignment. The decisions that race are the member row locks (taken in id
order, so two runs never wait on each other crosswise) and the conditional UPDATE that only takes
customers still in the pool; everything else here is a read made while those locks are held."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlmodel import Session, col

from bot.storage.events import starts_cooldown
from bot.storage.members import lock_member
from bot.storage.models import (
    AssignmentCursor,
    Customer,
    Member,
    OwnershipEvent,
    Pool,
    PoolAssignment,
)
from bot.storage.search import attribute_conditions
from bot.storage.sql import chunks, held, insert_on_conflict, team_pool_ids

OWNING_KINDS = ("claimed", "approved", "assigned", "transferred", "handed_over")


@dataclass(frozen=True, slots=True)
class Rep:
    id: int
    handle: str
    name: str
    max_held: int | None = None  # the member's own holding cap (None: each pool's)


@dataclass(frozen=True, slots=True)
class PoolCustomer:
    id: int
    name: str
    pool_id: int
    industry: str | None
    region: str | None
    size: str | None
    priority: str


@dataclass(frozen=True)
class Filters:
    industry: str | None = None
    region: str | None = None
    size: str | None = None
    priority: str | None = None
    pool: str | None = None


def lock_active_reps(session: Session, team_id: int, *, also: Sequence[int] = ()) -> list[Rep]:
    """The team's active reps, each row locked for the rest of the transaction, in id order (with
    the members ``also``, e.g. the one whose book a handover spreads, in the same order).

    Claims, assignments and transfers lock the member row first too, so while these locks are held
    nobody else can change what these reps hold: counts read afterwards stay true until commit.
    """
    rows = session.execute(
        select(col(Member.id), col(Member.handle), col(Member.name), col(Member.max_held))
        .where(col(Member.team_id) == team_id, col(Member.role) == "rep", col(Member.active))
        .order_by(col(Member.id))
    ).all()
    for member_id in sorted({int(row[0] or 0) for row in rows} | set(also)):
        lock_member(session, member_id)
    return [Rep(int(mid or 0), handle, name, cap) for mid, handle, name, cap in rows]


def settings_of(session: Session, pool_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    rows = session.execute(
        select(col(PoolAssignment.pool_id), col(PoolAssignment.settings)).where(
            col(PoolAssignment.pool_id).in_(pool_ids)
        )
    ).all()
    return {int(pool_id): dict(settings) for pool_id, settings in rows}


def save_settings(session: Session, pool_id: int, settings: dict[str, Any] | None) -> None:
    session.execute(delete(PoolAssignment).where(col(PoolAssignment.pool_id) == pool_id))
    if settings is not None:
        session.add(PoolAssignment(pool_id=pool_id, settings=settings))


def pool_customers(
    session: Session, team_id: int, filters: Filters, *, ids: Sequence[int] | None, limit: int
) -> list[PoolCustomer]:
    """Unowned, not pending customers of the team's pools matching ``filters`` (and among ``ids``
    when given), priority A first, then oldest first."""
    pools = team_pool_ids(team_id)
    if filters.pool:
        pools = pools.where(func.lower(col(Pool.name)) == filters.pool.lower())
    conditions: list[Any] = [
        col(Customer.pool_id).in_(pools),
        col(Customer.owner_id).is_(None),
        col(Customer.pending_member_id).is_(None),
        *attribute_conditions(filters),
    ]
    columns = (
        col(Customer.id),
        col(Customer.name),
        col(Customer.pool_id),
        col(Customer.industry),
        col(Customer.region),
        col(Customer.size),
        col(Customer.priority),
    )
    statement = select(*columns).where(*conditions).order_by(col(Customer.priority), col(Customer.id))
    if ids is None:
        return [PoolCustomer(*row) for row in session.execute(statement.limit(limit))]
    found: list[PoolCustomer] = []
    for chunk in chunks(ids):
        found += [PoolCustomer(*row) for row in session.execute(statement.where(col(Customer.id).in_(chunk)))]
    found.sort(key=lambda c: (c.priority, c.id))
    return found[:limit]


def held_by(session: Session, team_id: int) -> Counter[tuple[int, int]]:
    """(member, pool) -> customers held there (:func:`bot.storage.sql.held`)."""
    in_team = col(Customer.pool_id).in_(team_pool_ids(team_id))
    owned_held, pending_held = held()
    counts: Counter[tuple[int, int]] = Counter()
    owned = session.execute(
        select(col(Customer.owner_id), col(Customer.pool_id), func.count())
        .where(in_team, owned_held)
        .group_by(col(Customer.owner_id), col(Customer.pool_id))
    )
    pending = session.execute(
        select(col(Customer.pending_member_id), col(Customer.pool_id), func.count())
        .where(in_team, pending_held)
        .group_by(col(Customer.pending_member_id), col(Customer.pool_id))
    )
    for member_id, pool_id, count in [*owned, *pending]:
        counts[(int(member_id), int(pool_id))] += int(count)
    return counts


def given_back(session: Session, customer_ids: Sequence[int]) -> dict[tuple[int, int], datetime]:
    """(customer, member) -> when the member last released it or lost it to a recycle."""
    found: dict[tuple[int, int], datetime] = {}
    for chunk in chunks(customer_ids):
        rows = session.execute(
            select(
                col(OwnershipEvent.customer_id),
                col(OwnershipEvent.member_id),
                func.max(col(OwnershipEvent.at)),
            )
            .where(
                col(OwnershipEvent.customer_id).in_(chunk),
                starts_cooldown(),
                col(OwnershipEvent.member_id).is_not(None),
            )
            .group_by(col(OwnershipEvent.customer_id), col(OwnershipEvent.member_id))
        )
        found.update({(int(cid), int(mid)): at for cid, mid, at in rows})
    return found


Segment = tuple[str, str]  # (industry, size), lower-cased, "" for none


def segment_of(industry: str | None, size: str | None) -> Segment:
    return ((industry or "").lower(), (size or "").lower())


def segment_counts(
    session: Session, team_id: int, since: datetime, kinds: Sequence[str]
) -> dict[tuple[int, Segment], int]:
    """(member, segment) -> distinct customers with an event of ``kinds`` for the member since
    ``since``: customers received (owning kinds) or won ("won")."""
    pools = team_pool_ids(team_id)
    industry = func.lower(func.coalesce(col(Customer.industry), ""))
    size = func.lower(func.coalesce(col(Customer.size), ""))
    rows = session.execute(
        select(col(OwnershipEvent.member_id), industry, size, func.count(func.distinct(col(Customer.id))))
        .join(Customer, col(Customer.id) == col(OwnershipEvent.customer_id))
        .where(
            col(Customer.pool_id).in_(pools),
            col(OwnershipEvent.kind).in_(kinds),
            col(OwnershipEvent.at) >= since,
            col(OwnershipEvent.member_id).is_not(None),
        )
        .group_by(col(OwnershipEvent.member_id), industry, size)
    )
    return {(int(mid), (ind, sz)): int(count) for mid, ind, sz, count in rows}


def cursors(session: Session, pool_ids: Sequence[int]) -> dict[tuple[int, str], int]:
    rows = session.execute(
        select(
            col(AssignmentCursor.pool_id), col(AssignmentCursor.group_key), col(AssignmentCursor.member_id)
        ).where(col(AssignmentCursor.pool_id).in_(pool_ids))
    )
    return {(int(pool_id), key): int(member_id) for pool_id, key, member_id in rows}


def save_cursor(session: Session, pool_id: int, group_key: str, member_id: int) -> None:
    statement = insert_on_conflict(session, AssignmentCursor).values(
        pool_id=pool_id, group_key=group_key, member_id=member_id
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["pool_id", "group_key"], set_={"member_id": member_id}
        )
    )


def take_many(session: Session, customer_ids: Sequence[int], member_id: int, now: datetime) -> set[int]:
    """Give the listed customers still in the pool (not owned, not pending) to ``member_id``; the
    ids it took. A customer someone took meanwhile is simply not among them."""
    taken: set[int] = set()
    for chunk in chunks(customer_ids):
        result = session.execute(
            update(Customer)
            .where(
                col(Customer.id).in_(chunk),
                col(Customer.owner_id).is_(None),
                col(Customer.pending_member_id).is_(None),
            )
            .values(owner_id=member_id, owned_since=now, last_touch_at=now, pending_member_id=None)
            .returning(col(Customer.id))
            .execution_options(synchronize_session=False)
        )
        taken.update(int(cid) for cid in result.scalars())
    return taken
