"""Frozen snapshots that cross from storage to handlers (never live ORM rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.calendar import HolidaySpan

REP, MANAGER, ADMIN = "rep", "manager", "admin"
FOLLOW_UP_KINDS = ("call", "visit", "message", "email", "meeting", "other")
PRIORITIES = ("A", "B", "C")


@dataclass(frozen=True)
class TeamView:
    id: int
    name: str
    timezone: str
    locale: str


@dataclass(frozen=True)
class MemberView:
    id: int
    handle: str
    name: str
    role: str
    active: bool
    team: TeamView

    @property
    def is_manager(self) -> bool:
        return self.role in (MANAGER, ADMIN)


@dataclass(frozen=True)
class Deadline:
    """When an owned customer goes back to the pool, and which rule says so."""

    day: date
    rule: str  # "recycle_days" | "recycle_days_without_deal"
    basis: date  # last touch, or the day ownership began
    days: int
    priority: str
    working: bool = False  # ``days`` are the team's working days (recycle_days_count = "working")
    # named days off between basis and the day, not counted (working days only)
    skipped: tuple[HolidaySpan, ...] = ()
    # an extension (延期) moved it here from this day (None: not extended)
    extended_from: date | None = None


@dataclass(frozen=True)
class CustomerView:
    id: int
    name: str
    contact: str | None
    phone: str | None
    email: str | None
    industry: str | None
    region: str | None
    size: str | None
    priority: str
    stage: str
    tags: str
    pool_id: int
    pool_name: str
    owner_id: int | None
    owner_name: str | None
    pending_member_id: int | None
    owned_since: datetime | None
    last_touch_at: datetime | None
    won: bool
    locked: bool
    contact_hidden: bool
    deadline: Deadline | None
    next_follow_up: date | None = None


@dataclass(frozen=True)
class FollowUpView:
    at: datetime
    member_name: str
    kind: str
    note: str
    next_date: date | None
    permalink: str | None = None  # the chat message it was logged from


@dataclass(frozen=True)
class EventView:
    at: datetime
    kind: str
    member_name: str | None
    from_member_name: str | None
    actor_name: str | None
    rule: str | None
    reason: str
    to_pool_name: str | None = None  # a release to another pool of the team: that pool


@dataclass(frozen=True)
class CustomerCard:
    customer: CustomerView
    follow_ups: tuple[FollowUpView, ...]
    events: tuple[EventView, ...]
    pending_request_id: int | None


@dataclass(frozen=True)
class RequestView:
    id: int
    customer_id: int
    customer_name: str
    member_id: int
    member_name: str
    reason: str
    status: str
    decided_by_name: str | None
    decision_reason: str = ""
    # when it was decided (or expired), in the team's time zone
    decided_at: datetime | None = None
    # 'claim', or 'registration': then ``customer_name`` is the proposed name, and while pending
    # ``proposed`` and ``existing`` hold (field, value) of the two records, side by side
    kind: str = "claim"
    proposed: tuple[tuple[str, str], ...] = ()
    existing: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SearchPage:
    customers: tuple[CustomerView, ...]
    page: int
    pages: int
    total: int
    more: bool = False  # more than ``total`` match; counting stopped there

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or self.more
