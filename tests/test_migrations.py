"""Migrations: up, down and up again on both databases; the models and the schema agree."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import bot.storage.models  # noqa: F401  (registers the tables)
from bot.storage import migrate
from bot.storage.engine import make_engine
from bot.storage.migrations.env_filters import include_object


def test_downgrade_to_nothing_and_back(database_url: str) -> None:
    assert migrate.current(database_url) == migrate.head()
    migrate.downgrade(database_url, "base")
    assert migrate.current(database_url) is None
    migrate.upgrade(database_url)
    assert migrate.current(database_url) == migrate.head()


def test_models_match_the_migrated_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"include_object": include_object})
            differences = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert differences == []
