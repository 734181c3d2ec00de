"""The SQL of the recycle sweep, and of the reads that look ahead at it (the warnings, the
morning reminder).

The sweep is set-based: which owned customers are due is one condition per pool
(:func:`due_condition`), evaluated by the database over instants computed in Python from each
team's calendar, never by loading the customers into Python. The same condition is checked again
by the UPDATE that recycles them, so whatever committed in between (a follow-up, a win, a lock,
a new owner) wins over the sweep.

A batch is written set-based (:func:`recycle_batch`): the batch is one JSON parameter joined to
the table by primary key, its events go in by ``INSERT ... SELECT`` from what the UPDATE returned,
and each statement is built once per pool's cutoffs, so its SQL text is the same for every batch.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    Insert,
    Row,
    Select,
    Text,
    Update,
    and_,
    bindparam,
    cast,
    column,
    false,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlmodel import Session, col

from bot.storage.extensions import current_extension
from bot.storage.models import ClaimRequest, Customer, Member, OwnershipEvent, Pool, Team, UTCDateTime

T = TypeVar("T")


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


_BUILT: dict[tuple[object, ...], Any] = {}  # statements by (what, pool's cutoffs)
_BUILT_MAX = 256  # a pool's cutoffs change daily: a long-running process starts afresh now and then


def _built(what: str, cutoffs: Cutoffs, build: Callable[[Cutoffs], T]) -> T:
    """The statement ``build`` makes for ``cutoffs``, made once (each batch of a pool reuses it)."""
    key = (what, cutoffs.pool_id, tuple(sorted(cutoffs.touch.items())), cutoffs.owned, cutoffs.day)
    found = _BUILT.get(key)
    if found is None:
        if len(_BUILT) >= _BUILT_MAX:
            _BUILT.clear()
        found = _BUILT[key] = build(cutoffs)
    return typing.cast(T, found)


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
    batch walks the primary key from where the last one stopped, so a run reads the table once).
    Core rows on the connection: no ORM loading step for tuples of plain columns."""
    statement = _built("due_batch", cutoffs, _due_batch_statement)
    rows = session.connection().execute(statement, {"after_id": after_id, "limit": limit})
    return [_candidate(row) for row in rows]


def _due_batch_statement(cutoffs: Cutoffs) -> Select[*_Row]:
    after = bindparam("after_id", type_=BigInteger)
    return (
        _candidates(due_condition(cutoffs), col(Customer.id) > after)
        .order_by(col(Customer.id))
        .limit(bindparam("limit", type_=BigInteger))
    )


def due_of_active_reps(session: Session, team_id: int, cutoffs: Cutoffs) -> list[RecycleCandidate]:
    """Customers of the pool owned by the team's active reps that are due for recycling by the day
    ``cutoffs`` were computed for (the sweep's own condition, looked at ahead of time)."""
    reps = select(col(Member.id)).where(
        col(Member.team_id) == team_id, col(Member.role) == "rep", col(Member.active)
    )
    statement = _candidates(due_condition(cutoffs), col(Customer.owner_id).in_(reps))
    rows = session.connection().execute(statement.order_by(col(Customer.owner_id), col(Customer.id)))
    return [_candidate(row) for row in rows]


@dataclass(frozen=True, slots=True)
class Recycle:
    """One customer the sweep puts back: from whom (the UPDATE checks it is still theirs), and the
    ``recycled`` event's rule and reason."""

    customer_id: int
    owner_id: int
    rule: str
    reason: str


def recycle_batch(session: Session, cutoffs: Cutoffs, batch: Sequence[Recycle], now: datetime) -> set[int]:
    """Put the batch back in the pool where each customer is still owned by that owner and still
    due, expire any pending request on them and write their ``recycled`` events; returns the ids
    that went back.

    Set-based: the batch travels as one JSON parameter (PostgreSQL: ``json_to_recordset``, one
    statement for all three writes; SQLite: ``json_each``, three statements), so the SQL text is the same for
    every batch and every size, parsed and planned once, not a 1,000-item ``IN`` list per batch."""
    if not batch:
        return set()
    if session.get_bind().dialect.name == "postgresql":
        return _recycle_postgresql(session, cutoffs, batch, now)
    return _recycle_sqlite(session, cutoffs, batch, now)


# the columns a recycle clears: no owner, no ownership clock, no pending claim on it
_CLEARED = {"owner_id": None, "owned_since": None, "last_touch_at": None, "pending_member_id": None}
_EVENT_COLUMNS = ("customer_id", "kind", "member_id", "actor_id", "at", "reason", "rule")


def _conditional_update(cutoffs: Cutoffs, customer_id: Any, owner_id: Any) -> Update:
    """The recycle of the batch's rows (joined on ``customer_id``) that are still ``owner_id``'s
    and still due by the condition they were read with: a follow-up, win, lock or new owner
    committed since keeps the customer (and a claim racing the sweep waits for, or beats, one
    batch's row locks, as with any UPDATE)."""
    return (
        update(Customer)
        .where(col(Customer.id) == customer_id, col(Customer.owner_id) == owner_id, due_condition(cutoffs))
        .values(**_CLEARED)
    )


def _expire_pending(customer_ids: Select[Any]) -> Update:
    """Pending requests on the customers that just went back expire (an owned customer has none;
    this keeps the request table consistent should one exist)."""
    return (
        update(ClaimRequest)
        .where(col(ClaimRequest.customer_id).in_(customer_ids), col(ClaimRequest.status) == "pending")
        .values(status="expired", decided_at=bindparam("now", type_=UTCDateTime()))
    )


def _recycle_postgresql(
    session: Session, cutoffs: Cutoffs, batch: Sequence[Recycle], now: datetime
) -> set[int]:
    rows = [{"id": r.customer_id, "owner_id": r.owner_id, "rule": r.rule, "reason": r.reason} for r in batch]
    params = {"batch": json.dumps(rows, ensure_ascii=False), "now": now}
    statement = _built("postgresql", cutoffs, _pg_statement)
    return set(session.connection().execute(statement, params).scalars())


def _pg_statement(cutoffs: Cutoffs) -> Insert:
    """``WITH gone AS (UPDATE customer ... FROM json_to_recordset(:batch) ... RETURNING ...),
    expired AS (UPDATE claim_request ...) INSERT INTO ownership_event SELECT ... FROM gone
    RETURNING customer_id``. The cutoffs are in it as bound values. The batch is one JSON
    parameter (the server parses it in C; psycopg would dump arrays element by element)."""
    batch = (
        func.json_to_recordset(cast(bindparam("batch", type_=Text), JSON))
        .table_valued(
            column("id", BigInteger),
            column("owner_id", BigInteger),
            column("rule", Text),
            column("reason", Text),
        )
        .render_derived(with_types=True)
        .alias("batch")
    )
    gone = (
        _conditional_update(cutoffs, batch.c.id, batch.c.owner_id)
        .returning(col(Customer.id), batch.c.owner_id, batch.c.rule, batch.c.reason)
        .cte("gone")
    )
    expired = _expire_pending(select(gone.c.id)).cte("expired")
    events = select(
        gone.c.id,
        literal("recycled"),
        gone.c.owner_id,
        null(),
        bindparam("now", type_=UTCDateTime()),
        gone.c.reason,
        gone.c.rule,
    )
    return (
        insert(OwnershipEvent)
        .from_select(list(_EVENT_COLUMNS), events)
        .add_cte(gone, expired)
        .returning(col(OwnershipEvent.customer_id))
    )


def _recycle_sqlite(session: Session, cutoffs: Cutoffs, batch: Sequence[Recycle], now: datetime) -> set[int]:
    pairs = json.dumps([[r.customer_id, r.owner_id] for r in batch])
    update_, expire, insert_ = _built("sqlite", cutoffs, _sqlite_statements)
    connection = session.connection()  # Core: no ORM bulk or synchronisation step
    gone = set(connection.execute(update_, {"batch": pairs}).scalars())
    if not gone:
        return gone
    connection.execute(expire, {"ids": json.dumps(sorted(gone)), "now": now})
    rows = [[r.customer_id, r.owner_id, r.rule, r.reason] for r in batch if r.customer_id in gone]
    connection.execute(insert_, {"events": json.dumps(rows, ensure_ascii=False), "now": now})
    return gone


def _sqlite_statements(cutoffs: Cutoffs) -> tuple[Update, Update, Insert]:
    """The conditional UPDATE joined to the batch (``json_each`` of ``[[id, owner], ...]``), the
    requests' expiry and the events' INSERT ... SELECT."""
    pairs = func.json_each(bindparam("batch", type_=Text)).table_valued("value").alias("pairs")
    batch = select(
        func.json_extract(pairs.c.value, "$[0]").label("id"),
        func.json_extract(pairs.c.value, "$[1]").label("owner_id"),
    ).subquery("batch")
    update_ = _conditional_update(cutoffs, batch.c.id, batch.c.owner_id).returning(col(Customer.id))
    ids = func.json_each(bindparam("ids", type_=Text)).table_valued("value").alias("ids")
    expire = _expire_pending(select(ids.c.value))
    rows = func.json_each(bindparam("events", type_=Text)).table_valued("value").alias("events")
    events = select(
        func.json_extract(rows.c.value, "$[0]"),
        literal("recycled"),
        func.json_extract(rows.c.value, "$[1]"),
        null(),
        bindparam("now", type_=UTCDateTime()),
        func.json_extract(rows.c.value, "$[3]"),
        func.json_extract(rows.c.value, "$[2]"),
    )
    return update_, expire, insert(OwnershipEvent).from_select(list(_EVENT_COLUMNS), events)


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
