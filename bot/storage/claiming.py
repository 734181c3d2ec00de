"""The SQL of one claim: one SELECT with everything the claim rules decide on, and the
conditional UPDATE that hands the customer over (with its event).

A claim is the bot's hottest write, so its statements are Core, built once at import, read only
the columns the rules need and run on the driver's cursor of the unit of work's connection
(:class:`bot.storage.driver.DriverStatement`: no ORM identity map to load or synchronise, and none
of SQLAlchemy's per-statement work). The rules stay decided by the database
under races, as they were with one query per rule:

- the member row lock (:func:`bot.storage.members.lock_member`) is taken in a statement of its
  own, *before* the facts are read: on PostgreSQL a statement reads the snapshot of its start,
  so counts read in the statement that waited for the lock could miss the claim that held it;
  read after it, they see every earlier claim of the rep committed;
- the customer changes hands only through the conditional UPDATE of :func:`take`, whose row
  count says whether this claim won it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Integer, Table, bindparam, func, insert, literal, or_, select, update
from sqlmodel import SQLModel

from bot.storage.driver import DriverStatement
from bot.storage.events import CLAIM_EVENT_KINDS, starts_cooldown
from bot.storage.models import UTCDateTime

_TABLES = SQLModel.metadata.tables
_customer: Table = _TABLES["customer"]
_member: Table = _TABLES["member"]
_pool: Table = _TABLES["pool"]
_team: Table = _TABLES["team"]
_event: Table = _TABLES["ownership_event"]

_MEMBER = bindparam("member", type_=Integer)
_CUSTOMER = bindparam("customer", type_=Integer)
_START = bindparam("start", type_=UTCDateTime())
_END = bindparam("end", type_=UTCDateTime())
_NOW = bindparam("now", type_=UTCDateTime())


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    """A customer as a claim of one rep sees it, read under the rep's lock."""

    name: str
    pool_id: int
    team_id: int
    timezone: str  # of the pool's team: local days of the cooldown and the daily limit
    owner_id: int | None
    owner_name: str | None
    pending_member_id: int | None
    requires_approval: bool
    cap: int  # the rep's own max_held, else the pool's max_held_per_rep
    daily_limit: int
    cooldown_days: int
    given_back_at: datetime | None  # the rep's last release of it, or the recycle that took it
    held: int  # the rep's customers in the pool (owned and not won, or pending)
    claimed_today: int  # the rep's claims from the pool in [start, end)


# ---- the facts -----------------------------------------------------------------------------------

_wanted = _customer.alias("wanted")
_owner = _member.alias("owner")
_counted = _customer.alias("counted")  # the rep's customers, for the holding cap
_claimed = _customer.alias("claimed")  # the customers of the rep's claim events, for the daily limit


def _scalar(statement: Any) -> Any:
    return statement.scalar_subquery()


# the cooldown starts at the rep's last release of this customer, or the recycle that took it
_GIVEN_BACK = _scalar(
    select(func.max(_event.c.at)).where(
        _event.c.customer_id == _wanted.c.id, _event.c.member_id == _MEMBER, starts_cooldown()
    )
)
# what the cap counts (bot.storage.sql.held): owned and not won, or pending, in the wanted one's pool;
# two counts, each answered from its own index ((owner_id, pool_id), (pending_member_id, pool_id))
_OWNED = _scalar(
    select(func.count())
    .select_from(_counted)
    .where(
        _counted.c.owner_id == _MEMBER,
        _counted.c.pool_id == _wanted.c.pool_id,
        _counted.c.won_at.is_(None),
    )
)
_PENDING = _scalar(
    select(func.count())
    .select_from(_counted)
    .where(_counted.c.pending_member_id == _MEMBER, _counted.c.pool_id == _wanted.c.pool_id)
)
# the daily limit counts claims, immediate or requested, from the pool in the team's local day,
# from the event log: a claim released since still counts
_TODAY = _scalar(
    select(func.count())
    .select_from(_event.join(_claimed, _claimed.c.id == _event.c.customer_id))
    .where(
        _event.c.member_id == _MEMBER,
        or_(*(_event.c.kind == kind for kind in CLAIM_EVENT_KINDS)),  # no IN list to expand per call
        _event.c.at >= _START,
        _event.c.at < _END,
        _claimed.c.pool_id == _wanted.c.pool_id,
    )
)
# a member's own cap wins over the pool's
_CAP = func.coalesce(
    _scalar(select(_member.c.max_held).where(_member.c.id == _MEMBER)), _pool.c.max_held_per_rep
)
_FACTS = DriverStatement(
    select(
        _wanted.c.name,
        _wanted.c.pool_id,
        _pool.c.team_id,
        _team.c.timezone,
        _wanted.c.owner_id,
        _owner.c.name,
        _wanted.c.pending_member_id,
        _pool.c.claim_requires_approval,
        _CAP,
        _pool.c.daily_claim_limit,
        _pool.c.reclaim_cooldown_days,
        _GIVEN_BACK,
        _OWNED + _PENDING,
        _TODAY,
    )
    .select_from(
        _wanted.join(_pool, _pool.c.id == _wanted.c.pool_id)
        .join(_team, _team.c.id == _pool.c.team_id)
        .outerjoin(_owner, _owner.c.id == _wanted.c.owner_id)
    )
    .where(_wanted.c.id == _CUSTOMER)
)
_TODAY_ALONE = select(_TODAY).select_from(_wanted).where(_wanted.c.id == _CUSTOMER)


def claim_facts(
    connection: Connection, customer_id: int, member_id: int, day: tuple[datetime, datetime]
) -> ClaimFacts | None:
    """Everything the rules decide a claim of ``customer_id`` by ``member_id`` on, in one
    statement (None: no such customer); ``day`` is the [start, end) the daily limit counts in,
    the local day of the team the caller expects the customer's pool to belong to."""
    start, end = day
    params = {"customer": customer_id, "member": member_id, "start": start, "end": end}
    row = _FACTS.first(connection, params)
    return None if row is None else ClaimFacts(*row)


def claims_in(
    connection: Connection, customer_id: int, member_id: int, day: tuple[datetime, datetime]
) -> int:
    """The rep's claims from ``customer_id``'s pool in ``day`` alone: when the pool's team keeps
    its local days in another time zone than the one :func:`claim_facts` was given."""
    start, end = day
    params = {"customer": customer_id, "member": member_id, "start": start, "end": end}
    return int(connection.execute(_TODAY_ALONE, params).scalar_one())


# ---- taking it -----------------------------------------------------------------------------------

# only a customer nobody owns or waits for changes hands: the row count says who won it
_TAKE = (
    update(_customer)
    .where(
        _customer.c.id == _CUSTOMER,
        _customer.c.owner_id.is_(None),
        _customer.c.pending_member_id.is_(None),
    )
    .values(owner_id=_MEMBER, owned_since=_NOW, last_touch_at=_NOW, pending_member_id=None)
)
_EVENT_COLUMNS = ("customer_id", "kind", "member_id", "actor_id", "at", "reason")
_CLAIMED_EVENT = DriverStatement(
    insert(_event).values(
        customer_id=_CUSTOMER,
        kind="claimed",
        member_id=_MEMBER,
        actor_id=_MEMBER,
        at=_NOW,
        reason=bindparam("reason"),
    )
)
# PostgreSQL: the UPDATE and the event in one statement; the event row exists only if it won, so
# the INSERT's row count says who won
_taken = _TAKE.returning(_customer.c.id).cte("taken")
_TAKE_AND_LOG = DriverStatement(
    insert(_event).from_select(
        list(_EVENT_COLUMNS),
        select(_taken.c.id, literal("claimed"), _MEMBER, _MEMBER, _NOW, bindparam("reason")),
    )
)
_TAKE_ALONE = DriverStatement(_TAKE)


def take(connection: Connection, customer_id: int, member_id: int, now: datetime, reason: str) -> bool:
    """Give the pool customer to the rep and log the claim; False if it is owned or pending by now."""
    params = {"customer": customer_id, "member": member_id, "now": now, "reason": reason}
    if connection.dialect.name == "postgresql":
        return _TAKE_AND_LOG.rowcount(connection, params) == 1
    if _TAKE_ALONE.rowcount(connection, params) != 1:
        return False
    _CLAIMED_EVENT.rowcount(connection, params)
    return True
