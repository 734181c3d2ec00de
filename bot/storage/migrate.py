"""Alembic, driven from code: ``poolbot db upgrade`` and the test fixtures use this."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


class UnknownRevision(Exception):
    """``db upgrade`` was given a revision the migrations do not have; the message says which exist."""


def upgrade(url: str, revision: str = "head") -> None:
    from alembic.util.exc import CommandError

    try:
        command.upgrade(alembic_config(url), revision)
    except CommandError as exc:  # alembic's "Can't locate revision identified by ..."
        known = ", ".join(revisions())
        raise UnknownRevision(f"Unknown revision {revision!r}: the revisions are {known} (or head).") from exc


def revisions() -> list[str]:
    """Every revision, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def current(url: str, *, read_only: bool = False) -> str | None:
    from alembic.runtime.migration import MigrationContext

    from bot.storage.engine import make_engine

    engine = make_engine(url, read_only=read_only)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
