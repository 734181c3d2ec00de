"""Notice kinds of the morning messages (snapshots: they read the same whenever delivered)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from bot.domain.notice_kind import declare
from bot.domain.snapshots import Deadline


@dataclass(frozen=True)
class SoonLine:
    """An owned customer going back to the pool soon (and its planned follow-up, if any)."""

    customer_id: int
    customer: str
    priority: str
    next_date: Annotated[date | None, Field(alias="next")]
    deadline: Deadline


@dataclass(frozen=True)
class DueLine:
    """An owned customer whose planned follow-up is today or overdue."""

    customer_id: int
    customer: str
    priority: str
    next_date: Annotated[date, Field(alias="next")]
    deadline: None = None


@dataclass(frozen=True)
class RequestLine:
    """A request waiting for the manager's decision, as the morning showed it."""

    kind: str
    request_id: int
    asked_at: datetime  # in the team's time zone
    customer_id: int
    customer: str
    pool: str
    member: str
    reason: str
    held: int
    cap: int
    proposed: str | None = None  # a registration: the name registered (customer: its look-alike)


@dataclass(frozen=True)
class MorningReminder:
    """A rep's morning (its book), or a manager's (the team's requests waiting for a decision)."""

    day: Annotated[date, Field(alias="date")]
    soon: tuple[SoonLine, ...]
    due: tuple[DueLine, ...]
    soon_total: int
    due_total: int
    follow_ups_due: int
    requests: tuple[RequestLine, ...] = ()
    requests_total: int = 0


def _reminder_key(member_id: int, day: date) -> str:
    return f"reminder:{member_id}:{day.isoformat()}"


MORNING_REMINDER = declare("morning_reminder", MorningReminder, _reminder_key)


@dataclass(frozen=True)
class DigestFigures:
    """One rep's figures over the digest's days (``member`` is empty for the team's totals)."""

    member: str
    claims: int
    follow_ups: int
    releases: int
    recycles: int


@dataclass(frozen=True)
class ManagerDigest:
    team_id: int
    first: date
    last: date
    reps: tuple[DigestFigures, ...]  # the busiest, by name
    more: int  # active reps not shown
    idle: tuple[str, ...]
    idle_total: int
    totals: DigestFigures


def _digest_key(team_id: int, day: date, manager_id: int) -> str:
    """The same arguments, in the same order, as the recycle digest's key."""
    return f"digest:{team_id}:{manager_id}:{day.isoformat()}"


MANAGER_DIGEST = declare("manager_digest", ManagerDigest, _digest_key)
