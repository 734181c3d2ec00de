"""The clock process: each job in each team's timezone, once per period, caught up after a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.domain import lookup
from bot.domain.catalog import NewCustomer, add_customers
from bot.domain.claims import claim
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.scheduler import ledger
from bot.scheduler.runner import catch_up, next_runs, registry, run_scheduled, teams
from bot.storage.customers import customer
from bot.storage.teams import pool_by_name


def _owned_customer(services: Services) -> int:
    with services.db.write() as session:
        pool = pool_by_name(session, "east-main")
        assert pool is not None and pool.id is not None
        (cid,) = add_customers(
            session,
            pool_id=pool.id,
            now=services.clock.now(),
            customers=[NewCustomer("Initech", priority="A")],
        )
    alice = lookup.member_for(services, platform="console", user_id="alice")
    claim(services, member=alice, customer_id=cid)
    return cid


def test_a_period_runs_once_even_with_two_schedulers(services: Services, clock: FakeClock) -> None:
    jobs = registry()
    (team,) = teams(services)
    first = run_scheduled(services, jobs["recycle"], team)
    second = run_scheduled(services, jobs["recycle"], team)  # another process, same local day
    assert first is not None and second is None
    clock.advance(days=1)
    assert run_scheduled(services, jobs["recycle"], team) is not None  # a new local day


def test_restart_after_the_scheduled_time_catches_up_once(services: Services, clock: FakeClock) -> None:
    cid = _owned_customer(services)
    clock.advance(days=7)  # Monday 10:00 + 7 days: the A customer is due today, recycle ran at 00:05
    jobs = {"recycle": registry()["recycle"]}
    assert catch_up(services, jobs) == 1  # the process was down at 00:05: caught up at start
    assert catch_up(services, jobs) == 0  # a restart (or a second scheduler) does not run it again
    with services.db.read() as session:
        row = customer(session, cid)
        assert row is not None and row.owner_id is None
    runs = [r for r in ledger.last_runs(services.db) if r.job == "recycle"]
    assert runs and runs[0].period == "east:2026-11-30" and runs[0].status == "done"


def test_nothing_is_caught_up_before_its_local_time(services: Services, clock: FakeClock) -> None:
    clock.set(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))  # 23:00 in Shanghai: reminders at 09:00 ran
    early = {"warnings": registry()["warnings"]}
    assert catch_up(services, early) == 1
    clock.set(datetime(2026, 11, 23, 16, 30, tzinfo=UTC))  # 00:30 on Tuesday: 09:00 has not come yet
    assert catch_up(services, early) == 0


def test_next_runs_are_in_the_team_timezone(services: Services, clock: FakeClock) -> None:
    upcoming = next_runs(services, registry(), clock.now())
    assert upcoming["recycle"] == datetime(2026, 11, 23, 16, 5, tzinfo=UTC)  # 00:05 Tuesday, Shanghai
    assert upcoming["warnings"] == datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 09:00 Tuesday, Shanghai


def test_jobs_run_dry_run_then_real_then_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue's 'done when': what would go back, then it happens, then a second run does nothing."""
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "POOLBOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    assert runner.invoke(app, ["demo"]).exit_code == 0
    runner.invoke(
        app, ["chat", "--as", "alice"], input='/claim 杭州云帆科技有限公司\n/claim "Northwind Traders"\n'
    )
    later = "2027-06-01T09:00+08:00"
    dry = runner.invoke(app, ["jobs", "run", "recycle", "--at", later, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "杭州云帆科技有限公司 from Alice Wang: back to the pool on" in dry.output
    assert "rule 7 days for priority A" in dry.output and "recycled=10" in dry.output  # + bob, chen
    still = runner.invoke(app, ["chat", "--as", "alice"], input="/mine\n")
    assert "Your customers (2)" in still.output  # the dry run changed nothing
    real = runner.invoke(app, ["jobs", "run", "recycle", "--at", later])
    assert "recycled=10" in real.output
    again = runner.invoke(app, ["jobs", "run", "recycle", "--at", later])
    assert "nothing is due to go back to the pool" in again.output and "queued=0" in again.output
    digest = runner.invoke(app, ["chat", "--as", "maria"], input="/help\n")
    assert digest.output.count("Recycle digest") == 1
    status = runner.invoke(app, ["jobs", "status"], env={"COLUMNS": "200"})
    assert "recycle" in status.output and "done" in status.output


def test_unknown_job_and_bad_time_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    runner = CliRunner()
    bad = runner.invoke(app, ["jobs", "run", "frobnicate"])
    assert bad.exit_code == 2 and "Unknown job 'frobnicate'" in bad.output
    late = runner.invoke(app, ["jobs", "run", "recycle", "--at", "next tuesday"])
    assert late.exit_code == 2 and "is not an ISO time" in late.output


def test_reminders_once_per_rep_with_two_schedulers_and_a_restart(
    services: Services, clock: FakeClock
) -> None:
    from sqlmodel import col, select

    from bot.domain.followups import follow_up
    from bot.storage.models import Notification

    cid = _owned_customer(services)
    alice = lookup.member_for(services, platform="console", user_id="alice")
    follow_up(services, member=alice, customer_id=cid, note="call back", next_date=clock.now().date())
    clock.set(datetime(2026, 11, 24, 0, 30, tzinfo=UTC))  # Tuesday 08:30 in Shanghai: not yet
    jobs = {"reminders": registry()["reminders"]}
    assert catch_up(services, jobs) == 0
    clock.set(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))  # 11:00: the process was down at 09:00
    assert catch_up(services, jobs) == 1
    assert catch_up(services, jobs) == 0  # a second scheduler, or a restart, sends nothing more
    (team,) = teams(services)
    assert run_scheduled(services, jobs["reminders"], team) is None
    with services.db.read() as session:
        keys = (
            session.execute(select(col(Notification.key)).where(col(Notification.kind) == "morning_reminder"))
            .scalars()
            .all()
        )
    assert keys == [f"reminder:{alice.id}:2026-11-24"]


def test_a_run_that_died_is_taken_over_after_it_went_stale(services: Services, clock: FakeClock) -> None:
    jobs = registry()
    (team,) = teams(services)
    period = f"east:{clock.now().astimezone(ZoneInfo('Asia/Shanghai')).date().isoformat()}"
    assert ledger.claim_period(services.db, "recycle", period, clock.now())  # then the process died
    assert run_scheduled(services, jobs["recycle"], team) is None  # still fresh: nobody else runs it
    clock.advance(minutes=31)
    assert run_scheduled(services, jobs["recycle"], team) is not None  # stale: taken over and finished
    assert run_scheduled(services, jobs["recycle"], team) is None


def test_dated_jobs_refuse_a_future_real_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    runner = CliRunner()
    future = runner.invoke(app, ["jobs", "run", "reminders", "--at", "2099-01-05T09:30+08:00"])
    assert future.exit_code == 2 and "only works with --dry-run" in future.output
    assert (
        runner.invoke(
            app, ["jobs", "run", "reminders", "--at", "2099-01-05T09:30+08:00", "--dry-run"]
        ).exit_code
        == 0
    )
    naive = runner.invoke(app, ["jobs", "run", "recycle", "--at", "2099-01-05T09:30"])
    assert naive.exit_code == 2 and "needs its UTC offset" in naive.output


def test_a_future_recycle_run_stamps_history_with_the_real_time(services: Services, clock: FakeClock) -> None:
    from bot.domain.recycling import recycle

    cid = _owned_customer(services)
    recycle(services, at=clock.now() + timedelta(days=30))
    card = lookup.card(
        services, member=lookup.member_for(services, platform="console", user_id="maria"), customer_id=cid
    )
    assert card.events[0].kind == "recycled" and card.events[0].at == clock.now()
