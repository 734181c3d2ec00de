"""The job ledger: a run first takes the row (job, period); only the process that inserted it runs.

APScheduler runs a job in every process that schedules it (three schedulers on one job store ran
every period three times), and a restart may fire a period again. The unique (job, period) key
makes the database decide: the INSERT of the second taker does nothing, and it skips the period.
There is no read-then-insert anywhere, so two takers at the same instant cannot both win.

A run that failed (:data:`FAILED`) may be taken again, and with ``stale_after`` so may one still
marked running long after it started (its process died); the jobs are written so that running a
period again only finishes what the first attempt left undone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.domain.context import Services
from bot.storage import ledger as sql
from bot.storage.engine import Database

RUNNING, DONE, FAILED = sql.RUNNING, sql.DONE, sql.FAILED
# a run still "running" after this long died with its process: the next taker finishes it (the
# jobs only do what is left undone). The slowest job, recycling 1M customers, takes ~10 s.
STALE_AFTER = timedelta(minutes=30)


@dataclass(frozen=True)
class LastRun:
    job: str
    period: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    summary: dict[str, Any]


def daily_period(team: str, day: date) -> str:
    """The period key of a once-a-day job of a team: its name and its local date."""
    return f"{team}:{day.isoformat()}"


def claim_period(
    db: Database,
    job: str,
    period: str,
    now: datetime,
    *,
    retry_failed: bool = True,
    stale_after: timedelta | None = None,
) -> bool:
    """Take (job, period) for this process; False when another run has it (or had it and finished).

    With ``retry_failed`` a period whose run failed can be taken again; with ``stale_after`` so can
    one marked running for longer than that.
    """
    with db.write() as session:
        if sql.insert_run(session, job, period, now):
            return True
        stale_before = now - stale_after if stale_after is not None else None
        if not retry_failed and stale_before is None:
            return False
        return sql.retake_run(session, job, period, now, stale_before, failed=retry_failed)


def finish(
    db: Database,
    job: str,
    period: str,
    now: datetime,
    *,
    status: str = DONE,
    summary: Mapping[str, Any] | None = None,
) -> bool:
    """Record how the run ended; False if the row is not running (another taker took it over)."""
    with db.write() as session:
        return sql.finish_run(session, job, period, now, status, dict(summary or {}))


def last_runs(db: Database) -> list[LastRun]:
    """Each job's most recent run, by job name (for ``poolbot jobs status``)."""
    with db.read() as session:
        return [
            LastRun(r.job, r.period, r.status, r.started_at, r.finished_at, dict(r.summary))
            for r in sql.latest_runs(session)
        ]


def run_period(
    services: Services, job: str, period: str, work: Callable[[], Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    """Run ``work`` once for (job, period): None when another run has the period. Its summary (or
    the error, when it raises) goes into the ledger."""
    if not claim_period(services.db, job, period, services.clock.now(), stale_after=STALE_AFTER):
        return None
    try:
        summary = work()
    except Exception as exc:
        error = {"error": repr(exc)[:500]}
        finish(services.db, job, period, services.clock.now(), status=FAILED, summary=error)
        raise
    finish(services.db, job, period, services.clock.now(), summary=summary)
    return summary
