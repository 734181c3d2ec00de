"""Warnings before a recycle: each owner hears about a customer ``warn_days`` before its deadline
and again on the last day before it, once per customer, deadline and stage.

The notification key names the deadline (``warn:{customer}:{deadline}:{stage}``), so a follow-up
that moves the deadline re-arms both warnings for the new one, and running the job twice a day (or
from two schedulers) queues nothing twice.

A stage is due from its day until the deadline: the early warning from ``deadline - warn_days``,
the last-day one on ``deadline - 1``. On a daily schedule each goes out exactly on its day; a run
missed while the scheduler was down is made up by the next one (saying how many days are left).
A pool with ``warn_days`` 0 sends no warnings; with 1 the two stages are the same day and only
the last-day warning is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.domain.calendar import WorkCalendar
from bot.domain.context import Services
from bot.domain.notices import RECYCLE_WARNING, RecycleWarning, WarningStage
from bot.domain.recycling import DueCustomer, PoolSweep, batches, horizon, plan
from bot.domain.rules import PoolRules
from bot.storage import members
from bot.storage import outbox as ob

EARLY: WarningStage = "early"
LAST: WarningStage = "last"


@dataclass(frozen=True, slots=True)
class Upcoming:
    """A customer about to go back to the pool, and which warning it gets now."""

    customer: DueCustomer
    stage: WarningStage
    days_left: int

    @property
    def key(self) -> str:
        return RECYCLE_WARNING.key(self.customer.customer_id, self.customer.deadline.day, self.stage)


@dataclass(frozen=True)
class WarnReport:
    at: datetime
    dry_run: bool
    warnings: tuple[Upcoming, ...]  # due now (dry run: including those already sent)
    queued: int = 0  # new outbox rows: warnings not sent before

    def summary(self) -> dict[str, object]:
        stages = {stage: sum(1 for w in self.warnings if w.stage == stage) for stage in (EARLY, LAST)}
        return {
            "at": self.at.isoformat(),
            "dry_run": self.dry_run,
            "due": len(self.warnings),
            "queued": self.queued,
            "by_stage": stages,
        }


def stage_on(today: date, deadline: date, rules: PoolRules, calendar: WorkCalendar) -> WarningStage | None:
    """Which warning a customer whose deadline is ``deadline`` is due for on local ``today``.

    Calendar days: the last-day warning the day before. Working days: only on working days, the
    last-day one on the last working day before the deadline (a make-up Saturday before a
    holiday week, say)."""
    if rules.warn_days <= 0 or not today < deadline <= rules.warn_horizon(today, calendar):
        return None
    if not rules.working:
        return LAST if deadline == today + timedelta(days=1) else EARLY
    if not calendar.is_working(today):
        return None
    return LAST if deadline <= calendar.next_working(today) else EARLY


def warn(
    services: Services, *, at: datetime | None = None, dry_run: bool = False, team_id: int | None = None
) -> WarnReport:
    """Queue every warning due on the local day of ``at`` (default: now) that was not sent yet."""
    at = at or services.clock.now()
    found: list[Upcoming] = []
    queued = 0
    for sweep in plan(services, at=at, team_id=team_id):
        if sweep.rules.warn_days <= 0:
            continue
        ahead = horizon(sweep, sweep.rules.warn_horizon(sweep.day, sweep.calendar))
        for batch in batches(services, ahead):
            upcoming = _upcoming(sweep, batch)
            found.extend(upcoming)
            if upcoming and not dry_run:
                queued += _queue(services, sweep, upcoming)
    return WarnReport(at, dry_run, tuple(found), queued)


def _upcoming(sweep: PoolSweep, batch: list[DueCustomer]) -> list[Upcoming]:
    result = []
    for item in batch:
        stage = stage_on(sweep.day, item.deadline.day, sweep.rules, sweep.calendar)
        if stage is not None:
            result.append(Upcoming(item, stage, (item.deadline.day - sweep.day).days))
    return result


def _queue(services: Services, sweep: PoolSweep, upcoming: list[Upcoming]) -> int:
    now = services.clock.now()
    with services.db.write() as session:
        told = bool(members.manager_ids(session, sweep.team_id))
        items = [
            RECYCLE_WARNING.outgoing(
                _warning(u, managers_told=told and u.stage == LAST),
                key=u.key,
                team_id=sweep.team_id,
                recipient_id=u.customer.owner_id,
            )
            for u in upcoming
        ]
        return ob.enqueue_many(session, items, now=now)


def _warning(upcoming: Upcoming, *, managers_told: bool) -> RecycleWarning:
    """Everything the message needs, so it reads the same whenever it is delivered. The last-day
    warning says the managers hear about it too (the last-day digest, :mod:`bot.domain.last_day`)."""
    customer = upcoming.customer
    return RecycleWarning(
        customer.customer_id,
        customer.customer_name,
        upcoming.stage,
        upcoming.days_left,
        customer.deadline,
        managers_told=managers_told,
    )
