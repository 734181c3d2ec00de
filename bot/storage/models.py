"""Database tables. Timestamps are timezone-aware UTC; local days are computed per team."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Dialect, Index, Integer, String, UniqueConstraint, false
from sqlalchemy.types import JSON, TypeDecorator
from sqlmodel import Field, SQLModel

from bot.names import company_key


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in and out, on every database (SQLite would otherwise drop the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"timestamps must be timezone-aware, got {value!r}")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _dup_key(context: Any) -> str:
    """The default of ``customer.dup_key``: every insert path fills it from the name."""
    return company_key(str(context.get_current_parameters().get("name") or ""))


def _utc(nullable: bool = False, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=80)
    timezone: str = Field(max_length=64)
    locale: str = Field(max_length=8)
    reminder_time: str = Field(default="09:00", max_length=5)
    working_days: str = Field(default="mon,tue,wed,thu,fri", max_length=40)
    slack_channel: str | None = Field(default=None, max_length=40)
    dingtalk_conversation: str | None = Field(default=None, max_length=120)
    # a near match scoring at least this (0-100) is "probably the same" customer (registration)
    duplicate_threshold: int = 85
    # bumped by every registration: the row lock that serialises the team's registrations, so the
    # duplicate check of one sees the customer another has just registered
    register_seq: int = 0
    # the working-day calendar: "CN" (statutory holidays and make-up days), and ISO dates
    holidays: str | None = Field(default=None, max_length=8)
    extra_holidays: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    extra_workdays: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # claim cards reach the managers even in their quiet hours
    claim_cards_ignore_quiet_hours: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class Member(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    handle: str = Field(unique=True, max_length=40)
    name: str = Field(max_length=80)
    team_id: int = Field(foreign_key="team.id", index=True)
    role: str = Field(max_length=10)
    slack_id: str | None = Field(default=None, unique=True, max_length=40)
    dingtalk_id: str | None = Field(default=None, unique=True, max_length=80)
    active: bool = True
    # the member's own holding cap, instead of each pool's max_held_per_rep (None: the pool's)
    max_held: int | None = None
    # Bumped by every claim: the row lock that serialises one member's claims, so the holding cap
    # and the daily limit hold when the same rep claims from several threads or processes.
    claim_seq: int = 0
    # "20:00-08:30": notifications wait for the end of it (the config file's; the member's own
    # /settings quiet wins, "off" included)
    quiet_hours: str | None = Field(default=None, max_length=11)
    quiet_hours_own: str | None = Field(default=None, max_length=11)


class Pool(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=80)
    team_id: int = Field(foreign_key="team.id", index=True)
    claim_requires_approval: bool = False
    max_held_per_rep: int = 50
    daily_claim_limit: int = 10
    reclaim_cooldown_days: int = 7
    recycle_days_a: int = 7
    recycle_days_b: int = 15
    recycle_days_c: int = 30
    recycle_days_without_deal: int | None = None
    warn_days: int = 3
    hide_contact_in_pool: bool = True
    request_expiry_hours: int = 72
    # registrations (报备) per rep per local day; None: no limit
    daily_register_limit: int | None = None
    # why and where a release goes: the configured reasons (in order), and the names of the other
    # pools of the team a release may go to
    release_reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    release_reason_required: bool = False
    release_to: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    recycle_days_count: str = Field(default="calendar", max_length=10)
    extend_days: int = 3
    extend_max: int = 1


class Customer(SQLModel, table=True):
    __table_args__ = (
        Index("ix_customer_pool_owner_priority", "pool_id", "owner_id", "priority"),
        Index("ix_customer_name_key", "name_key"),
        Index("ix_customer_phone_key", "phone_key"),
        Index("ix_customer_dup_key", "dup_key"),
        Index("ix_customer_credit_code", "credit_code"),
        # the claim rules' counts of what a rep holds in one pool (migration 0011)
        Index("ix_customer_pending_pool", "pending_member_id", "pool_id"),
        Index("ix_customer_owner_pool", "owner_id", "pool_id", "won_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    # lower-cased, punctuation-free name: duplicate detection and exact lookups
    name_key: str = Field(max_length=200)
    # "hang zhou yun fan ke ji|hzyfkj": lets a rep type pinyin or initials for a Chinese name
    search_key: str = Field(default="", max_length=800)
    # the company key the duplicate check compares (bot.names.company_key); filled on insert
    dup_key: str = Field(
        default="", sa_column=Column(String(200), nullable=False, default=_dup_key, server_default="")
    )
    # 统一社会信用代码, checked (GB 32100-2015) and unique per team when a rep registers it
    credit_code: str | None = Field(default=None, max_length=18)
    contact: str | None = Field(default=None, max_length=80)
    phone: str | None = Field(default=None, max_length=40)
    phone_key: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)
    industry: str | None = Field(default=None, max_length=80)
    region: str | None = Field(default=None, max_length=80)
    size: str | None = Field(default=None, max_length=40)
    priority: str = Field(default="B", max_length=1)
    stage: str = Field(default="new", max_length=40)
    tags: str = Field(default="", max_length=400)
    pool_id: int = Field(foreign_key="pool.id")
    owner_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    # the rep whose claim request waits for a manager; the customer cannot be claimed meanwhile
    pending_member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    owned_since: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    last_touch_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    won_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    locked: bool = False
    created_at: datetime = Field(sa_column=_utc())
    # an extension (延期): the deadline is at least ``extended_until``, for the ownership that
    # began at ``extended_for`` only (a new owner starts with none, nothing to reset)
    extended_until: date | None = None
    extended_for: datetime | None = Field(default=None, sa_column=_utc(nullable=True))

    @property
    def current_extension(self) -> date | None:
        """The extension of the current ownership (None: none)."""
        if self.extended_for is None or self.extended_for != self.owned_since:
            return None
        return self.extended_until


class FollowUp(SQLModel, table=True):
    __tablename__ = "follow_up"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    kind: str = Field(max_length=20)
    note: str = Field(max_length=2000)
    next_date: date | None = None
    at: datetime = Field(sa_column=_utc())
    # the chat message it was logged from (a Slack permalink), shown in the timeline
    permalink: str | None = Field(default=None, max_length=500)


class ClaimRequest(SQLModel, table=True):
    __tablename__ = "claim_request"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    reason: str = Field(default="", max_length=500)
    status: str = Field(default="pending", max_length=12, index=True)
    created_at: datetime = Field(sa_column=_utc())
    decided_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    decided_by_id: int | None = Field(default=None, foreign_key="member.id")
    decision_reason: str = Field(default="", max_length=500)
    # 'claim': a rep asks for a pool customer; 'registration': a rep asks to register a customer
    # the duplicate check found probably the same as ``customer_id`` (see bot.domain.registration)
    kind: str = Field(default="claim", sa_column=Column(String(12), nullable=False, server_default="claim"))
    # a registration's pool and the record it proposes (name, phone, ...) until a manager decides
    pool_id: int | None = Field(default=None, foreign_key="pool.id")
    proposal: dict[str, object] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class ExtensionRequest(SQLModel, table=True):
    """An owner's extension beyond the pool's quota, waiting for a manager (first decision wins)."""

    __tablename__ = "extension_request"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    member_id: int = Field(foreign_key="member.id")
    # the ownership it is for: a request outlives no change of owner
    owned_since: datetime = Field(sa_column=_utc())
    status: str = Field(default="pending", max_length=12, index=True)
    created_at: datetime = Field(sa_column=_utc())
    decided_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    decided_by_id: int | None = Field(default=None, foreign_key="member.id")
    decision_reason: str = Field(default="", max_length=500)


class OwnershipEvent(SQLModel, table=True):
    """Append-only history of who owned what and why; replaying it gives the current owners."""

    __tablename__ = "ownership_event"
    __table_args__ = (
        Index("ix_event_member_kind_at", "member_id", "kind", "at"),
        Index("ix_event_customer_at", "customer_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    kind: str = Field(max_length=20)
    # the member the event is about: the new owner, the requester, the former owner of a recycle
    member_id: int | None = Field(default=None, foreign_key="member.id")
    from_member_id: int | None = Field(default=None, foreign_key="member.id")
    actor_id: int | None = Field(default=None, foreign_key="member.id")
    request_id: int | None = Field(default=None, foreign_key="claim_request.id")
    rule: str | None = Field(default=None, max_length=80)
    reason: str = Field(default="", max_length=500)
    at: datetime = Field(sa_column=_utc())
    # a release: the pool's configured reason it was given for, and the pool it went to when that
    # was another pool than its own
    release_reason: str | None = Field(default=None, max_length=80)
    to_pool_id: int | None = Field(default=None, foreign_key="pool.id")


class Notification(SQLModel, table=True):
    """The outbox: written in the same transaction as the change that caused it."""

    __table_args__ = (UniqueConstraint("key", name="uq_notification_key"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200)
    team_id: int = Field(foreign_key="team.id")
    recipient_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    to_team_channel: bool = False
    kind: str = Field(max_length=40)
    payload: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=12, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=_utc())
    created_at: datetime = Field(sa_column=_utc())
    sent_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    last_error: str | None = Field(default=None, max_length=1000)
    # a team-channel row meant for one platform's channel only (None: the first platform with one)
    platform: str | None = Field(default=None, max_length=12)
    # where the platform put the delivered message ({"platform", "channel", "ts"} on Slack, a card
    # id on DingTalk), so a later decision can update it in place
    message_ref: dict[str, str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # this row updates the message delivered for that row (a claim card after the decision)
    refreshes_id: int | None = Field(default=None, foreign_key="notification.id")


class JobRun(SQLModel, table=True):
    """The scheduler's ledger: one row per job and period. The unique key, not a check in Python,
    decides which process runs a period; a second scheduler or a restart finds the row and skips."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job", "period", name="uq_job_run_job_period"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=40)
    # e.g. "east:2026-11-23" (a team's local day) or "2026-11-23T10:05" (a dispatch tick)
    period: str = Field(max_length=80)
    status: str = Field(default="running", max_length=12)
    started_at: datetime = Field(sa_column=_utc())
    finished_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    summary: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class InboundSeen(SQLModel, table=True):
    """Inbound requests already acted on (a Slack trigger id, a DingTalk message id): the unique key
    turns a platform's retry or redelivery into a no-op, whichever process receives it."""

    __tablename__ = "inbound_seen"
    __table_args__ = (UniqueConstraint("platform", "key", name="uq_inbound_seen_platform_key"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=12)
    key: str = Field(max_length=200)
    received_at: datetime = Field(sa_column=_utc(index=True))


class ChatChoice(SQLModel, table=True):
    """The numbered choices last offered to one chat identity ("3 customers match: reply 1-3"), kept
    in the database so the answer may reach any process."""

    __tablename__ = "chat_choice"

    platform: str = Field(primary_key=True, max_length=12)
    user_id: str = Field(primary_key=True, max_length=80)
    commands: list[str] = Field(sa_column=Column(JSON, nullable=False))
    offered_at: datetime = Field(sa_column=_utc())


class PoolAssignment(SQLModel, table=True):
    """A pool's automatic-assignment settings (the config file's ``[pools.assignment]``, as JSON)."""

    __tablename__ = "pool_assignment"

    pool_id: int = Field(foreign_key="pool.id", primary_key=True)
    settings: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))


class AssignmentCursor(SQLModel, table=True):
    """Where round-robin stands in one group of a pool: the member who got the last customer. It
    is read and written while the team's reps are locked, so concurrent runs take turns."""

    __tablename__ = "assignment_cursor"

    pool_id: int = Field(foreign_key="pool.id", primary_key=True)
    group_key: str = Field(primary_key=True, max_length=40)
    member_id: int = Field(foreign_key="member.id")


class CustomerMerge(SQLModel, table=True):
    """A customer merged into another (``/merge``): its id keeps answering "merged into #…"."""

    __tablename__ = "customer_merge"

    merged_id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    into_id: int = Field(foreign_key="customer.id", index=True)
    team_id: int = Field(foreign_key="team.id")
    name: str = Field(max_length=200)
    by_id: int | None = Field(default=None, foreign_key="member.id")
    at: datetime = Field(sa_column=_utc())


class DeferredIndex(SQLModel, table=True):
    """A customer index an initial load dropped, to build once when the load ends (PostgreSQL; see
    bot.storage.bulk_load). Written in the transaction that drops the index, so an import killed
    halfway leaves the definition here for the next import or ``poolbot db upgrade`` to build."""

    __tablename__ = "deferred_index"

    name: str = Field(primary_key=True, max_length=63)  # PostgreSQL's longest identifier
    definition: str
    deferred_at: datetime = Field(sa_column=_utc())
