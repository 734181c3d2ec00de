"""Who gets each customer: the strategies of automatic assignment, as pure functions of a snapshot
taken while the team's reps are locked (so the snapshot stays true until the run commits).

A strategy is two steps. The *group*: for ``rules``, the members of the first rule the customer
matches (else the fallback); for the others, everyone taking part. The *pick* inside the group,
among members that are active, under their holding cap (their own ``max_held``, else the
pool's), not in the customer's reclaim cooldown and not the member the caller excludes for it
(a recycle's former owner): ``round_robin`` (the next after the one who got the group's last
customer), ``least_loaded`` (the most free capacity) or ``smart`` (at random, weighted by the
member's win rate in the customer's industry and size, never below a floor, so newcomers still get customers).
Ties are broken at random: a fixed order would favour whoever sorts first, run after run.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.config import AssignmentConfig, AssignmentRule
from bot.domain.clock import local_day
from bot.domain.rules import PoolRules
from bot.storage.assignment import PoolCustomer, Rep, Segment, segment_of

EVERYONE, FALLBACK = "all", "fallback"
CONDITIONS = ("region", "industry", "size", "priority")


@dataclass(frozen=True)
class Why:
    """The facts behind one assignment, turned into words by the caller."""

    strategy: str  # the pick: round_robin | least_loaded | smart
    held: int  # after this assignment
    cap: int
    rule: tuple[tuple[str, str], ...] = ()  # the conditions of the matching rule
    fallback: bool = False
    tie: bool = False  # several members were equally good; chance decided
    win_rate: float | None = None  # smart: the member's rate in the segment (None: no history)
    floor: float = 0.0
    segment: Segment = ("", "")


@dataclass(frozen=True)
class Choice:
    customer: PoolCustomer
    member: Rep
    why: Why


@dataclass(frozen=True)
class Left:
    """A customer that stays in the pool, and why (a catalogue key under ``insight.left_``)."""

    customer: PoolCustomer
    reason: str


@dataclass(frozen=True)
class PoolSetup:
    rules: PoolRules
    config: AssignmentConfig
    timezone: str


@dataclass
class Snapshot:
    """What the planner reads; ``held`` and ``cursors`` change as it plans."""

    reps: dict[int, Rep]
    pools: dict[int, PoolSetup]
    held: Counter[tuple[int, int]]
    given_back: dict[tuple[int, int], datetime]
    received: dict[tuple[int, Segment], int]
    won: dict[tuple[int, Segment], int]
    cursors: dict[tuple[int, str], int]
    today: date
    moved_cursors: set[tuple[int, str]] = field(default_factory=set)
    # customer -> member who must not get it (the former owner, when a recycle hands it on)
    excluded: dict[int, int] = field(default_factory=dict)

    def win_rate(self, member_id: int, segment: Segment) -> float | None:
        received = self.received.get((member_id, segment), 0)
        won = self.won.get((member_id, segment), 0)
        return won / max(received, won) if received or won else None


def plan(snapshot: Snapshot, customers: list[PoolCustomer], rng: random.Random) -> list[Choice | Left]:
    return [choose(snapshot, customer, rng) for customer in customers]


def choose(snapshot: Snapshot, customer: PoolCustomer, rng: random.Random) -> Choice | Left:
    setup = snapshot.pools[customer.pool_id]
    group = _group(snapshot, setup.config, customer)
    if group is None:
        return Left(customer, "no_rule")
    key, handles_or_all, rule = group
    members = _members(snapshot, handles_or_all)
    if not members:
        return Left(customer, "no_member")
    eligible = [m for m in members if _eligible(snapshot, setup, m, customer)]
    if not eligible:
        return Left(customer, "full")
    pick = setup.config.pick if setup.config.strategy == "rules" else setup.config.strategy
    member, tie, rate = _pick(snapshot, setup, pick, key, members, eligible, customer, rng)
    snapshot.held[(member.id, customer.pool_id)] += 1
    why = Why(
        strategy=pick,
        held=snapshot.held[(member.id, customer.pool_id)],
        cap=setup.rules.cap_for(member.max_held),
        rule=rule,
        fallback=key == FALLBACK,
        tie=tie,
        win_rate=rate,
        floor=setup.config.smart_floor,
        segment=segment_of(customer.industry, customer.size),
    )
    return Choice(customer, member, why)


Group = tuple[str, tuple[str, ...] | None, tuple[tuple[str, str], ...]]


def _group(snapshot: Snapshot, config: AssignmentConfig, customer: PoolCustomer) -> Group | None:
    """(cursor key, handles or None for everyone taking part, matched conditions); None: nobody."""
    everyone = config.members or None
    if config.strategy != "rules":
        return EVERYONE, everyone, ()
    for index, rule in enumerate(config.rules):
        if (matched := _matches(rule, customer)) is not None:
            return f"rule:{index}", rule.members, matched
    if config.fallback is None:
        return FALLBACK, everyone, ()
    return (FALLBACK, config.fallback, ()) if config.fallback else None


def _matches(rule: AssignmentRule, customer: PoolCustomer) -> tuple[tuple[str, str], ...] | None:
    matched = []
    for name in CONDITIONS:
        wanted = getattr(rule, name)
        if wanted is None:
            continue
        value = getattr(customer, name) or ""
        if value.lower() != wanted.lower():
            return None
        matched.append((name, value))
    return tuple(matched)


def _members(snapshot: Snapshot, handles: tuple[str, ...] | None) -> list[Rep]:
    """The group's active reps, in the configured order (everyone: by id); inactive are skipped."""
    if handles is None:
        return sorted(snapshot.reps.values(), key=lambda r: r.id)
    by_handle = {rep.handle: rep for rep in snapshot.reps.values()}
    return [by_handle[h] for h in handles if h in by_handle]


def _eligible(snapshot: Snapshot, setup: PoolSetup, member: Rep, customer: PoolCustomer) -> bool:
    if snapshot.excluded.get(customer.id) == member.id:
        return False
    if snapshot.held[(member.id, customer.pool_id)] >= setup.rules.cap_for(member.max_held):
        return False
    given_back = snapshot.given_back.get((customer.id, member.id))
    if given_back is None or setup.rules.reclaim_cooldown_days == 0:
        return True
    return snapshot.today >= setup.rules.cooldown_ends(local_day(given_back, setup.timezone))


def _pick(
    snapshot: Snapshot,
    setup: PoolSetup,
    pick: str,
    key: str,
    members: list[Rep],
    eligible: list[Rep],
    customer: PoolCustomer,
    rng: random.Random,
) -> tuple[Rep, bool, float | None]:
    """The member, whether chance broke a tie, and (smart) the member's win rate."""
    if pick == "round_robin":
        return _next_in_turn(snapshot, customer.pool_id, key, members, eligible), False, None
    if pick == "smart":
        segment = segment_of(customer.industry, customer.size)
        rates = [snapshot.win_rate(m.id, segment) for m in eligible]
        weights = [max(setup.config.smart_floor, rate or 0.0) for rate in rates]
        index = rng.choices(range(len(eligible)), weights=weights)[0]
        return eligible[index], False, rates[index]
    free = {m.id: setup.rules.cap_for(m.max_held) - snapshot.held[(m.id, customer.pool_id)] for m in eligible}
    best = max(free.values())
    top = [m for m in eligible if free[m.id] == best]
    return rng.choice(top), len(top) > 1, None


def _next_in_turn(snapshot: Snapshot, pool_id: int, key: str, members: list[Rep], eligible: list[Rep]) -> Rep:
    """The first eligible member after the one who got the group's last customer (wrapping)."""
    last = snapshot.cursors.get((pool_id, key))
    ids = [m.id for m in members]
    start = ids.index(last) + 1 if last in ids else 0
    allowed = {m.id for m in eligible}
    for offset in range(len(members)):
        member = members[(start + offset) % len(members)]
        if member.id in allowed:
            snapshot.cursors[(pool_id, key)] = member.id
            snapshot.moved_cursors.add((pool_id, key))
            return member
    raise AssertionError("eligible members are members")
