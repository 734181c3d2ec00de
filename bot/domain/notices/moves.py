"""Notice kinds of a manager's moves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from bot.domain.notice_kind import declare


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


@dataclass(frozen=True)
class MergedAway:
    """A manager merged the member's customer ``merged`` into ``into`` (``kept``: still theirs)."""

    merged_id: int
    merged: str
    into_id: int
    into: str
    by: str
    kept: bool


def _merged_key(merged_id: int, member_id: int) -> str:
    return f"merged:{merged_id}:{member_id}"


MERGED_AWAY = declare("merged_away", MergedAway, _merged_key)
