"""The recycle sweep: owned customers past their deadline go back to their pool (the scheduler's
``recycle`` job runs :func:`recycle`).

Who is due is decided by the database, per pool, from instants computed here in each team's
calendar (:func:`cutoffs_for`): a customer last touched on local day D with ``recycle_days`` N is
due from local day D + N, that is when its last touch is before the start of local day
``today - N + 1``. That is :meth:`PoolRules.deadline`, the rule ``/mine`` shows, in SQL form.

A run is a sequence of small steps, so a test (or a very large table) can interleave with it:

1. :func:`plan` - one :class:`PoolSweep` per pool: its rules, its team's local day, the cutoffs.
2. :func:`select_batch` - a read: the next due customers of a pool, by id (keyset paging).
3. :func:`apply_batch` - one write transaction per batch: a conditional UPDATE that checks the
   owner and the deadline again (so a follow-up, a win, a lock or a new owner committed since the
   read wins: that customer stays), one ``recycled`` event per customer (the former owner's
   reclaim cooldown starts from it), and the outbox rows: one notice per former owner and one
   digest per manager, each keyed by team and local day, so a second run that day queues nothing.

Batches are small (:data:`BATCH_SIZE`) because on SQLite every write transaction holds the single
write lock: claims and follow-ups wait at most one batch. 2,500 is measured (``bench/sweep.py``, 1M
owned customers, 50,000 due, SQLite, a process claiming alongside): batches of 1,000 took the sweep
to 1.65x one raw UPDATE (claims meanwhile p99 55 ms, slowest 84 ms), 2,500 to 1.34x (p99 19 ms,
slowest 130 ms), 5,000 to 1.20x (p99 3 ms, slowest 331 ms); each commit rewrites the index pages
the batch touched, so fewer batches write less. PostgreSQL locks rows, not the database, and
measured the same at 1,000 and 5,000.

Notices are rendered at delivery from the day's ``recycled`` events (:func:`recycled_on`), so a
notice written by the first batch also lists what later batches recycled. To make sure no notice
is delivered half-way through a run, they are queued with ``next_attempt_at`` :data:`HOLD` ahead and
released when the run ends (or by themselves after :data:`HOLD`, should the run die).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache

from bot.domain import assignment, notices
from bot.domain.calendar import WorkCalendar, calendar_of
from bot.domain.clock import day_bounds_utc, local_day
from bot.domain.context import Services
from bot.domain.rules import RULE_WITHOUT_DEAL, PoolRules
from bot.domain.snapshots import Deadline
from bot.i18n import t
from bot.storage import members, teams
from bot.storage import outbox as ob
from bot.storage import recycling as sql
from bot.storage.outbox import Outgoing
from bot.storage.recycling import Cutoffs, RecycleCandidate, RecycledEvent

BATCH_SIZE = 2_500
HOLD = timedelta(minutes=15)


@dataclass(frozen=True)
class PoolSweep:
    """One pool's share of a run: its rules and the local day the deadlines are compared with."""

    rules: PoolRules
    team_id: int
    timezone: str
    locale: str
    day: date
    cutoffs: Cutoffs
    calendar: WorkCalendar


@dataclass(frozen=True, slots=True)
class DueCustomer:
    customer_id: int
    customer_name: str
    owner_id: int
    owner_name: str
    pool_id: int
    team_id: int
    deadline: Deadline


@dataclass(frozen=True)
class Batch:
    due: list[DueCustomer]
    # the highest id the read returned (None: nothing more to read in this pool)
    last_id: int | None


@dataclass(frozen=True)
class BatchOutcome:
    recycled: list[DueCustomer]
    kept: list[DueCustomer]  # due when read, changed before the update: they stay
    keys: list[str]  # the outbox keys this batch queued (or found queued already)
    queued: int


@dataclass(frozen=True)
class RecycleReport:
    at: datetime
    dry_run: bool
    # what went back (dry run: what would go back), by pool then id
    customers: tuple[DueCustomer, ...]
    kept: tuple[DueCustomer, ...] = ()
    queued: int = 0  # new outbox rows
    by_rule: dict[str, int] = field(default_factory=dict)
    reassigned: int = 0  # handed straight to another rep (pools with assignment on_recycle)

    def summary(self) -> dict[str, object]:
        """Counts for the job ledger and logs."""
        teams: dict[str, int] = {}
        for item in self.customers:
            teams[str(item.team_id)] = teams.get(str(item.team_id), 0) + 1
        return {
            "at": self.at.isoformat(),
            "dry_run": self.dry_run,
            "recycled": len(self.customers),
            "kept": len(self.kept),
            "queued": self.queued,
            "reassigned": self.reassigned,
            "by_rule": self.by_rule,
            "by_team": teams,
        }


# ---- the calendar ------------------------------------------------------------------------------------


def day_start(day: date, timezone: str) -> datetime:
    """The UTC instant local ``day`` begins in ``timezone`` (daylight saving included)."""
    return day_bounds_utc(day, timezone)[0]


def cutoffs_for(rules: PoolRules, day: date, calendar: WorkCalendar) -> Cutoffs:
    """The instants that make an owned customer of the pool due on local ``day``.

    Calendar days: deadline D + N <= day  <=>  D <= day - N  <=>  touch < start of (day - N + 1).
    Working days: the deadline is the N-th working day after D, which is <= day exactly when D is
    before the N-th working day counting back from ``day``: touch < start of that day. An
    extension of the current ownership keeps a customer until its ``extended_until``.
    """
    zone, working = calendar.timezone, rules.working
    touch = {
        priority: day_start(calendar.first_counted(day, days, working=working), zone)
        for priority, days in rules.recycle_days.items()
    }
    without = rules.recycle_days_without_deal
    owned = (
        day_start(calendar.first_counted(day, without, working=working), zone)
        if without is not None
        else None
    )
    return Cutoffs(pool_id=rules.pool_id, touch=touch, owned=owned, day=day)


def plan(services: Services, *, at: datetime, team_id: int | None = None) -> list[PoolSweep]:
    """Every pool (of one team, or of all), with the local day of ``at`` in its team's zone."""
    with services.db.read() as session:
        found = sql.pools_with_teams(session, team_id)
    sweeps = []
    for pool, team in found:
        assert team.id is not None
        rules, calendar = PoolRules.of(pool), calendar_of(team)
        day = local_day(at, team.timezone)
        cutoffs = cutoffs_for(rules, day, calendar)
        sweeps.append(PoolSweep(rules, team.id, team.timezone, team.locale, day, cutoffs, calendar))
    return sweeps


def horizon(sweep: PoolSweep, day: date) -> PoolSweep:
    """The same pool, looking at who is due by local ``day`` instead (the warnings look ahead)."""
    return replace(sweep, day=day, cutoffs=cutoffs_for(sweep.rules, day, sweep.calendar))


# ---- the steps -----------------------------------------------------------------------------------------


def select_batch(
    services: Services, sweep: PoolSweep, *, after_id: int = 0, limit: int = BATCH_SIZE
) -> Batch:
    """The next due customers of the pool with an id above ``after_id`` (a read, changes nothing)."""
    with services.db.read() as session:
        rows = sql.due_batch(session, sweep.cutoffs, after_id=after_id, limit=limit)
    deadline = sweep.rules.deadlines(sweep.calendar)
    due = [item for row in rows if (item := _due(sweep, row, deadline(row))) is not None]
    return Batch(due, rows[-1].id if len(rows) == limit else None)


def _due(sweep: PoolSweep, row: RecycleCandidate, deadline: Deadline | None) -> DueCustomer | None:
    """The row with its ``deadline``, as :meth:`PoolRules.deadline_of` gives it (None if not due
    after all, which would mean the SQL and the rule disagree: then the rule wins and nothing
    happens)."""
    if deadline is None or deadline.day > sweep.day:
        return None
    return DueCustomer(
        row.id, row.name, row.owner_id, row.owner_name, sweep.rules.pool_id, sweep.team_id, deadline
    )


def batches(services: Services, sweep: PoolSweep, *, limit: int = BATCH_SIZE) -> Iterator[list[DueCustomer]]:
    """The pool's due customers, batch by batch; each batch is read when the previous one is done."""
    after: int | None = 0
    while after is not None:
        batch = select_batch(services, sweep, after_id=after, limit=limit)
        if batch.due:
            yield batch.due
        after = batch.last_id


def apply_batch(
    services: Services,
    sweep: PoolSweep,
    batch: list[DueCustomer],
    *,
    at: datetime,
    started: datetime | None = None,
    queued_before: frozenset[str] = frozenset(),
) -> BatchOutcome:
    """Recycle ``batch`` in one transaction; customers that changed since they were read stay.

    ``at`` decided who is due; what happens is stamped with the real time, so a run "as if at"
    another day (``poolbot jobs run --at``) neither back- nor forward-dates history, cooldowns
    or the day's notices.

    ``started``: when the run began (default: now); its notices list what it recycled.
    ``queued_before``: outbox keys an earlier batch of the same run committed (not queued again).
    """
    now = services.clock.now()
    started = started or now
    today = local_day(now, sweep.timezone)
    recycles = [
        sql.Recycle(d.customer_id, d.owner_id, d.deadline.rule, reason_text(sweep.locale, d.deadline))
        for d in batch
    ]
    with services.db.write() as session:
        gone = sql.recycle_batch(session, sweep.cutoffs, recycles, now)
        recycled = [d for d in batch if d.customer_id in gone]
        kept = [d for d in batch if d.customer_id not in gone]
        if not recycled:
            return BatchOutcome([], kept, [], 0)
        owners, managers = {d.owner_id for d in recycled}, members.manager_ids(session, sweep.team_id)
        outgoing = [
            item
            for item in _notices(sweep, owners, managers, today, started)
            if item.key not in queued_before
        ]
        queued = ob.enqueue_many(session, outgoing, now=now, deliver_from=now + HOLD)
    return BatchOutcome(recycled, kept, [o.key for o in outgoing], queued)


def reason_text(locale: str, deadline: Deadline) -> str:
    """The numbers behind a recycle, in the team's language, for the ownership history."""
    return _reason(locale, deadline.rule, deadline.working, deadline.basis, deadline.days, deadline.priority)


@lru_cache(maxsize=4096)
def _reason(locale: str, rule: str, working: bool, basis: date, days: int, priority: str) -> str:
    """Rendered once per rule, locale and numbers: a batch of thousands has a handful of distinct
    reasons (customers last touched the same day, of the same priority, read the same)."""
    unit = "_working" if working else ""
    if rule == RULE_WITHOUT_DEAL:
        return t(locale, f"recycle.reason_without_deal{unit}", basis=basis, days=days)
    return t(locale, f"recycle.reason_touch{unit}", basis=basis, days=days, priority=priority)


def _notices(
    sweep: PoolSweep, owners: set[int], managers: list[int], day: date, started: datetime
) -> list[Outgoing]:
    """The former owners' notices and the managers' digests of the run begun at ``started``."""
    team = sweep.team_id
    notice, digest = notices.RECYCLED, notices.RECYCLE_DIGEST
    items = [
        notice.outgoing(
            notices.RecycledNotice(team, day, owner, started),
            key=notice.key(team, day, owner, started),
            team_id=team,
            recipient_id=owner,
        )
        for owner in sorted(owners)
    ]
    items += [
        digest.outgoing(
            notices.RecycleDigest(team, day, started),
            key=digest.key(team, day, manager, started),
            team_id=team,
            recipient_id=manager,
        )
        for manager in managers
    ]
    return items


# ---- the job -------------------------------------------------------------------------------------------


def recycle(
    services: Services,
    *,
    at: datetime | None = None,
    dry_run: bool = False,
    team_id: int | None = None,
    batch_size: int = BATCH_SIZE,
) -> RecycleReport:
    """Recycle every due customer (of one team, or of all) as of ``at`` (default: now).

    ``dry_run`` returns exactly what would go back, with owner, rule and deadline, and changes
    nothing: a manager's "what goes back next Monday?".
    """
    started = services.clock.now()
    at = at or started
    total = _Tally()
    for sweep in plan(services, at=at, team_id=team_id):
        for batch in batches(services, sweep, limit=batch_size):
            if dry_run:
                total.recycled.extend(batch)
            else:
                queued = frozenset(total.keys)
                total.add(apply_batch(services, sweep, batch, at=at, started=started, queued_before=queued))
    if total.keys:
        with services.db.write() as session:
            ended = services.clock.now()
            ob.release_held(session, sorted(set(total.keys)), ended)
            ob.add_to_payloads(session, sorted(set(total.keys)), {"until": ended.isoformat()})
    by_rule = Counter(item.deadline.rule for item in total.recycled)
    reassigned = 0 if dry_run else reassign(services, total.recycled)
    return RecycleReport(
        at, dry_run, tuple(total.recycled), tuple(total.kept), total.queued, dict(by_rule), reassigned
    )


def reassign(services: Services, recycled: list[DueCustomer]) -> int:
    """Pools whose ``[pools.assignment]`` says ``on_recycle`` hand what went back to the pool
    straight to another rep, by the pool's strategy; the former owner is never a candidate for
    it, even when the pool has no reclaim cooldown. Each run of the assignment is its own
    transaction, after the recycle committed."""
    settings: dict[int, bool] = {}
    by_team: dict[int, list[int]] = {}
    former: dict[int, int] = {}
    for item in recycled:
        if item.pool_id not in settings:
            stored = assignment.stored_settings(services, item.pool_id)
            settings[item.pool_id] = stored is not None and stored.on_recycle
        if settings[item.pool_id]:
            by_team.setdefault(item.team_id, []).append(item.customer_id)
            former[item.customer_id] = item.owner_id
    done = 0
    for team_id, ids in sorted(by_team.items()):
        for start in range(0, len(ids), assignment.MAX_PER_RUN):
            chunk = ids[start : start + assignment.MAX_PER_RUN]
            outcome = assignment.auto_assign(
                services,
                manager=None,
                team_id=team_id,
                customer_ids=chunk,
                former_owners={cid: former[cid] for cid in chunk},
            )
            done += len(outcome.assigned)
    return done


@dataclass
class _Tally:
    """A run's batches added up."""

    recycled: list[DueCustomer] = field(default_factory=list)
    kept: list[DueCustomer] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    queued: int = 0

    def add(self, outcome: BatchOutcome) -> None:
        self.recycled.extend(outcome.recycled)
        self.kept.extend(outcome.kept)
        self.keys.extend(outcome.keys)
        self.queued += outcome.queued


# ---- what went back, for the notices (read at delivery) ---------------------------------------------


def recycled_on(
    services: Services,
    *,
    team_id: int,
    day: date,
    member_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[RecycledEvent]:
    """The team's recycles of local ``day`` (only those from ``member_id``, if given; only those
    of the run between ``since`` and ``until``, both included, if given)."""
    with services.db.read() as session:
        team = teams.team(session, team_id)
        if team is None:
            return []
        start, end = day_bounds_utc(day, team.timezone)
        start = max(start, since) if since is not None else start
        end = min(end, until + timedelta(microseconds=1)) if until is not None else end
        return sql.recycled_between(session, team_id, start, end, member_id)
