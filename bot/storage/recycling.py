"""The SQL of the recycle sweep, and of the reads that look ahead at it (the warnings, the
morning reminder).

The sweep is set-based: which owned customers are due is one condition per pool
(:func:`due_condition`), evaluated by the database over instants computed in Python from each
team's calendar, never by loading the customers into Python. The same condition is checked again
by the UPDATE that recycles them, so whatever committed in between (a follow-up, a win, a lock,
a new owner) wins over the sweep.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Row, Select, and_, false, func, or_, select, tuple_, update
from sqlmodel import Session, col

from bot.storage.extensions import current_extension
from bot.storage.models import ClaimRequest, Customer, Member, OwnershipEvent, Pool, Team
from bot.storage.sql import rowcount


def pools_with_teams(session: Session, team_id: int | None = None) -> list[tuple[Pool, Team]]:
    statement = select(Pool, Team).join(Team, col(Team.id) == col(Pool.team_id)).order_by(col(Pool.id))
    if team_id is not None:
        statement = statement.where(col(Pool.team_id) == team_id)
    return [(pool, team) for pool, team in session.execute(statement)]


# ---- which owned customers are due -------------------------------------------------------------------


@dataclass(frozen=True)
class Cutoffs:
    """For one pool: an owned customer is due when its last touch (the claim if none since) is
    before ``touch[priority]``, or when it has been owned since before ``owned`` (the rule
    ``recycle_days_without_deal``, when the pool has it). Instants are UTC."""

    pool_id: int
    touch: dict[str, datetime]
    owned: datetime | None = None
    # the local day looked at: an extension of the current ownership until a later day keeps it
    day: date | None = None


def due_condition(cutoffs: Cutoffs) -> ColumnElement[bool]:
    """Owned, not won, not locked, in the pool, and past one of the cutoffs."""
    last_touch = func.coalesce(col(Customer.last_touch_at), col(Customer.owned_since))
    past = [
        and_(col(Customer.priority) == priority, last_touch < cutoff)
        for priority, cutoff in sorted(cutoffs.touch.items())
    ]
    if cutoffs.owned is not None:
        past.append(col(Customer.owned_since) < cutoffs.owned)
    not_extended = or_(
        col(Customer.extended_until).is_(None),
        col(Customer.extended_for).is_(None),
        col(Customer.extended_for) != col(Customer.owned_since),
        col(Customer.extended_until) <= cutoffs.day if cutoffs.day is not None else false(),
    )
    return and_(
        not_extended,
        col(Customer.pool_id) == cutoffs.pool_id,
        col(Customer.owner_id).is_not(None),
        col(Customer.owned_since).is_not(None),
        col(Customer.won_at).is_(None),
        col(Customer.locked) == false(),
        or_(*past) if past else false(),
    )


@dataclass(frozen=True, slots=True)
class RecycleCandidate:
    """An owned customer the due condition selected (the sweep checks it again when it writes)."""

    id: int
    name: str
    owner_id: int
    owner_name: str
    priority: str
    last_touch_at: datetime | None
    owned_since: datetime | None
    won_at: datetime | None  # None and False here: the due condition leaves won and locked out
    locked: bool
    current_extension: date | None = None


# what :func:`_candidates` selects, in :class:`RecycleCandidate`'s order
_Row = tuple[
    int | None,
    str,
    int | None,
    str,
    str,
    datetime | None,
    datetime | None,
    datetime | None,
    bool,
    date | None,
]


def _candidates(*where: ColumnElement[bool]) -> Select[*_Row]:
    return (
        select(
            col(Customer.id),
            col(Customer.name),
            col(Customer.owner_id),
            col(Member.name),
            col(Customer.priority),
            col(Customer.last_touch_at),
            col(Customer.owned_since),
            col(Customer.won_at),
            col(Customer.locked),
            current_extension(),
        )
        .join(Member, col(Member.id) == col(Customer.owner_id))
        .where(*where)
    )


def _candidate(row: Row[*_Row]) -> RecycleCandidate:
    cid, name, owner, owner_name, priority, touch, since, won, locked, extended = row
    return RecycleCandidate(
        cid or 0, name, owner or 0, owner_name, priority, touch, since, won, locked, extended
    )


def due_batch(session: Session, cutoffs: Cutoffs, *, after_id: int, limit: int) -> list[RecycleCandidate]:
    """The next ``limit`` due customers with an id above ``after_id``, by id (keyset paging: each
    batch walks the primary key from where the last one stopped)."""
    statement = _candidates(due_condition(cutoffs), col(Customer.id) > after_id)
    rows = session.execute(statement.order_by(col(Customer.id)).limit(limit))
    return [_candidate(row) for row in rows]


def due_of_active_reps(session: Session, team_id: int, cutoffs: Cutoffs) -> list[RecycleCandidate]:
    """Customers of the pool owned by the team's active reps that are due for recycling by the day
    ``cutoffs`` were computed for (the sweep's own condition, looked at ahead of time)."""
    reps = select(col(Member.id)).where(
        col(Member.team_id) == team_id, col(Member.role) == "rep", col(Member.active)
    )
    statement = _candidates(due_condition(cutoffs), col(Customer.owner_id).in_(reps))
    rows = session.execute(statement.order_by(col(Customer.owner_id), col(Customer.id)))
    return [_candidate(row) for row in rows]


def recycle_rows(session: Session, cutoffs: Cutoffs, pairs: Sequence[tuple[int, int]]) -> set[int]:
    """Put the listed (customer, owner) pairs back in the pool if each is still owned by that owner
    and still due; returns the ids that went back."""
    if not pairs:
        return set()
    result = session.execute(
        update(Customer)
        .where(
            col(Customer.id).in_([cid for cid, _ in pairs]),
            tuple_(col(Customer.id), col(Customer.owner_id)).in_(pairs),
            due_condition(cutoffs),
        )
        .values(owner_id=None, owned_since=None, last_touch_at=None, pending_member_id=None)
        .returning(col(Customer.id))
        .execution_options(synchronize_session=False)
    )
    return set(result.scalars())


def expire_requests_on(session: Session, customer_ids: Sequence[int], now: datetime) -> int:
    """Pending claim requests on customers that just went back (an owned customer has none; this
    keeps the request table consistent should one exist)."""
    if not customer_ids:
        return 0
    result = session.execute(
        update(ClaimRequest)
        .where(col(ClaimRequest.customer_id).in_(customer_ids), col(ClaimRequest.status) == "pending")
        .values(status="expired", decided_at=now)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


# ---- what went back, for the notices -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecycledEvent:
    customer_id: int
    customer_name: str
    priority: str
    member_id: int
    member_name: str
    rule: str
    reason: str
    at: datetime


def recycled_between(
    session: Session, team_id: int, start: datetime, end: datetime, member_id: int | None = None
) -> list[RecycledEvent]:
    """Recycles of the team's customers in [start, end), by former owner then customer name."""
    statement = (
        select(
            col(OwnershipEvent.customer_id),
            col(Customer.name),
            col(Customer.priority),
            col(OwnershipEvent.member_id),
            col(Member.name),
            col(OwnershipEvent.rule),
            col(OwnershipEvent.reason),
            col(OwnershipEvent.at),
        )
        .join(Customer, col(Customer.id) == col(OwnershipEvent.customer_id))
        .join(Pool, col(Pool.id) == col(Customer.pool_id))
        .join(Member, col(Member.id) == col(OwnershipEvent.member_id))
        .where(
            col(OwnershipEvent.kind) == "recycled",
            col(Pool.team_id) == team_id,
            col(OwnershipEvent.at) >= start,
            col(OwnershipEvent.at) < end,
        )
        .order_by(col(Member.name), col(Member.id), col(Customer.name), col(OwnershipEvent.id))
    )
    if member_id is not None:
        statement = statement.where(col(OwnershipEvent.member_id) == member_id)
    return [
        RecycledEvent(cid, name, priority, mid or 0, member, rule or "", reason, at)
        for cid, name, priority, mid, member, rule, reason, at in session.execute(statement)
    ]
