"""The composition root: settings -> config -> database -> services -> surfaces."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from bot.config import PoolbotConfig
from bot.domain.clock import Clock, SystemClock
from bot.domain.context import Services
from bot.domain.setup import calendar_warnings, sync_config
from bot.settings import Settings, load_settings
from bot.storage import migrate, problems
from bot.storage.engine import Database

log = logging.getLogger("poolbot.app")


class NotMigrated(Exception):
    """The PostgreSQL schema is behind the code; an operator runs ``poolbot db upgrade``."""


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    config: PoolbotConfig
    database_url: str
    services: Services


def build(
    config_path: Path | None = None,
    *,
    clock: Clock | None = None,
    migrate_sqlite: bool = True,
    read_only: bool = False,
) -> Runtime:
    """Load settings and config (raising ConfigError on a broken file), open and prepare the database.

    The embedded SQLite database is migrated on start so a new user needs no extra step;
    PostgreSQL is migrated by the release phase, and a stale schema stops the start. A
    ``read_only`` runtime (export, jobs status) neither migrates nor syncs the config, and opens an
    SQLite file for reading only, so it works on a database it may not write. A URL poolbot cannot
    use raises :class:`DatabaseProblem` before anything connects.
    """
    settings = load_settings()
    config = settings.load(config_path)
    url = settings.resolved_database_url(config)
    problems.check_url(url, must_exist=read_only)
    sqlite = url.startswith("sqlite")
    if sqlite and not read_only:
        if migrate_sqlite:
            migrate.upgrade(url)
    elif migrate.current(url, read_only=read_only) != migrate.head():
        raise NotMigrated(f"the database at {redact(url)} is not migrated: run `poolbot db upgrade`")
    db = Database.from_url(url, read_only=read_only)
    services = Services(db=db, clock=clock or SystemClock())
    if not read_only:
        sync_config(db, config, services.clock)
        for warning in calendar_warnings(db, services.clock.now()):
            log.warning(warning)
    if settings.poolbot_files_dir is not None:
        services = replace(services, files_dir=settings.poolbot_files_dir)
    return Runtime(settings, config, url, services)


def redact(url: str) -> str:
    """A database URL fit for logs and messages: the password replaced."""
    return problems.redact(url)
