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


def upgrade(url: str, revision: str = "head") -> list[str]:
    """Migrate to ``revision``; first build the indexes an interrupted initial load left (a
    migration may change one). The names of the indexes built."""
    from alembic.util.exc import CommandError

    built = build_leftover_indexes(url)
    try:
        command.upgrade(alembic_config(url), revision)
    except CommandError as exc:  # alembic's "Can't locate revision identified by ..."
        known = ", ".join(revisions())
        raise UnknownRevision(f"Unknown revision {revision!r}: the revisions are {known} (or head).") from exc
    return built


def build_leftover_indexes(url: str) -> list[str]:
    """The customer indexes an initial load deferred and did not live to build, built now
    (PostgreSQL at revision 0013 or later; bot.storage.bulk_load)."""
    if url.startswith("sqlite"):
        return []
    from sqlalchemy import inspect

    from bot.storage import bulk_load
    from bot.storage.engine import Database

    db = Database.from_url(url)
    try:
        with db.engine.connect() as connection:
            if not inspect(connection).has_table("deferred_index"):
                return []
        return bulk_load.build_leftovers(db)
    finally:
        db.dispose()


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
