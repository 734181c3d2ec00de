"""Automatic assignment: pool customers handed to reps by the pool's strategy, in one transaction.

The run first locks every active rep of the team (in id order, as transfers do, so two runs or a
run and a claim never wait on each other crosswise), then reads holdings, turns and win rates,
plans with :mod:`bot.domain.assignment_plan`, and takes the customers with conditional UPDATEs
that only move customers still in the pool. While the locks are held nobody can add to these
reps' holdings, so the cap the plan respects is the cap the database ends with; a customer taken
by someone else meanwhile is just not assigned. Concurrent runs take turns on the locks.

Every assignment writes an ``assigned`` event whose reason explains the choice, and every
assignee gets one notice per run listing its new customers.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.config import AssignmentConfig, PoolbotConfig
from bot.domain import notices
from bot.domain.assignment_plan import Choice, Left, PoolSetup, Snapshot, Why, plan
from bot.domain.clock import local_day
from bot.domain.context import Services, event_row, rules_for
from bot.domain.errors import Forbidden
from bot.domain.priorities import priority_filter
from bot.domain.snapshots import MemberView
from bot.i18n import t
from bot.storage import assignment as sql
from bot.storage import events, outbox, teams
from bot.storage.assignment import Filters, Rep
from bot.storage.engine import Database
from bot.storage.models import Team

MAX_PER_RUN = 1_000  # customers one run assigns at most; the write lock is held for the run
NOTICE_LINES = 30  # customers listed in one assignee's notice (the count covers the rest)


@dataclass(frozen=True)
class Assigned:
    customer_id: int
    customer_name: str
    member_id: int
    member_name: str
    reason: str


@dataclass(frozen=True)
class Unassigned:
    customer_id: int
    customer_name: str
    reason: str  # insight.left_<reason>: no_rule | no_member | full | taken


@dataclass(frozen=True)
class AutoOutcome:
    assigned: tuple[Assigned, ...]
    left: tuple[Unassigned, ...]

    def per_member(self) -> list[tuple[str, int]]:
        """(member name, customers received), most first."""
        counts: dict[str, int] = defaultdict(int)
        for item in self.assigned:
            counts[item.member_name] += 1
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def sync_settings(db: Database, config: PoolbotConfig) -> None:
    """Store each configured pool's ``[pools.assignment]`` (or its absence) in the database, where
    every process reads it. Called with the rest of the config sync at start."""
    with db.write() as session:
        for pool in config.pools:
            row = teams.pool_by_name(session, pool.name)
            if row is not None and row.id is not None:
                settings = pool.assignment.model_dump(mode="json") if pool.assignment else None
                sql.save_settings(session, row.id, settings)


def filters_from(options: Mapping[str, str]) -> Filters:
    """Which pool customers ``/assign auto``'s ``region: industry: size: priority: pool:`` pick."""
    return Filters(
        industry=options.get("industry"),
        region=options.get("region"),
        size=options.get("size"),
        priority=options.get("priority"),
        pool=options.get("pool"),
    )


def auto_assign(
    services: Services,
    *,
    manager: MemberView | None,
    team_id: int,
    filters: Filters | None = None,
    count: int = MAX_PER_RUN,
    customer_ids: list[int] | None = None,
    former_owners: Mapping[int, int] | None = None,
    rng: random.Random | None = None,
) -> AutoOutcome:
    """Assign up to ``count`` matching pool customers of the team (only ``customer_ids`` when
    given). ``manager`` None: the bot itself (after an import or a recycle). ``former_owners``
    (customer -> member): who must not get that customer, whatever the reclaim cooldown (the rep
    a recycle just took it from). A ``priority`` filter may say A/B/C or 高/中/低."""
    if manager is not None and not manager.is_manager:
        raise Forbidden("error.managers_only", command="assign")
    filters = filters or Filters()
    filters = replace(filters, priority=priority_filter(filters.priority))
    now = services.clock.now()
    with services.db.write() as session:
        reps = sql.lock_active_reps(session, team_id)
        customers = sql.pool_customers(
            session, team_id, filters, ids=customer_ids, limit=min(count, MAX_PER_RUN)
        )
        if not customers:
            return AutoOutcome((), ())
        team, snapshot = snapshot_of(session, team_id, reps, customers, now)
        snapshot.excluded.update(former_owners or {})
        planned = plan(snapshot, customers, rng or random.SystemRandom())
        outcome = _apply(session, team, planned, manager, now)
        for pool_id, key in sorted(snapshot.moved_cursors):
            sql.save_cursor(session, pool_id, key, snapshot.cursors[(pool_id, key)])
        return outcome


def snapshot_of(
    session: Session, team_id: int, reps: list[Rep], customers: list[sql.PoolCustomer], now: datetime
) -> tuple[Team, Snapshot]:
    """What the planner reads about ``customers`` and ``reps``, taken while the reps are locked (a
    handover plans an owned book with it too)."""
    pool_ids = sorted({c.pool_id for c in customers})
    settings = sql.settings_of(session, pool_ids)
    pools: dict[int, PoolSetup] = {}
    team: Team | None = None
    for pool_id in pool_ids:
        rules, team = rules_for(session, pool_id)
        config = AssignmentConfig.model_validate(settings.get(pool_id, {}))
        pools[pool_id] = PoolSetup(rules, config, team.timezone)
    assert team is not None
    lookback = max(setup.config.smart_lookback_days for setup in pools.values())
    since = now - timedelta(days=lookback)
    snapshot = Snapshot(
        reps={rep.id: rep for rep in reps},
        pools=pools,
        held=sql.held_by(session, team_id),
        given_back=sql.given_back(session, [c.id for c in customers]),
        received=sql.segment_counts(session, team_id, since, sql.OWNING_KINDS),
        won=sql.segment_counts(session, team_id, since, ("won",)),
        cursors=sql.cursors(session, pool_ids),
        today=local_day(now, team.timezone),
    )
    return team, snapshot


def _apply(
    session: Session, team: Team, planned: list[Choice | Left], manager: MemberView | None, now: datetime
) -> AutoOutcome:
    left = [Unassigned(p.customer.id, p.customer.name, p.reason) for p in planned if isinstance(p, Left)]
    by_member: dict[int, list[Choice]] = defaultdict(list)
    for item in planned:
        if isinstance(item, Choice):
            by_member[item.member.id].append(item)
    assigned: list[Assigned] = []
    for member_id, choices in sorted(by_member.items()):
        taken = sql.take_many(session, [c.customer.id for c in choices], member_id, now)
        left += [
            Unassigned(c.customer.id, c.customer.name, "taken") for c in choices if c.customer.id not in taken
        ]
        done = [_assigned(c, team.locale) for c in choices if c.customer.id in taken]
        events.add_events(
            session,
            [
                event_row(
                    a.customer_id,
                    "assigned",
                    member_id,
                    manager.id if manager else None,
                    now,
                    reason=a.reason,
                )
                for a in done
            ],
        )
        assigned += done
    order = {item.customer.id: index for index, item in enumerate(planned)}
    assigned.sort(key=lambda a: order[a.customer_id])
    _notify(session, team, assigned, manager, now)
    return AutoOutcome(tuple(assigned), tuple(left))


def _assigned(choice: Choice, locale: str) -> Assigned:
    return Assigned(
        choice.customer.id,
        choice.customer.name,
        choice.member.id,
        choice.member.name,
        explain(locale, choice.why),
    )


def _notify(
    session: Session, team: Team, assigned: list[Assigned], manager: MemberView | None, now: datetime
) -> None:
    """One notice per assignee for the whole run, listing its customers and why."""
    assert team.id is not None
    run = uuid.uuid4().hex[:12]
    by = manager.name if manager else t(team.locale, "insight.the_bot")
    per_member: dict[int, list[Assigned]] = defaultdict(list)
    for item in assigned:
        per_member[item.member_id].append(item)
    kind = notices.AUTO_ASSIGNED
    rows = [
        kind.outgoing(
            _notice(by, items),
            key=kind.key(run, member_id),
            team_id=team.id,
            recipient_id=member_id,
        )
        for member_id, items in sorted(per_member.items())
    ]
    outbox.enqueue_many(session, rows, now=now)


def _notice(by: str, items: list[Assigned]) -> notices.AutoAssigned:
    lines = tuple(
        notices.AssignedLine(a.customer_id, a.customer_name, a.reason) for a in items[:NOTICE_LINES]
    )
    return notices.AutoAssigned(by, len(items), lines)


def explain(locale: str, why: Why) -> str:
    """Why this member, in the team's language: "region East; 12 of 50 held; win rate 30% in
    manufacturing"."""
    parts: list[str] = []
    if why.rule:
        conditions = ", ".join(f"{t(locale, f'insight.field_{name}')} {value}" for name, value in why.rule)
        parts.append(conditions)
    elif why.fallback:
        parts.append(t(locale, "insight.why_fallback"))
    parts.append(t(locale, f"insight.why_{why.strategy}"))
    parts.append(t(locale, "insight.why_held", held=why.held, cap=why.cap))
    if why.strategy == "smart":
        parts.append(_smart_part(locale, why))
    if why.tie:
        parts.append(t(locale, "insight.why_tie"))
    return "; ".join(parts)


def _smart_part(locale: str, why: Why) -> str:
    segment = " · ".join(part for part in why.segment if part) or t(locale, "insight.any_segment")
    floor = round(why.floor * 100)
    if why.win_rate is None:
        return t(locale, "insight.why_no_history", segment=segment, floor=floor)
    rate = round(why.win_rate * 100)
    key = "insight.why_win_rate_floor" if why.win_rate < why.floor else "insight.why_win_rate"
    return t(locale, key, rate=rate, segment=segment, floor=floor)


def stored_settings(services: Services, pool_id: int) -> AssignmentConfig | None:
    """The pool's stored assignment settings (None: not configured)."""
    with services.db.read() as session:
        found = sql.settings_of(session, [pool_id]).get(pool_id)
    return AssignmentConfig.model_validate(found) if found is not None else None
