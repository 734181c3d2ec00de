"""The SQL of the morning reminder, the manager digest and the claim-request expiry.

Every read answers for a whole team (or every pool) at once, never for one member: composing the
reminders of 5,000 reps is a handful of statements, not 5,000. The writes are conditional UPDATEs
whose RETURNING says what changed, so a manager deciding a request at the same instant as the
expiry either wins completely or loses completely.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, tuple_, update
from sqlmodel import Session, col

from bot.storage.jobs import Cutoffs, due_condition
from bot.storage.models import (
    ClaimRequest,
    Customer,
    FollowUp,
    Member,
    Notification,
    OwnershipEvent,
    Pool,
    Team,
)

CHUNK = 500  # keys or ids per IN list: well under SQLite's bound-parameter limit
REP_ROLES = ("rep",)
MANAGER_ROLES = ("manager", "admin")


# ---- teams and people --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TeamRow:
    id: int
    name: str
    timezone: str
    locale: str
    reminder_time: str  # "HH:MM", local
    working_days: str  # "mon,tue,wed,thu,fri"


def teams(session: Session) -> list[TeamRow]:
    rows = session.execute(
        select(
            col(Team.id),
            col(Team.name),
            col(Team.timezone),
            col(Team.locale),
            col(Team.reminder_time),
            col(Team.working_days),
        ).order_by(col(Team.id))
    )
    return [
        TeamRow(int(tid or 0), name, zone, locale, at, days) for tid, name, zone, locale, at, days in rows
    ]


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    name: str
    handle: str


def _active(team_id: int, roles: Sequence[str]) -> Select[int | None]:
    """The ids of the team's active members with one of ``roles`` (a subquery for IN)."""
    return select(col(Member.id)).where(
        col(Member.team_id) == team_id, col(Member.role).in_(roles), col(Member.active)
    )


def active_members(session: Session, team_id: int, roles: Sequence[str]) -> list[Person]:
    rows = session.execute(
        select(col(Member.id), col(Member.name), col(Member.handle))
        .where(col(Member.id).in_(_active(team_id, roles)))
        .order_by(col(Member.name), col(Member.id))
    )
    return [Person(int(mid or 0), name, handle) for mid, name, handle in rows]


def existing_keys(session: Session, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` are in the outbox already (sent or not): those causes were dealt with."""
    found: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        found.update(
            session.execute(select(col(Notification.key)).where(col(Notification.key).in_(chunk))).scalars()
        )
    return found


# ---- the morning reminder ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FollowUpDue:
    customer_id: int
    name: str
    priority: str
    owner_id: int
    next_date: date


def follow_ups_due(session: Session, team_id: int, today: date) -> list[FollowUpDue]:
    """Customers owned by the team's active reps whose latest follow-up (the highest id, as /mine
    and the card read it) planned the next one for ``today`` or earlier."""
    reps = _active(team_id, REP_ROLES)
    latest = (
        select(col(FollowUp.customer_id).label("cid"), func.max(col(FollowUp.id)).label("fid"))
        .join(Customer, col(Customer.id) == col(FollowUp.customer_id))
        .where(col(Customer.owner_id).in_(reps))
        .group_by(col(FollowUp.customer_id))
        .subquery()
    )
    rows = session.execute(
        select(
            col(Customer.id),
            col(Customer.name),
            col(Customer.priority),
            col(Customer.owner_id),
            col(FollowUp.next_date),
        )
        .join(latest, latest.c.cid == col(Customer.id))
        .join(FollowUp, col(FollowUp.id) == latest.c.fid)
        .where(col(FollowUp.next_date) <= today, col(Customer.owner_id).in_(reps))
        .order_by(col(Customer.owner_id), col(FollowUp.next_date), col(Customer.id))
    )
    return [
        FollowUpDue(int(cid or 0), name, priority, int(owner or 0), next_date)
        for cid, name, priority, owner, next_date in rows
        if next_date is not None
    ]


@dataclass(frozen=True, slots=True)
class OwnedRow:
    customer_id: int
    name: str
    priority: str
    owner_id: int
    last_touch_at: datetime | None
    owned_since: datetime | None


def due_by(session: Session, team_id: int, cutoffs: Cutoffs) -> list[OwnedRow]:
    """Customers of the pool owned by the team's active reps that are due for recycling by the day
    ``cutoffs`` were computed for (the recycle sweep's own condition, looked at ahead of time)."""
    rows = session.execute(
        select(
            col(Customer.id),
            col(Customer.name),
            col(Customer.priority),
            col(Customer.owner_id),
            col(Customer.last_touch_at),
            col(Customer.owned_since),
        )
        .where(due_condition(cutoffs), col(Customer.owner_id).in_(_active(team_id, REP_ROLES)))
        .order_by(col(Customer.owner_id), col(Customer.id))
    )
    return [
        OwnedRow(int(cid or 0), name, priority, int(owner or 0), touch, since)
        for cid, name, priority, owner, touch, since in rows
    ]


def pools_of(session: Session, team_id: int) -> list[Pool]:
    return list(
        session.execute(select(Pool).where(col(Pool.team_id) == team_id).order_by(col(Pool.id))).scalars()
    )


# ---- the manager digest ------------------------------------------------------------------------------


def event_counts(
    session: Session, team_id: int, kinds: Sequence[str], start: datetime, end: datetime
) -> list[tuple[int, str, int]]:
    """(member, kind, count) of the team members' ownership events of ``kinds`` in [start, end)."""
    rows = session.execute(
        select(col(OwnershipEvent.member_id), col(OwnershipEvent.kind), func.count())
        .join(Member, col(Member.id) == col(OwnershipEvent.member_id))
        .where(
            col(Member.team_id) == team_id,
            col(OwnershipEvent.kind).in_(kinds),
            col(OwnershipEvent.at) >= start,
            col(OwnershipEvent.at) < end,
        )
        .group_by(col(OwnershipEvent.member_id), col(OwnershipEvent.kind))
    )
    return [(int(mid or 0), kind, int(count)) for mid, kind, count in rows]


def follow_up_counts(session: Session, team_id: int, start: datetime, end: datetime) -> dict[int, int]:
    """Follow-ups recorded by each member of the team in [start, end)."""
    rows = session.execute(
        select(col(FollowUp.member_id), func.count())
        .join(Member, col(Member.id) == col(FollowUp.member_id))
        .where(col(Member.team_id) == team_id, col(FollowUp.at) >= start, col(FollowUp.at) < end)
        .group_by(col(FollowUp.member_id))
    )
    return {int(mid): int(count) for mid, count in rows}


# ---- claim requests that expire ----------------------------------------------------------------------


def expiry_hours(session: Session) -> dict[int, int]:
    """Each pool's ``request_expiry_hours``."""
    rows = session.execute(select(col(Pool.id), col(Pool.request_expiry_hours)))
    return {int(pid or 0): hours for pid, hours in rows}


@dataclass(frozen=True, slots=True)
class PendingRequest:
    request_id: int
    customer_id: int
    customer_name: str
    member_id: int
    member_name: str
    team_id: int
    pool_id: int
    created_at: datetime


def expirable(
    session: Session, cutoffs: dict[int, datetime], *, after_id: int, limit: int
) -> list[PendingRequest]:
    """Pending requests made at or before their pool's cutoff (``now - request_expiry_hours``), by
    id above ``after_id`` (keyset paging)."""
    if not cutoffs:
        return []
    per_pool: list[ColumnElement[bool]] = [
        and_(col(Customer.pool_id) == pool_id, col(ClaimRequest.created_at) <= cutoff)
        for pool_id, cutoff in sorted(cutoffs.items())
    ]
    rows = session.execute(
        select(
            col(ClaimRequest.id),
            col(ClaimRequest.customer_id),
            col(Customer.name),
            col(ClaimRequest.member_id),
            col(Member.name),
            col(Member.team_id),
            col(Customer.pool_id),
            col(ClaimRequest.created_at),
        )
        .join(Customer, col(Customer.id) == col(ClaimRequest.customer_id))
        .join(Member, col(Member.id) == col(ClaimRequest.member_id))
        .where(col(ClaimRequest.status) == "pending", col(ClaimRequest.id) > after_id, or_(*per_pool))
        .order_by(col(ClaimRequest.id))
        .limit(limit)
    )
    return [
        PendingRequest(int(rid or 0), cid, cname, mid, mname, team_id, pool_id, created)
        for rid, cid, cname, mid, mname, team_id, pool_id, created in rows
    ]


def mark_expired(session: Session, request_ids: Sequence[int], now: datetime) -> set[int]:
    """Expire the listed requests that are still pending; returns the ids that changed (a request a
    manager decided meanwhile keeps that decision and is not among them)."""
    if not request_ids:
        return set()
    result = session.execute(
        update(ClaimRequest)
        .where(col(ClaimRequest.id).in_(request_ids), col(ClaimRequest.status) == "pending")
        .values(status="expired", decided_at=now)
        .returning(col(ClaimRequest.id))
        .execution_options(synchronize_session=False)
    )
    return {int(rid or 0) for rid in result.scalars()}


def clear_pending(session: Session, pairs: Sequence[tuple[int, int]]) -> int:
    """Put each (customer, member) back in the pool if that member's request still marks it."""
    if not pairs:
        return 0
    result = session.execute(
        update(Customer)
        .where(
            col(Customer.id).in_([cid for cid, _ in pairs]),
            tuple_(col(Customer.id), col(Customer.pending_member_id)).in_(pairs),
        )
        .values(pending_member_id=None)
        .returning(col(Customer.id))
        .execution_options(synchronize_session=False)
    )
    return len(result.all())
