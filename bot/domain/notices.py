"""Every notification kind, declared once: its name, the typed payload its outbox row carries, and
how the key of its cause is built (the key is unique in the outbox: a cause is queued once).

A use case queues a row with ``KIND.outgoing(payload, key=KIND.key(...), ...)``; the renderer of
the kind (``bot.handlers.notices``, one per kind) gets the payload back as its dataclass, checked by
:meth:`~bot.domain.notice_kind.NoticeKind.read` (:mod:`bot.domain.notice_kind` says how a kind
is declared, and what happens to a row that fits none).

The params are the JSON the outbox has always held (field names, or the alias where a name is not
a Python identifier or would shadow one), so rows queued before this module existed still render.
To add a kind: declare it here, write its renderer, add its catalogue texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from bot.domain.notice_kind import declare
from bot.domain.snapshots import Deadline

# ---- claims ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestRef:
    """A claim request, rendered from its current state when delivered."""

    request_id: int


def card_key_prefix(request_id: int) -> str:
    """What the keys of every card of the request start with."""
    return f"claim_request:{request_id}:"


def _card_key(request_id: int, manager_id: int | None = None, platform: str | None = None) -> str:
    """A card per manager's DM, or per platform for the team's channel."""
    to = f"channel:{platform}" if manager_id is None else str(manager_id)
    return card_key_prefix(request_id) + to


def _refresh_key(card_id: int) -> str:
    """Keyed by the card (the notification) it updates in place."""
    return f"card_refresh:{card_id}"


def _decided_key(request_id: int) -> str:
    return f"claim_decided:{request_id}"


CLAIM_REQUEST = declare("claim_request", RequestRef, _card_key)
CARD_REFRESH = declare("card_refresh", RequestRef, _refresh_key)
CLAIM_DECIDED = declare("claim_decided", RequestRef, _decided_key)


@dataclass(frozen=True)
class RequestExpired:
    request_id: int
    customer_id: int
    customer: str
    hours: int


def _expired_key(request_id: int) -> str:
    return f"request_expired:{request_id}"


REQUEST_EXPIRED = declare("request_expired", RequestExpired, _expired_key)


# ---- a manager's moves ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assigned:
    customer_id: int
    by: str


def _assigned_key(customer_id: int, member_id: int, at: datetime) -> str:
    return f"assigned:{customer_id}:{member_id}:{at.isoformat()}"


ASSIGNED = declare("assigned", Assigned, _assigned_key)


@dataclass(frozen=True)
class Transferred:
    count: int
    from_name: Annotated[str, Field(alias="from")]
    by: str


def _transferred_key(from_member_id: int, to_member_id: int, at: datetime) -> str:
    return f"transferred:{from_member_id}:{to_member_id}:{at.isoformat()}"


TRANSFERRED = declare("transferred", Transferred, _transferred_key)


@dataclass(frozen=True)
class TakenAway:
    """A manager took customers out of the member's book: ``released`` one to the pool (no
    cooldown for the member), ``assigned`` one to ``to``, ``transferred`` ``count`` to ``to``, or
    ``handed_over`` ``count`` to the receivers named in ``to``."""

    change: Literal["released", "assigned", "transferred", "handed_over"]
    by: str
    customer: str = ""
    count: int = 1
    to: str = ""
    reason: str = ""


def _taken_key(change: str, member_id: int, subject: int, at: datetime) -> str:
    """``subject``: the customer (released, assigned) or the new owner (transferred)."""
    return f"taken_away:{change}:{member_id}:{subject}:{at.isoformat()}"


TAKEN_AWAY = declare("taken_away", TakenAway, _taken_key)


@dataclass(frozen=True)
class MemberMoved:
    """The config moved ``member`` to ``team``; they still own ``count`` of this team's customers
    (the first of them listed), for its managers to hand over."""

    member: str
    handle: str
    team: str
    count: int
    customers: tuple[tuple[int, str], ...]


def _moved_key(member_id: int, old_team_id: int, manager_id: int, at: datetime) -> str:
    return f"member_moved:{member_id}:{old_team_id}:{manager_id}:{at.isoformat()}"


MEMBER_MOVED = declare("member_moved", MemberMoved, _moved_key)


@dataclass(frozen=True)
class HandedOver:
    """A handover gave the receiver ``count`` customers of ``from_name`` (the first listed)."""

    from_name: str
    by: str
    count: int
    customers: tuple[tuple[int, str], ...]


def _handed_over_key(from_member_id: int, to_member_id: int, at: datetime) -> str:
    return f"handed_over:{from_member_id}:{to_member_id}:{at.isoformat()}"


HANDED_OVER = declare("handed_over", HandedOver, _handed_over_key)


@dataclass(frozen=True)
class HandoverDue:
    """The config made ``member`` inactive while they still own ``count`` customers of this team
    (per pool) or wait on ``pending`` claims: the managers' card to hand the book over."""

    member: str
    handle: str
    count: int
    pools: tuple[tuple[str, int], ...]
    pending: int


def _handover_due_key(member_id: int, manager_id: int, at: datetime) -> str:
    """One per manager and going inactive (``at``: the config sync that made the member inactive)."""
    return f"handover_due:{member_id}:{manager_id}:{at.isoformat()}"


HANDOVER_DUE = declare("handover_due", HandoverDue, _handover_due_key)


@dataclass(frozen=True)
class AssignedLine:
    id: int
    name: str
    reason: str


@dataclass(frozen=True)
class AutoAssigned:
    """One run's new customers for one assignee (the first lines; ``count`` is all of them)."""

    by: str
    count: int
    customers: tuple[AssignedLine, ...]


def _auto_assigned_key(run: str, member_id: int) -> str:
    return f"auto_assigned:{run}:{member_id}"


AUTO_ASSIGNED = declare("auto_assigned", AutoAssigned, _auto_assigned_key)


# ---- recycling ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecycledNotice:
    """A former owner's customers that went back to the pool on the team's local ``day``, in the
    recycle run that began at ``since`` (None, in rows queued before runs were told apart: the
    whole day)."""

    team_id: int
    day: Annotated[date, Field(alias="date")]
    member_id: int
    since: datetime | None = None


@dataclass(frozen=True)
class RecycleDigest:
    """Everything of the team that went back to the pool on its local ``day`` in the run that
    began at ``since`` (None: the whole day), for a manager."""

    team_id: int
    day: Annotated[date, Field(alias="date")]
    since: datetime | None = None


def _run(started: datetime) -> str:
    """A recycle run's part of a notice key: a second run on the same day is told too."""
    return started.strftime("%H%M%S%f")


def _recycled_key(team_id: int, day: date, member_id: int, started: datetime) -> str:
    return f"recycled:{team_id}:{day.isoformat()}:{member_id}:{_run(started)}"


def _recycle_digest_key(team_id: int, day: date, manager_id: int, started: datetime) -> str:
    return f"recycle_digest:{team_id}:{day.isoformat()}:{manager_id}:{_run(started)}"


RECYCLED = declare("recycled", RecycledNotice, _recycled_key)
RECYCLE_DIGEST = declare("recycle_digest", RecycleDigest, _recycle_digest_key)


# a warning's stage: ``warn_days`` before the deadline, then on its last day
WarningStage = Literal["early", "last"]


@dataclass(frozen=True)
class RecycleWarning:
    customer_id: int
    customer: str
    stage: WarningStage
    days_left: int
    deadline: Deadline


def _warning_key(customer_id: int, deadline: date, stage: WarningStage) -> str:
    """Keyed by the deadline: a follow-up that moves it re-arms both stages for the new one."""
    return f"warn:{customer_id}:{deadline.isoformat()}:{stage}"


RECYCLE_WARNING = declare("recycle_warning", RecycleWarning, _warning_key)


# ---- the morning messages (snapshots: they read the same whenever delivered) -------------------------


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
class MorningReminder:
    day: Annotated[date, Field(alias="date")]
    soon: tuple[SoonLine, ...]
    due: tuple[DueLine, ...]
    soon_total: int
    due_total: int
    follow_ups_due: int


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


# ---- the weekly report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeeklyReport:
    """The team's report for the week ending ``last``, computed (with its chart) when delivered."""

    team_id: int
    last: date


def weekly_report_prefix(team_id: int, last: date) -> str:
    """What every key of the team's report for the week ending ``last`` starts with."""
    return f"weekly_report:{team_id}:{last.isoformat()}:"


def _weekly_key(team_id: int, last: date, manager_id: int | None = None, platform: str | None = None) -> str:
    """One per team channel (by platform), or per manager for a team without any channel."""
    to = f"channel:{platform}" if manager_id is None else str(manager_id)
    return weekly_report_prefix(team_id, last) + to


WEEKLY_REPORT = declare("weekly_report", WeeklyReport, _weekly_key)
