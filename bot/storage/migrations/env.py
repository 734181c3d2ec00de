"""Alembic environment: runs against the URL given by bot.storage.migrate."""

from __future__ import annotations

import warnings
from typing import Any

from alembic import context
from sqlalchemy import Connection, event
from sqlalchemy.exc import SAWarning
from sqlmodel import SQLModel

import bot.storage.models  # noqa: F401  (registers the tables)
from bot.storage.engine import make_engine
from bot.storage.migrations.env_filters import include_object

target_metadata = SQLModel.metadata

# Batch mode on SQLite reflects the tables a changed table refers to; SQLAlchemy cannot reflect the
# expression index ix_customer_email_lower (migration 0006) and says so. Reflection is only read
# there, never used to recreate customer, so the index stays; the warning is noise at every start.
warnings.filterwarnings(
    "ignore", message="Skipped unsupported reflection of expression-based index", category=SAWarning
)


def run_migrations_online() -> None:
    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "")
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        # Batch mode changes a SQLite table by copying it, dropping the old one and renaming the
        # copy; with foreign keys enforced, dropping a table that other rows reference fails. SQLite's
        # own procedure for such changes: foreign keys off around them (the pragma is a no-op inside
        # a transaction, so at connect, after the engine's own "on"), then foreign_key_check.
        event.listen(engine, "connect", _foreign_keys_off)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                _check_foreign_keys(connection)
    engine.dispose()


def _foreign_keys_off(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.close()


def _check_foreign_keys(connection: Connection) -> None:
    """Fail the migration (its transaction rolls back) if it left a row pointing at nothing."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"the migration left {len(broken)} rows with broken foreign keys: {broken[:5]}")


run_migrations_online()
