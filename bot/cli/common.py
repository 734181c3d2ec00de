"""What every ``poolbot`` command shares: the Typer apps, the error console, the runtime."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from bot import logs
from bot.app import NotMigrated, Runtime, build
from bot.cli import environment
from bot.cli.environment import EnvironmentGroup
from bot.config import ConfigError
from bot.settings import load_settings
from bot.storage import problems

app = typer.Typer(
    help="poolbot: the customer pool (公海) inside the team chat.", no_args_is_help=True, cls=EnvironmentGroup
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
jobs_app = typer.Typer(help="Scheduled jobs: run one now, or see when they ran.", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")
err = Console(stderr=True, soft_wrap=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (default: $POOLBOT_CONFIG or config/poolbot.toml)."),
]


def complain(text: str) -> None:
    """An operator-facing error in red; the text is shown as is, never read as rich markup."""
    err.print(Text(text, style="red"))


def config_error(exc: ConfigError) -> typer.Exit:
    """Say what is wrong with the config file (one line per problem) and exit 2."""
    complain(f"Configuration error: {exc}")
    return typer.Exit(2)


def database_url(config: Path | None) -> str:
    """The database URL of the settings and config file, checked (the ``db`` commands)."""
    settings = load_settings()
    logs.configure(settings.log_level or "INFO", settings.log_format)
    try:
        url = settings.resolved_database_url(settings.load(config))
    except ConfigError as exc:
        raise config_error(exc) from exc
    environment.using(url)
    problems.check_url(url)
    return url


def open_runtime(config: Path | None, *, quiet: bool = True, read_only: bool = False) -> Runtime:
    """The runtime of a command; ``read_only`` commands neither migrate nor sync the config, so they
    work on a database they may not write."""
    settings = load_settings()
    logs.configure(settings.log_level or ("WARNING" if quiet else "INFO"), settings.log_format)
    try:
        environment.using(settings.resolved_database_url(settings.load(config)))
        return build(config, read_only=read_only)
    except ConfigError as exc:
        raise config_error(exc) from exc
    except NotMigrated as exc:
        complain(str(exc))
        raise typer.Exit(2) from exc
