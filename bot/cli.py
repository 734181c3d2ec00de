"""The ``poolbot`` command: run, chat, demo, import, export, db."""

from __future__ import annotations

import io
import logging
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from bot import logs
from bot.app import NotMigrated, Runtime, build, redact
from bot.config import ConfigError
from bot.domain import lookup, outbox
from bot.domain.errors import DomainError
from bot.handlers.console.chat import ConsoleChat
from bot.settings import load_settings
from bot.storage import migrate

app = typer.Typer(help="poolbot: the customer pool (公海) inside the team chat.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
jobs_app = typer.Typer(help="Scheduled jobs: run one now, or see when they ran.", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")
err = Console(stderr=True, soft_wrap=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (default: $POOLBOT_CONFIG or config/poolbot.toml)."),
]


def _complain(text: str) -> None:
    """An operator-facing error in red; the text is shown as is, never read as rich markup."""
    err.print(Text(text, style="red"))


def _runtime(config: Path | None, *, quiet: bool = True) -> Runtime:
    settings = load_settings()
    logs.configure(settings.log_level or ("WARNING" if quiet else "INFO"), settings.log_format)
    try:
        return build(config)
    except ConfigError as exc:
        _complain(f"Configuration error\n{exc}")
        raise typer.Exit(2) from exc
    except NotMigrated as exc:
        _complain(str(exc))
        raise typer.Exit(2) from exc


def _default_handle(runtime: Runtime, requested: str | None) -> str:
    if requested:
        return requested
    from bot.storage import members

    with runtime.services.db.read() as session:
        handle = members.first_active_handle(session)
    if handle is None:
        err.print("No members yet: run [bold]poolbot demo[/bold] or add members to the config file.")
        raise typer.Exit(1)
    return handle


@app.command()
def run(
    config: ConfigOption = None,
    as_: Annotated[str | None, typer.Option("--as", help="Member handle to chat as.")] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Load the demo team and customers first.")] = False,
    scheduler: Annotated[
        bool,
        typer.Option(
            "--scheduler/--no-scheduler",
            help="Run the scheduled jobs in this process too (off when a separate clock process runs them).",
        ),
    ] = True,
) -> None:
    """Start the bot: Slack and/or DingTalk when their credentials are set; otherwise an interactive
    console chat on SQLite."""
    has_chat = _has_chat_credentials()
    runtime = _runtime(config, quiet=not has_chat)
    if demo:
        _load_demo(runtime)
    if has_chat:
        _serve_surfaces(runtime, with_scheduler=scheduler)
        return
    chat = ConsoleChat(runtime.services, handle=_default_handle(runtime, as_))
    stop = threading.Event()
    clock = threading.Thread(target=_serve_quietly, args=(runtime, stop), name="scheduler", daemon=True)
    clock.start()
    try:
        _console_loop(runtime, chat)
    finally:
        stop.set()
        clock.join(timeout=10)


def _has_chat_credentials() -> bool:
    settings = load_settings()
    return settings.has_slack or settings.has_dingtalk


def _serve_surfaces(runtime: Runtime, *, with_scheduler: bool) -> None:
    """Slack and DingTalk until SIGTERM or Ctrl-C."""
    from bot.surfaces import SurfaceConfigError, serve

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        serve(runtime, stop, with_scheduler=with_scheduler)
    except SurfaceConfigError as exc:
        _complain(str(exc))
        raise typer.Exit(2) from exc


def _serve_quietly(runtime: Runtime, stop: threading.Event) -> None:
    """The in-process scheduler of the embedded mode; its failures are logged, never fatal."""
    from bot.scheduler.runner import serve_forever

    try:
        serve_forever(runtime.services, stop)
    except Exception:
        logging.getLogger("poolbot.scheduler").exception("in-process scheduler stopped")


def _console_loop(runtime: Runtime, chat: ConsoleChat) -> None:
    # replies are printed verbatim: no wrapping, and a customer called "[red]" stays text
    print(f"poolbot console on {redact(runtime.database_url)}. Type /help, /as <handle>, Ctrl-D to quit.")
    print(chat.say(f"/as {chat.handle}"))
    while True:
        try:
            line = input(f"{chat.handle}> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return
        print(chat.say(line))


@app.command()
def chat(
    as_: Annotated[str, typer.Option("--as", help="Member handle to chat as.")],
    config: ConfigOption = None,
) -> None:
    """Read commands from standard input, one per line, and print the replies (scriptable)."""
    runtime = _runtime(config)
    session = ConsoleChat(runtime.services, handle=as_)
    try:
        lookup.member_for(runtime.services, platform="console", user_id=as_)
    except DomainError as exc:
        _complain(f"Unknown member {as_!r}: run poolbot demo or check the config.")
        raise typer.Exit(1) from exc
    for line in sys.stdin:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        print(f"{session.handle}> {line.strip()}")
        print(session.say(line))


def _load_demo(runtime: Runtime) -> None:
    from bot.demo import DemoError, load_demo

    try:
        report = load_demo(runtime.services.db, runtime.services.clock)
    except DemoError as exc:
        _complain(str(exc))
        raise typer.Exit(1) from exc
    print(report.describe())


@app.command()
def demo(config: ConfigOption = None) -> None:
    """Load a demo team (manager maria, reps alice, bob, chen) and about 200 customers."""
    _load_demo(_runtime(config))


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A .csv or .xlsx file with a header row.")],
    pool: Annotated[str, typer.Option("--pool", help="Pool the customers go into.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and report; change nothing.")] = False,
    config: ConfigOption = None,
) -> None:
    """Import customers; duplicates (same name or phone) are skipped and reported."""
    from bot.importer import ImportFileError, import_file

    runtime = _runtime(config)
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("importing", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            report = import_file(
                runtime.services.db,
                runtime.services.clock,
                file,
                pool_name=pool,
                dry_run=dry_run,
                progress=advance,
            )
        except ImportFileError as exc:
            _complain(str(exc))
            raise typer.Exit(1) from exc
    for line in report.lines():
        print(line)


@app.command()
def export(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="CSV file (default: stdout).")] = None,
    pool: Annotated[str | None, typer.Option("--pool", help="Only this pool.")] = None,
    config: ConfigOption = None,
) -> None:
    """Write customers as CSV, with owner and recycle deadline."""
    from bot.exporter import ExportError, export_csv

    runtime = _runtime(config)
    try:
        if output is None:
            count = export_csv(runtime.services.db, sys.stdout, pool_name=pool)
        else:
            buffer = io.StringIO()
            count = export_csv(runtime.services.db, buffer, pool_name=pool)
            output.write_text(buffer.getvalue(), encoding="utf-8-sig", newline="")
    except ExportError as exc:
        _complain(str(exc))
        raise typer.Exit(1) from exc
    err.print(f"{count} customers exported")


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument()] = "head",
    config: ConfigOption = None,
) -> None:
    """Apply schema migrations (the Procfile's release phase)."""
    settings = load_settings()
    logs.configure(settings.log_level or "INFO", settings.log_format)
    try:
        url = settings.resolved_database_url(settings.load(config))
    except ConfigError as exc:
        _complain(f"Configuration error\n{exc}")
        raise typer.Exit(2) from exc
    migrate.upgrade(url, revision)
    err.print(f"{redact(url)} is at revision {migrate.current(url)}")


@db_app.command("current")
def db_current(config: ConfigOption = None) -> None:
    """Show the schema revision of the database."""
    settings = load_settings()
    logs.configure(settings.log_level or "INFO", settings.log_format)
    url = settings.resolved_database_url(settings.load(config))
    print(migrate.current(url) or "empty")


@jobs_app.command("run")
def jobs_run(
    job: Annotated[
        str, typer.Argument(help="recycle, warnings, reminders, digest, weekly_report, expiry or dispatch.")
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

    runtime = _runtime(config)
    jobs = registry(deliverers(runtime), render)
    if job not in jobs:
        _complain(f"Unknown job {job!r}; jobs: {', '.join(sorted(jobs))}")
        raise typer.Exit(2)
    moment = _parse_at(at) if at else runtime.services.clock.now()
    if not dry_run and job in DATED_JOBS and moment > runtime.services.clock.now():
        # their messages are keyed by the day they are for: sending them early would use up the
        # real day's keys, and that day's reminders would never go out
        _complain(f"{job} --at a future time only works with --dry-run: its messages belong to that day")
        raise typer.Exit(2)
    if dry_run:
        report = jobs[job].run(runtime.services, at=moment, dry_run=True)
    else:  # recorded in the ledger under its own period, so `jobs status` shows manual runs too
        report = run_manually(runtime.services, jobs[job], moment)
    for line in report_lines(job, report):
        print(line)
    if not dry_run and job != "dispatch":  # deliver what the run queued before exiting
        delivered = jobs["dispatch"].run(runtime.services)
        print("delivery: " + ", ".join(f"{k}={v}" for k, v in delivered.summary().items()))
        waiting = outbox.counts(runtime.services).get("pending", 0)
        print(f"{waiting} notifications wait for members without a push platform (the console shows them)")


DATED_JOBS = frozenset({"warnings", "reminders", "digest"})


def _parse_at(text: str) -> datetime:
    """An ISO time with its offset: teams live in different zones, so a bare time is ambiguous."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        _complain(f"--at {text!r} is not an ISO time such as 2026-12-14T09:00+08:00")
        raise typer.Exit(2) from exc
    if moment.tzinfo is None:
        _complain(f"--at {text!r} needs its UTC offset, e.g. {text}+08:00")
        raise typer.Exit(2)
    return moment


@jobs_app.command("status")
def jobs_status(config: ConfigOption = None) -> None:
    """Each job's last run (from the ledger) and next run (from the schedule)."""
    from bot.scheduler import ledger
    from bot.scheduler.runner import next_runs, registry

    runtime = _runtime(config)
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


@app.command()
def scheduler(config: ConfigOption = None) -> None:
    """The clock process: runs every job on schedule, exactly once per period (Procfile: clock)."""
    from bot.handlers.notices import render
    from bot.scheduler.runner import serve_forever
    from bot.surfaces import deliverers

    runtime = _runtime(config, quiet=False)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    serve_forever(runtime.services, stop, deliverers=deliverers(runtime), render=render)


if __name__ == "__main__":
    app()
