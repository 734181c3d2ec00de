"""The SQL of the morning messages: each rep's reminder (follow-ups due) and each manager's digest
(the reps' figures of the previous days), with the teams' calendars and recipients.

Every read answers for a whole team at once, never for one member: composing the reminders of
5,000 reps is a handful of statements, not 5,000.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, func, literal, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from bot.storage.models import Customer, FollowUp, Member, OwnershipEvent, Team

REP_ROLES = ("rep",)


# ---- teams and recipients ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TeamCalendar:
    id: int
    name: str
    timezone: str
    locale: str
    reminder_time: str  # "HH:MM", local
    working_days: str  # "mon,tue,wed,thu,fri"
    holidays: str | None = None  # "CN": statutory holidays and make-up days
    extra_holidays: list[str] = field(default_factory=list)
    extra_workdays: list[str] = field(default_factory=list)


def team_calendars(session: Session) -> list[TeamCalendar]:
    """Every team with what its morning jobs need: zone, language, reminder time, working days."""
    rows = session.execute(
        select(
            col(Team.id),
            col(Team.name),
            col(Team.timezone),
            col(Team.locale),
            col(Team.reminder_time),
            col(Team.working_days),
            col(Team.holidays),
            col(Team.extra_holidays),
            col(Team.extra_workdays),
        ).order_by(col(Team.id))
    )
    return [
        TeamCalendar(int(tid or 0), name, zone, locale, at, days, source, list(off), list(on))
        for tid, name, zone, locale, at, days, source, off, on in rows
    ]


@dataclass(frozen=True, slots=True)
class Recipient:
    """An active member a morning message goes to."""

    id: int
    name: str


def _active(team_id: int, roles: Sequence[str]) -> Select[int | None]:
    """The ids of the team's active members with one of ``roles`` (a subquery for IN)."""
    return select(col(Member.id)).where(
        col(Member.team_id) == team_id, col(Member.role).in_(roles), col(Member.active)
    )


def active_members(session: Session, team_id: int, roles: Sequence[str]) -> list[Recipient]:
    rows = session.execute(
        select(col(Member.id), col(Member.name))
        .where(col(Member.id).in_(_active(team_id, roles)))
        .order_by(col(Member.name), col(Member.id))
    )
    return [Recipient(int(mid or 0), name) for mid, name in rows]


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
    later = aliased(FollowUp)
    # the latest follow-up is the one no later follow-up of the same customer follows (an anti-join:
    # no grouping of every follow-up of the team to find each customer's highest id)
    superseded = (
        select(literal(1))
        .where(col(later.customer_id) == col(FollowUp.customer_id), col(later.id) > col(FollowUp.id))
        .exists()
    )
    rows = session.connection().execute(
        select(
            col(Customer.id),
            col(Customer.name),
            col(Customer.priority),
            col(Customer.owner_id),
            col(FollowUp.next_date),
        )
        .join(FollowUp, col(FollowUp.customer_id) == col(Customer.id))
        .where(col(FollowUp.next_date) <= today, col(Customer.owner_id).in_(reps), ~superseded)
        .order_by(col(Customer.owner_id), col(FollowUp.next_date), col(Customer.id))
    )
    return [
        FollowUpDue(int(cid or 0), name, priority, int(owner or 0), next_date)
        for cid, name, priority, owner, next_date in rows
        if next_date is not None
    ]


# ---- the manager digest ------------------------------------------------------------------------------


def events_per_member(
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


def follow_ups_per_member(session: Session, team_id: int, start: datetime, end: datetime) -> dict[int, int]:
    """Follow-ups recorded by each member of the team in [start, end)."""
    rows = session.execute(
        select(col(FollowUp.member_id), func.count())
        .join(Member, col(Member.id) == col(FollowUp.member_id))
        .where(col(Member.team_id) == team_id, col(FollowUp.at) >= start, col(FollowUp.at) < end)
        .group_by(col(FollowUp.member_id))
    )
    return {int(mid): int(count) for mid, count in rows}
