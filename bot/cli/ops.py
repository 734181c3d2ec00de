"""The operator's commands: ``db``, ``jobs`` and the ``scheduler`` clock process."""

from __future__ import annotations

import signal
import threading
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.app import redact
from bot.cli.common import ConfigOption, app, complain, database_url, db_app, err, jobs_app, open_runtime
from bot.domain import outbox
from bot.storage import migrate, problems


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument()] = "head",
    config: ConfigOption = None,
) -> None:
    """Apply schema migrations (the Procfile's release phase)."""
    url = database_url(config)
    try:
        built = migrate.upgrade(url, revision)
    except migrate.UnknownRevision as exc:
        complain(str(exc))
        raise typer.Exit(2) from exc
    for name in built:
        err.print(f"built index {name}, which an interrupted import had left for later")
    err.print(f"{redact(url)} is at revision {migrate.current(url)}")


@db_app.command("current")
def db_current(config: ConfigOption = None) -> None:
    """Show the schema revision of the database (read only: works on a file this user may not write)."""
    url = database_url(config)
    path = problems.sqlite_path(url)
    if path is not None and not path.exists():
        print("empty")
        return
    print(migrate.current(url, read_only=True) or "empty")


@jobs_app.command("run")
def jobs_run(
    job: Annotated[
        str,
        typer.Argument(
            help="recycle, warnings, last_day, reminders, digest, weekly_report, expiry or dispatch."
        ),
    ],
    at: Annotated[
        str | None,
        typer.Option("--at", help="Run as if at this ISO time (default: now), e.g. 2026-12-14T09:00+08:00."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what it would do; change nothing.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Run one job now (or as if at another time), outside the schedule."""
    from bot.handlers.job_reports import report_lines
    from bot.handlers.notices import render
    from bot.scheduler.runner import registry, run_manually
    from bot.surfaces import deliverers

    runtime = open_runtime(config)
    jobs = registry(deliverers(runtime), render)
    if job not in jobs:
        complain(f"Unknown job {job!r}; jobs: {', '.join(sorted(jobs))}")
        raise typer.Exit(2)
    moment = _parse_at(at) if at else runtime.services.clock.now()
    if not dry_run and job in DATED_JOBS and moment > runtime.services.clock.now():
        # their messages are keyed by the day they are for: sending them early would use up the
        # real day's keys, and that day's reminders would never go out
        complain(f"{job} --at a future time only works with --dry-run: its messages belong to that day")
        raise typer.Exit(2)
    if dry_run:
        report = jobs[job].run(runtime.services, at=moment, dry_run=True)
    else:  # recorded in the ledger under its own period, so `jobs status` shows manual runs too
        report = run_manually(runtime.services, jobs[job], moment)
    # a dispatch report is counts only (no "as of" moment, no customers)
    lines = [f"dispatch: {_counts(report.summary())}"] if job == "dispatch" else report_lines(job, report)
    for line in lines:
        print(line)
    if not dry_run and job != "dispatch":  # deliver what the run queued before exiting
        delivered = jobs["dispatch"].run(runtime.services)
        print(f"delivery: {_counts(delivered.summary())}")
        waiting = outbox.counts(runtime.services).get("pending", 0)
        print(f"{waiting} notifications wait for members without a push platform (the console shows them)")


DATED_JOBS = frozenset({"warnings", "last_day", "reminders", "digest"})
# the years --at may name: the jobs add days and months to it, and the databases store it
AT_YEARS = range(2000, 2200)


def _counts(summary: dict[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in summary.items())


def _parse_at(text: str) -> datetime:
    """An ISO time with its offset: teams live in different zones, so a bare time is ambiguous."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        complain(f"--at {text!r} is not an ISO time such as 2026-12-14T09:00+08:00")
        raise typer.Exit(2) from exc
    if moment.tzinfo is None:
        complain(f"--at {text!r} needs its UTC offset, e.g. {text}+08:00")
        raise typer.Exit(2)
    if moment.year not in AT_YEARS or _utc_year(moment) not in AT_YEARS:
        complain(f"--at {text!r} is outside the supported range: give a time in the years 2000 to 2199")
        raise typer.Exit(2)
    return moment


def _utc_year(moment: datetime) -> int:
    try:
        return moment.astimezone(UTC).year
    except OverflowError:
        return 0


@jobs_app.command("status")
def jobs_status(config: ConfigOption = None) -> None:
    """Each job's last run (from the ledger) and next run (from the schedule)."""
    from bot.domain.setup import calendar_warnings
    from bot.scheduler import ledger
    from bot.scheduler.runner import next_runs, registry

    runtime = open_runtime(config, read_only=True)
    jobs = registry()
    last = {run.job: run for run in ledger.last_runs(runtime.services.db)}
    upcoming = next_runs(runtime.services, jobs, runtime.services.clock.now())
    table = Table("job", "last run", "status", "period", "next run")
    for name in jobs:
        run_ = last.get(name)
        following = upcoming.get(name)
        table.add_row(
            name,
            run_.started_at.isoformat(timespec="seconds") if run_ else "never",
            run_.status if run_ else "",
            run_.period if run_ else "",
            following.isoformat(timespec="minutes") if following else "—",
        )
    Console().print(table)
    for warning in calendar_warnings(runtime.services.db, runtime.services.clock.now()):
        complain(f"warning: {warning}")


@app.command()
def scheduler(config: ConfigOption = None) -> None:
    """The clock process: runs every job on schedule, exactly once per period (Procfile: clock)."""
    from bot.handlers.notices import render
    from bot.scheduler.runner import serve_forever
    from bot.surfaces import deliverers

    runtime = open_runtime(config, quiet=False)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    serve_forever(runtime.services, stop, deliverers=deliverers(runtime), render=render)
