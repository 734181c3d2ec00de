"""Every SQL statement the scheduler's jobs need: the ledger, the recycle sweep, the warnings.

The sweep is set-based: which owned customers are due is one condition per pool
(:func:`due_condition`), evaluated by the database over instants computed in Python from each
team's calendar, never by loading the customers into Python. The same condition is checked again
by the UPDATE that recycles them, so whatever committed in between (a follow-up, a win, a lock,
a new owner) wins over the sweep.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from bot.storage.models import (
    ClaimRequest,
    Customer,
    JobRun,
    Member,
    Notification,
    OwnershipEvent,
    Pool,
    Team,
)
from bot.storage.queries import rowcount

RUNNING, DONE, FAILED = "running", "done", "failed"
# keys per IN list (SQLite allows 32,766 bound parameters per statement)
KEY_CHUNK = 500


def _insert_ignoring_conflicts(
    session: Session, model: type[Any], rows: list[dict[str, Any]], key: list[str]
) -> int:
    """INSERT ... ON CONFLICT DO NOTHING of ``rows``; returns how many were new (counted from
    RETURNING: through SQLAlchemy, a multi-row insert on psycopg reports rowcount -1)."""
    builder = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = builder(model).on_conflict_do_nothing(index_elements=key).returning(model.id)
    # executemany with RETURNING: SQLAlchemy batches it into multi-row VALUES ("insertmanyvalues")
    return len(session.execute(statement, rows).all())


# ---- the ledger ------------------------------------------------------------------------------------


def insert_run(session: Session, job: str, period: str, now: datetime) -> bool:
    """Take (job, period); False when a row for it exists already (the unique key decides)."""
    row = {
        "job": job,
        "period": period,
        "status": RUNNING,
        "started_at": now,
        "finished_at": None,
        "summary": {},
    }
    return _insert_ignoring_conflicts(session, JobRun, [row], ["job", "period"]) == 1


def retake_run(
    session: Session,
    job: str,
    period: str,
    now: datetime,
    stale_before: datetime | None,
    *,
    failed: bool = True,
) -> bool:
    """Take over a period whose run failed (with ``failed``), or (with ``stale_before``) one still
    marked running but started before that instant (its process died). One conditional UPDATE: of
    two takers, exactly one gets it."""
    conditions: list[ColumnElement[bool]] = []
    if failed:
        conditions.append(col(JobRun.status) == FAILED)
    if stale_before is not None:
        conditions.append(and_(col(JobRun.status) == RUNNING, col(JobRun.started_at) < stale_before))
    if not conditions:
        return False
    retakeable = or_(*conditions)
    result = session.execute(
        update(JobRun)
        .where(col(JobRun.job) == job, col(JobRun.period) == period, retakeable)
        .values(status=RUNNING, started_at=now, finished_at=None, summary={})
    )
    return rowcount(result) == 1


def finish_run(
    session: Session, job: str, period: str, now: datetime, status: str, summary: dict[str, Any]
) -> bool:
    result = session.execute(
        update(JobRun)
        .where(col(JobRun.job) == job, col(JobRun.period) == period, col(JobRun.status) == RUNNING)
        .values(status=status, finished_at=now, summary=summary)
    )
    return rowcount(result) == 1


def latest_runs(session: Session) -> list[JobRun]:
    """Each job's most recently started run."""
    ranked = select(
        col(JobRun.id).label("id"),
        func.row_number()
        .over(partition_by=col(JobRun.job), order_by=(col(JobRun.started_at).desc(), col(JobRun.id).desc()))
        .label("rank"),
    ).subquery()
    latest = select(ranked.c.id).where(ranked.c.rank == 1)
    return list(
        session.execute(select(JobRun).where(col(JobRun.id).in_(latest)).order_by(col(JobRun.job))).scalars()
    )


# ---- pools and people ------------------------------------------------------------------------------


def pools_with_teams(session: Session, team_id: int | None = None) -> list[tuple[Pool, Team]]:
    statement = select(Pool, Team).join(Team, col(Team.id) == col(Pool.team_id)).order_by(col(Pool.id))
    if team_id is not None:
        statement = statement.where(col(Pool.team_id) == team_id)
    return [(pool, team) for pool, team in session.execute(statement)]


def team(session: Session, team_id: int) -> Team | None:
    return session.get(Team, team_id)


# ---- which owned customers are due -------------------------------------------------------------------


@dataclass(frozen=True)
class Cutoffs:
    """For one pool: an owned customer is due when its last touch (the claim if none since) is
    before ``touch[priority]``, or when it has been owned since before ``owned`` (the rule
    ``recycle_days_without_deal``, when the pool has it). Instants are UTC."""

    pool_id: int
    touch: dict[str, datetime]
    owned: datetime | None = None


def due_condition(cutoffs: Cutoffs) -> ColumnElement[bool]:
    """Owned, not won, not locked, in the pool, and past one of the cutoffs."""
    last_touch = func.coalesce(col(Customer.last_touch_at), col(Customer.owned_since))
    past = [
        and_(col(Customer.priority) == priority, last_touch < cutoff)
        for priority, cutoff in sorted(cutoffs.touch.items())
    ]
    if cutoffs.owned is not None:
        past.append(col(Customer.owned_since) < cutoffs.owned)
    return and_(
        col(Customer.pool_id) == cutoffs.pool_id,
        col(Customer.owner_id).is_not(None),
        col(Customer.owned_since).is_not(None),
        col(Customer.won_at).is_(None),
        col(Customer.locked) == false(),
        or_(*past) if past else false(),
    )


@dataclass(frozen=True, slots=True)
class DueRow:
    id: int
    name: str
    owner_id: int
    owner_name: str
    priority: str
    last_touch_at: datetime | None
    owned_since: datetime | None


def due_batch(session: Session, cutoffs: Cutoffs, *, after_id: int, limit: int) -> list[DueRow]:
    """The next ``limit`` due customers with an id above ``after_id``, by id (keyset paging: each
    batch walks the primary key from where the last one stopped)."""
    rows = session.execute(
        select(
            col(Customer.id),
            col(Customer.name),
            col(Customer.owner_id),
            col(Member.name),
            col(Customer.priority),
            col(Customer.last_touch_at),
            col(Customer.owned_since),
        )
        .join(Member, col(Member.id) == col(Customer.owner_id))
        .where(due_condition(cutoffs), col(Customer.id) > after_id)
        .order_by(col(Customer.id))
        .limit(limit)
    )
    return [
        DueRow(cid, name, owner or 0, owner_name, priority, touch, since)
        for cid, name, owner, owner_name, priority, touch, since in rows
    ]


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


def expire_requests(session: Session, customer_ids: Sequence[int], now: datetime) -> int:
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


def full_recycle_update(session: Session, cutoffs: Cutoffs) -> int:
    """One UPDATE of every due customer of the pool, with no event and no notice: the benchmark's
    baseline, not for production."""
    result = session.execute(
        update(Customer)
        .where(due_condition(cutoffs))
        .values(owner_id=None, owned_since=None, last_touch_at=None, pending_member_id=None)
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


# ---- the outbox ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """One notification to queue: a unique key per cause, a recipient (None: the team channel)."""

    key: str
    team_id: int
    recipient_id: int | None
    kind: str
    params: dict[str, Any] = field(default_factory=dict)


def enqueue_many(
    session: Session, items: Sequence[Outgoing], *, now: datetime, deliver_from: datetime
) -> int:
    """Queue ``items``, each at most once per key (ON CONFLICT DO NOTHING); returns how many are
    new. ``deliver_from`` later than ``now`` holds them back from the dispatcher until then."""
    rows = [
        {
            "key": item.key,
            "team_id": item.team_id,
            "recipient_id": item.recipient_id,
            "to_team_channel": item.recipient_id is None,
            "kind": item.kind,
            "payload": item.params,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": deliver_from,
            "created_at": now,
        }
        for item in items
    ]
    return _insert_ignoring_conflicts(session, Notification, rows, ["key"]) if rows else 0


def release_held(session: Session, keys: Sequence[str], now: datetime) -> int:
    """Make held notifications deliverable now (they were queued with a later ``next_attempt_at``)."""
    released = 0
    for start in range(0, len(keys), KEY_CHUNK):
        result = session.execute(
            update(Notification)
            .where(
                col(Notification.key).in_(keys[start : start + KEY_CHUNK]),
                col(Notification.status) == "pending",
                col(Notification.next_attempt_at) > now,
            )
            .values(next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        released += rowcount(result)
    return released
