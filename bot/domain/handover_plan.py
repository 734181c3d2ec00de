"""Who gets each customer of a book being handed over: the pool (``pool``), one member up to their
cap (``<member>``), or each pool's assignment strategy (``auto``, the planner of
:mod:`bot.domain.assignment_plan`, with the departing member excluded). Plans are made while the
members concerned are locked, so the caps they respect are the caps the database ends with.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.domain.assignment import explain, snapshot_of
from bot.domain.assignment_plan import Left, choose
from bot.domain.context import rules_for
from bot.domain.snapshots import MemberView
from bot.i18n import t
from bot.storage import assignment as assignment_sql
from bot.storage import customers, members
from bot.storage.assignment import PoolCustomer, Rep
from bot.storage.handover import BookCustomer


@dataclass(frozen=True)
class Move:
    customer: BookCustomer
    to_id: int | None  # None: back to the pool
    to_name: str
    reason: str = ""  # why this receiver (``auto``: the strategy's words)


@dataclass(frozen=True)
class Stay:
    """A customer no receiver has room for: it stays with the departing member."""

    customer: BookCustomer
    reason: str


Planned = Move | Stay


def to_pool(book: list[BookCustomer], locale: str) -> list[Planned]:
    pool = t(locale, "handover.the_pool")
    return [Move(customer, None, pool) for customer in book]


def to_member(session: Session, book: list[BookCustomer], target: MemberView, locale: str) -> list[Planned]:
    """Everything to ``target`` while they have room in each pool; a won customer takes none."""
    own_cap = members.own_cap(session, target.id)
    room: dict[int, tuple[int, int, str]] = {}  # pool -> (held, cap, pool name)
    planned: list[Planned] = []
    for customer in book:
        if customer.pool_id not in room:
            rules, _ = rules_for(session, customer.pool_id)
            held = customers.held_count(session, target.id, customer.pool_id)
            room[customer.pool_id] = (held, rules.cap_for(own_cap), rules.pool_name)
        held, cap, pool = room[customer.pool_id]
        if customer.won:
            planned.append(Move(customer, target.id, target.name))
        elif held < cap:
            room[customer.pool_id] = (held + 1, cap, pool)
            planned.append(Move(customer, target.id, target.name))
        else:
            reason = t(locale, "handover.left_full", member=target.name, held=held, cap=cap, pool=pool)
            planned.append(Stay(customer, reason))
    return planned


def by_strategy(
    session: Session,
    *,
    team_id: int,
    book: list[BookCustomer],
    reps: list[Rep],
    source_id: int,
    rng: random.Random,
    locale: str,
    now: datetime,
) -> list[Planned]:
    """Each customer to whom its pool's strategy picks among the team's active reps but the
    departing member (caps, cooldowns and rules as for ``/assign auto``); round-robin turns move."""
    if not book:
        return []
    pool_customers = [
        PoolCustomer(c.id, c.name, c.pool_id, c.industry, c.region, c.size, c.priority) for c in book
    ]
    _, snapshot = snapshot_of(session, team_id, reps, pool_customers, now)
    snapshot.excluded.update({c.id: source_id for c in book})
    planned: list[Planned] = []
    for customer, pool_customer in zip(book, pool_customers, strict=True):
        choice = choose(snapshot, pool_customer, rng)
        if isinstance(choice, Left):
            planned.append(Stay(customer, t(locale, f"insight.left_{choice.reason}")))
            continue
        if customer.won:  # a won customer is not held: it leaves the receiver's room as it was
            snapshot.held[(choice.member.id, customer.pool_id)] -= 1
        reason = explain(locale, choice.why)
        planned.append(Move(customer, choice.member.id, choice.member.name, reason))
    for pool_id, key in sorted(snapshot.moved_cursors):
        assignment_sql.save_cursor(session, pool_id, key, snapshot.cursors[(pool_id, key)])
    return planned
