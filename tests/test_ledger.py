"""The job ledger: a period runs once, whoever else (another scheduler, a restart) tries it too."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta

import pytest
import sqlalchemy

from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.scheduler import ledger
from bot.scheduler.ledger import claim_period, daily_period, finish, last_runs, run_period
from bot.storage.engine import Database
from bot.storage.migrate import downgrade, upgrade

PERIOD = daily_period("east", date(2026, 11, 23))


def at_once(count: int, action: Callable[[], bool]) -> list[bool]:
    """Run ``action`` in ``count`` threads released together; their results."""
    barrier = threading.Barrier(count)
    results: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        outcome = action()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_a_period_is_taken_once(db: Database, clock: FakeClock) -> None:
    now = clock.now()
    assert claim_period(db, "recycle", PERIOD, now)
    assert not claim_period(db, "recycle", PERIOD, now)
    clock.advance(hours=30)  # a restart the next day, catching up the same period
    assert not claim_period(db, "recycle", PERIOD, clock.now())
    assert claim_period(db, "recycle", daily_period("east", date(2026, 11, 24)), now)
    assert claim_period(db, "warnings", PERIOD, now)
    assert claim_period(db, "recycle", daily_period("ny", date(2026, 11, 23)), now)


def test_two_schedulers_at_the_same_instant_run_a_period_once(db: Database, clock: FakeClock) -> None:
    for day in range(10):
        period = daily_period("east", date(2026, 11, 23) + timedelta(days=day))

        def claim(period: str = period) -> bool:
            return claim_period(db, "recycle", period, clock.now())

        results = at_once(4, claim)
        assert sorted(results) == [False, False, False, True], period


def test_a_finished_run_is_never_taken_again(db: Database, clock: FakeClock) -> None:
    assert claim_period(db, "recycle", PERIOD, clock.now())
    clock.advance(minutes=3)
    assert finish(db, "recycle", PERIOD, clock.now(), summary={"recycled": 12})
    clock.advance(days=3)
    assert not claim_period(db, "recycle", PERIOD, clock.now(), stale_after=timedelta(minutes=1))
    assert not finish(db, "recycle", PERIOD, clock.now(), summary={"recycled": 0})  # not running
    (run,) = last_runs(db)
    assert (run.job, run.period, run.status, run.summary) == ("recycle", PERIOD, "done", {"recycled": 12})
    assert run.finished_at is not None and run.finished_at - run.started_at == timedelta(minutes=3)


def test_a_failed_run_is_retried_once_even_by_two_takers(db: Database, clock: FakeClock) -> None:
    assert claim_period(db, "recycle", PERIOD, clock.now())
    assert finish(db, "recycle", PERIOD, clock.now(), status=ledger.FAILED, summary={"error": "boom"})
    assert not claim_period(db, "recycle", PERIOD, clock.now(), retry_failed=False)
    clock.advance(minutes=5)
    results = at_once(3, lambda: claim_period(db, "recycle", PERIOD, clock.now()))
    assert sorted(results) == [False, False, True]
    (run,) = last_runs(db)
    assert (run.status, run.started_at, run.finished_at, run.summary) == ("running", clock.now(), None, {})


def test_a_run_whose_process_died_is_taken_over_only_when_stale(db: Database, clock: FakeClock) -> None:
    started = clock.now()
    assert claim_period(db, "recycle", PERIOD, started)
    clock.advance(minutes=30)
    assert not claim_period(db, "recycle", PERIOD, clock.now())  # by default: never
    assert not claim_period(db, "recycle", PERIOD, clock.now(), stale_after=timedelta(hours=1))
    clock.advance(minutes=31)
    assert claim_period(db, "recycle", PERIOD, clock.now(), stale_after=timedelta(hours=1))
    assert not claim_period(db, "recycle", PERIOD, clock.now(), stale_after=timedelta(hours=1))


def test_last_runs_shows_each_jobs_latest_run(db: Database, clock: FakeClock) -> None:
    for day in (23, 24, 25):
        period = daily_period("east", date(2026, 11, day))
        claim_period(db, "recycle", period, clock.now())
        finish(db, "recycle", period, clock.now(), summary={"day": day})
        clock.advance(days=1)
    claim_period(db, "warnings", PERIOD, clock.now())
    runs = last_runs(db)
    assert [(r.job, r.period, r.status) for r in runs] == [
        ("recycle", daily_period("east", date(2026, 11, 25)), "done"),
        ("warnings", PERIOD, "running"),
    ]


def test_run_period_runs_the_work_once_and_records_a_failure(services: Services) -> None:
    calls: list[str] = []

    def work() -> dict[str, object]:
        calls.append("ran")
        return {"recycled": len(calls)}

    assert run_period(services, "recycle", PERIOD, work) == {"recycled": 1}
    assert run_period(services, "recycle", PERIOD, work) is None
    assert calls == ["ran"]

    def broken() -> dict[str, object]:
        raise RuntimeError("database went away")

    other = daily_period("east", date(2026, 11, 24))
    with pytest.raises(RuntimeError):
        run_period(services, "recycle", other, broken)
    failed = next(r for r in last_runs(services.db) if r.job == "recycle")
    assert (failed.period, failed.status) == (other, "failed")
    assert "database went away" in str(failed.summary["error"])
    assert run_period(services, "recycle", other, work) == {"recycled": 2}  # the retry


def test_the_migration_goes_down_and_up_again(database_url: str, clock: FakeClock) -> None:
    def tables() -> set[str]:
        engine = sqlalchemy.create_engine(database_url)
        try:
            return set(sqlalchemy.inspect(engine).get_table_names())
        finally:
            engine.dispose()

    assert "job_run" in tables()
    downgrade(database_url, "0002")
    assert "job_run" not in tables() and "customer" in tables()
    upgrade(database_url)
    db = Database.from_url(database_url)
    try:
        assert claim_period(db, "recycle", PERIOD, clock.now())
    finally:
        db.dispose()
