"""The chat commands: ``run`` (the surfaces, or the console), ``chat`` (scriptable) and ``demo``."""

from __future__ import annotations

import io
import logging
import re
import signal
import sys
import threading
from typing import Annotated

import typer

from bot.app import Runtime, redact
from bot.cli.common import ConfigOption, app, complain, err, open_runtime
from bot.domain import lookup
from bot.domain.errors import DomainError, Forbidden
from bot.handlers.console.chat import ConsoleChat
from bot.i18n import DEFAULT_LOCALE, t
from bot.settings import load_settings

_UNDECODED = re.compile("[\udc80-\udcff]")


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
    runtime = open_runtime(config, quiet=not has_chat)
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
        complain(str(exc))
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
    if isinstance(sys.stdin, io.TextIOWrapper):  # a line that is not UTF-8 is skipped, not fatal
        sys.stdin.reconfigure(errors="surrogateescape")
    while True:
        try:
            line = input(f"{chat.handle}> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return
        if _UNDECODED.search(line):  # bytes that were not UTF-8 (kept by surrogateescape)
            complain("That line is not UTF-8 text: skipped. Set the terminal to UTF-8.")
            continue
        print(chat.say(line))


@app.command()
def chat(
    as_: Annotated[str, typer.Option("--as", help="Member handle to chat as.")],
    config: ConfigOption = None,
) -> None:
    """Read commands from standard input, one per line, and print the replies (scriptable). A line
    that is not UTF-8 is skipped with one line on stderr, and the exit code is then 1."""
    runtime = open_runtime(config)
    session = ConsoleChat(runtime.services, handle=as_)
    try:
        lookup.member_for(runtime.services, platform="console", user_id=as_)
    except Forbidden as exc:  # an inactive member: the domain says so, in the team's words
        complain(t(DEFAULT_LOCALE, exc.key, **exc.params))
        raise typer.Exit(1) from exc
    except DomainError as exc:
        complain(f"Unknown member {as_!r}: run poolbot demo or check the config.")
        raise typer.Exit(1) from exc
    undecodable = 0
    for number, raw in enumerate(sys.stdin.buffer, start=1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:  # said once per line; the other lines still run, the exit code is 1
            complain(f"line {number} of the input is not UTF-8 text: skipped; save the script as UTF-8")
            undecodable += 1
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        print(f"{session.handle}> {line.strip()}")
        print(session.say(line))
    if undecodable:
        raise typer.Exit(1)


def _load_demo(runtime: Runtime) -> None:
    from bot.demo import DemoError, load_demo

    try:
        report = load_demo(runtime.services.db, runtime.services.clock)
    except DemoError as exc:
        complain(str(exc))
        raise typer.Exit(1) from exc
    print(report.describe())


@app.command()
def demo(config: ConfigOption = None) -> None:
    """Load a demo team (manager maria, reps alice, bob, chen) and about 200 customers."""
    _load_demo(open_runtime(config))
