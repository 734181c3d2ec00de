"""The SQL of the job ledger: one row per (job, period), taken by exactly one run.

The unique (job, period) key makes the database decide who runs a period: the INSERT of a second
taker does nothing. A failed run, or one still marked running long after it started, is taken
over by one conditional UPDATE.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlmodel import Session, col

from bot.storage.models import JobRun
from bot.storage.sql import insert_on_conflict, rowcount

RUNNING, DONE, FAILED = "running", "done", "failed"


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
    statement = (
        insert_on_conflict(session, JobRun)
        .values(**row)
        .on_conflict_do_nothing(index_elements=["job", "period"])
        .returning(col(JobRun.id))
    )
    return session.execute(statement).first() is not None


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
