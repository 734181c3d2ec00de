"""The scheduler: which job runs when, in each team's timezone, exactly once per period.

Daily jobs run per team at a local time (a cron trigger in the team's zone); each run first takes
its ledger row ``(job, "team:local-date")``, so a second scheduler process, or a restart that fires
the same day again, does nothing. Frequent jobs (request expiry, dispatch) run on an interval and
are idempotent by construction. At start every daily job whose time has already come today is
caught up, because APScheduler drops a run that was missed while no process was up.

The jobs themselves are use cases of :mod:`bot.domain` (what they decide and write lives there);
this module only says when each runs, for which team, and records it in the ledger.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.delivery import Deliverer
from bot.domain import outbox
from bot.domain.clock import local_day
from bot.domain.context import Services
from bot.domain.expiry import expire_requests
from bot.domain.last_day import last_day_digest
from bot.domain.manager_digest import manager_digest
from bot.domain.recycle_warnings import warn
from bot.domain.recycling import recycle
from bot.domain.reminders import morning_reminders
from bot.domain.weekly_report import weekly_report
from bot.scheduler import ledger
from bot.scheduler.dispatch import DispatchReport, Renderer, dispatch
from bot.storage import teams as team_rows

log = logging.getLogger("poolbot.scheduler")


class Report(Protocol):
    def summary(self) -> dict[str, object]: ...


JobFunction = Callable[..., Report]


@dataclass(frozen=True)
class TeamClock:
    id: int
    name: str
    timezone: str
    reminder_time: time


@dataclass(frozen=True)
class Job:
    """A job and its schedule: ``daily_at`` a local time (None: the team's reminder time), or
    ``every`` an interval for frequent jobs."""

    name: str
    description: str
    run: JobFunction
    daily_at: time | None = None
    every: timedelta | None = None
    # False for jobs that are safe to run concurrently (dispatch: its leases decide), so the
    # ledger is not filled with a row a minute
    uses_ledger: bool = True
    # True: the function takes ``team_id`` and a team's trigger runs it for that team only; False:
    # it looks at every team and acts for those whose local time has come (keys stop repeats)
    team_scoped: bool = False

    def local_time(self, team: TeamClock) -> time:
        return self.daily_at or team.reminder_time


def registry(
    deliverers: Mapping[str, Deliverer] | None = None, render: Renderer | None = None
) -> dict[str, Job]:
    """Every job by name. ``deliverers`` are the push platforms the dispatch job sends through,
    ``render`` what makes their messages (required with deliverers)."""
    jobs = [
        Job(
            "recycle",
            "give neglected customers back to the pool",
            recycle,
            daily_at=time(0, 5),
            team_scoped=True,
        ),
        Job("warnings", "warn owners before a recycle", warn, team_scoped=True),
        Job(
            "last_day",
            "tell the managers what goes back to the pool by the next working day",
            last_day_digest,
            team_scoped=True,
        ),
        Job("reminders", "the morning reminder to each rep", morning_reminders),
        Job("digest", "yesterday's figures to the managers", manager_digest),
        Job(
            "weekly_report",
            "last week's team report and chart (Mondays; later that week if Monday was missed)",
            weekly_report,
            team_scoped=True,
        ),
        Job(
            "expiry",
            "expire claim requests nobody decided; forget old chat request ids",
            expire_requests,
            every=timedelta(minutes=15),
        ),
        Job(
            "dispatch",
            "deliver the outbox",
            _dispatcher(dict(deliverers or {}), render),
            every=timedelta(minutes=1),
            uses_ledger=False,
        ),
    ]
    return {job.name: job for job in jobs}


@dataclass(frozen=True)
class OutboxPreview:
    """What a dry dispatch reports: the outbox by status; nothing is sent."""

    at: datetime
    dry_run: bool
    counts: dict[str, int]

    def summary(self) -> dict[str, object]:
        return {"dry_run": True, **self.counts}


def _dispatcher(deliverers: dict[str, Deliverer], render: Renderer | None) -> JobFunction:
    if deliverers and render is None:
        raise ValueError("a dispatch job with deliverers needs a renderer")

    def run(services: Services, *, at: datetime | None = None, dry_run: bool = False) -> Report:
        if dry_run:
            return OutboxPreview(at or services.clock.now(), True, outbox.counts(services))
        if render is None:  # no deliverers: nothing is routed anywhere
            return DispatchReport()
        # always "now", never a future --at: a lease held by a live dispatcher would look expired
        return dispatch(services, deliverers, render)

    return run


def teams(services: Services) -> list[TeamClock]:
    with services.db.read() as session:
        return [
            TeamClock(team.id or 0, team.name, team.timezone, time.fromisoformat(team.reminder_time))
            for team in team_rows.all_teams(session)
        ]


def period_for(job: Job, team: TeamClock | None, at: datetime) -> str:
    if team is None:
        step = job.every or timedelta(hours=1)
        start = datetime.fromtimestamp(
            at.timestamp() // step.total_seconds() * step.total_seconds(), at.tzinfo
        )
        return start.isoformat(timespec="minutes")
    return ledger.daily_period(team.name, local_day(at, team.timezone))


def run_scheduled(services: Services, job: Job, team: TeamClock | None) -> Mapping[str, Any] | None:
    """One scheduled run: take the ledger row for the current period, then do the work."""
    at = services.clock.now()
    period = period_for(job, team, at)
    options: dict[str, Any] = {"team_id": team.id} if team is not None and job.team_scoped else {}

    def work() -> Mapping[str, Any]:
        return job.run(services, at=at, **options).summary()

    try:
        summary = ledger.run_period(services, job.name, period, work) if job.uses_ledger else work()
    except Exception:
        log.exception("job failed", extra={"job": job.name, "period": period})
        return None
    if summary is None:
        log.info("job period already taken", extra={"job": job.name, "period": period})
    else:
        log.info("job done", extra={"job": job.name, "period": period, **_flat(summary)})
    return summary


def run_manually(services: Services, job: Job, at: datetime) -> Report:
    """An operator's run (``poolbot jobs run``): for every team, as of ``at``, outside the schedule.

    Jobs are idempotent, so running one again does nothing new; the ledger records it under a
    period of its own so ``jobs status`` shows it.
    """
    period = f"manual:{at.isoformat(timespec='seconds')}@{services.clock.now().isoformat(timespec='seconds')}"
    ledger.claim_period(services.db, job.name, period, services.clock.now())
    try:
        report = job.run(services, at=at)
    except Exception as exc:
        ledger.finish(
            services.db,
            job.name,
            period,
            services.clock.now(),
            status=ledger.FAILED,
            summary={"error": repr(exc)[:500]},
        )
        raise
    ledger.finish(services.db, job.name, period, services.clock.now(), summary=report.summary())
    return report


def _flat(summary: Mapping[str, Any]) -> dict[str, Any]:
    return {f"s_{k}": v for k, v in summary.items() if isinstance(v, int | str | bool)}


def due_today(job: Job, team: TeamClock, at: datetime) -> bool:
    """Whether the job's local time has already come today for the team (for the catch-up)."""
    local = at.astimezone(ZoneInfo(team.timezone))
    return local.time() >= job.local_time(team)


def catch_up(services: Services, registry_: Mapping[str, Job]) -> int:
    """Run every daily job whose time has passed today and whose period nobody has run yet."""
    ran = 0
    now = services.clock.now()
    for job in registry_.values():
        if job.every is not None:
            continue
        for team in teams(services):
            if due_today(job, team, now) and run_scheduled(services, job, team) is not None:
                ran += 1
    return ran


def build_scheduler(
    services: Services, registry_: Mapping[str, Job], *, after_each: Callable[[], None] | None = None
) -> BackgroundScheduler:
    """An APScheduler with one trigger per (daily job, team) in the team's zone, plus intervals."""
    scheduler = BackgroundScheduler(
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
    )
    for job in registry_.values():
        if job.every is not None:
            scheduler.add_job(
                _runner(services, job, None, after_each),
                IntervalTrigger(seconds=job.every.total_seconds()),
                id=job.name,
                name=job.description,
            )
            continue
        for team in teams(services):
            at = job.local_time(team)
            trigger = CronTrigger(hour=at.hour, minute=at.minute, timezone=team.timezone)
            scheduler.add_job(
                _runner(services, job, team, after_each),
                trigger,
                id=f"{job.name}:{team.name}",
                name=f"{job.description} ({team.name})",
            )
    return scheduler


def _runner(
    services: Services, job: Job, team: TeamClock | None, after_each: Callable[[], None] | None
) -> Callable[[], None]:
    def run() -> None:
        run_scheduled(services, job, team)
        if after_each is not None:
            after_each()

    return run


def next_runs(services: Services, registry_: Mapping[str, Job], now: datetime) -> dict[str, datetime | None]:
    """When each job runs next (the earliest over its teams), without starting a scheduler."""
    result: dict[str, datetime | None] = {}
    for job in registry_.values():
        if job.every is not None:
            result[job.name] = now + job.every
            continue
        fires = []
        for team in teams(services):
            at = job.local_time(team)
            trigger = CronTrigger(hour=at.hour, minute=at.minute, timezone=team.timezone)
            fire = trigger.get_next_fire_time(None, now)
            if fire is not None:
                fires.append(fire)
        result[job.name] = min(fires) if fires else None
    return result


def serve_forever(
    services: Services,
    stop: threading.Event,
    *,
    deliverers: Mapping[str, Deliverer] | None = None,
    render: Renderer | None = None,
    after_each: Callable[[], None] | None = None,
) -> None:
    """The clock process: catch up, then run the schedule until ``stop`` is set (SIGTERM).
    ``deliverers``: the push platforms the dispatch job sends through, with ``render``."""
    jobs_ = registry(deliverers, render)
    catch_up(services, jobs_)
    scheduler = build_scheduler(services, jobs_, after_each=after_each)
    scheduler.start()
    log.info("scheduler started", extra={"jobs": ",".join(sorted(jobs_))})
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)
        log.info("scheduler stopped")
