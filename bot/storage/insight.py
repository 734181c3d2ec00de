"""The SQL of the team report: per-member figures for a team and a time range, each a grouped
statement over the event log and the follow-ups (a handful of statements whatever the team size)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from bot.storage.models import Customer, FollowUp, Member, Notification, OwnershipEvent, Pool
from bot.storage.sql import held, team_pool_ids

REPORT_EVENT_KINDS = (
    "claimed",
    "approved",
    "registered",
    "assigned",
    "handed_over",
    "released",
    "recycled",
    "won",
)
FIRST_TOUCH_KINDS = ("claimed", "approved", "assigned")


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    name: str
    active: bool
    handle: str


def reps(session: Session, team_id: int) -> list[Person]:
    """The team's reps, active or not (an inactive rep may still have activity to report)."""
    rows = session.execute(
        select(col(Member.id), col(Member.name), col(Member.active), col(Member.handle))
        .where(col(Member.team_id) == team_id, col(Member.role) == "rep")
        .order_by(col(Member.name), col(Member.id))
    )
    return [Person(int(mid or 0), name, bool(active), handle) for mid, name, active, handle in rows]


def pool_event_counts(
    session: Session, team_id: int, start: datetime, end: datetime
) -> Counter[tuple[int, str]]:
    """(member, kind) -> events in [start, end) on the customers of the team's pools, whichever
    team the member is in (the manager digest counts the events of the team's members instead)."""
    rows = session.execute(
        select(col(OwnershipEvent.member_id), col(OwnershipEvent.kind), func.count())
        .join(Customer, col(Customer.id) == col(OwnershipEvent.customer_id))
        .where(
            col(Customer.pool_id).in_(team_pool_ids(team_id)),
            col(OwnershipEvent.kind).in_(REPORT_EVENT_KINDS),
            col(OwnershipEvent.at) >= start,
            col(OwnershipEvent.at) < end,
            col(OwnershipEvent.member_id).is_not(None),
        )
        .group_by(col(OwnershipEvent.member_id), col(OwnershipEvent.kind))
    )
    return Counter({(int(mid), kind): int(count) for mid, kind, count in rows})


def release_reason_counts(session: Session, team_id: int, start: datetime, end: datetime) -> Counter[str]:
    """Configured release reason -> releases in [start, end) from the team's pools ("" counts the
    releases given no configured reason)."""
    event = OwnershipEvent
    reason = func.coalesce(col(event.release_reason), "")
    rows = session.execute(
        select(reason, func.count())
        .join(Customer, col(Customer.id) == col(event.customer_id))
        .where(
            # the pool it left: a release to another pool is counted there too, since both are the team's
            col(Customer.pool_id).in_(team_pool_ids(team_id)),
            col(event.kind) == "released",
            col(event.at) >= start,
            col(event.at) < end,
        )
        .group_by(reason)
    )
    return Counter({str(name): int(count) for name, count in rows})


def pool_follow_up_counts(session: Session, team_id: int, start: datetime, end: datetime) -> Counter[int]:
    """member -> follow-ups in [start, end) on the customers of the team's pools."""
    rows = session.execute(
        select(col(FollowUp.member_id), func.count())
        .join(Customer, col(Customer.id) == col(FollowUp.customer_id))
        .where(
            col(Customer.pool_id).in_(team_pool_ids(team_id)),
            col(FollowUp.at) >= start,
            col(FollowUp.at) < end,
        )
        .group_by(col(FollowUp.member_id))
    )
    return Counter({int(mid): int(count) for mid, count in rows})


def held_now(session: Session, team_id: int) -> Counter[int]:
    """member -> customers held now in the team's pools (:func:`bot.storage.sql.held`)."""
    holder = func.coalesce(col(Customer.owner_id), col(Customer.pending_member_id))
    rows = session.execute(
        select(holder, func.count())
        .where(col(Customer.pool_id).in_(team_pool_ids(team_id)), or_(*held()))
        .group_by(holder)
    )
    return Counter({int(mid): int(count) for mid, count in rows})


def team_cap(session: Session, team_id: int) -> int | None:
    """What one rep may hold in the team: the pools' ``max_held_per_rep`` added up (None: no pool)."""
    total = session.execute(select(func.sum(col(Pool.max_held_per_rep))).where(col(Pool.team_id) == team_id))
    value = total.scalar_one_or_none()
    return int(value) if value is not None else None


def first_follow_ups(
    session: Session, team_id: int, start: datetime, end: datetime
) -> list[tuple[int, datetime, datetime]]:
    """(member, got it at, first follow-up at) for every customer a member claimed, had approved or
    was assigned in [start, end) and has followed up since (by the same member)."""
    event, follow_up = OwnershipEvent, FollowUp
    rows = session.execute(
        select(col(event.member_id), col(event.at), func.min(col(follow_up.at)))
        .join(Customer, col(Customer.id) == col(event.customer_id))
        .join(
            follow_up,
            (col(follow_up.customer_id) == col(event.customer_id))
            & (col(follow_up.member_id) == col(event.member_id))
            & (col(follow_up.at) >= col(event.at)),
        )
        .where(
            col(Customer.pool_id).in_(team_pool_ids(team_id)),
            col(event.kind).in_(FIRST_TOUCH_KINDS),
            col(event.at) >= start,
            col(event.at) < end,
        )
        .group_by(col(event.id), col(event.member_id), col(event.at))
    )
    return [(int(mid), got, first) for mid, got, first in rows]


def any_queued(session: Session, key_prefix: str) -> bool:
    """Whether the outbox holds a notification (sent or not) whose key starts with ``key_prefix``."""
    found = session.execute(
        select(col(Notification.id))
        .where(col(Notification.key).startswith(key_prefix, autoescape=True))
        .limit(1)
    ).first()
    return found is not None
