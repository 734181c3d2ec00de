"""Migrations: up, down and up again on both databases; the models and the schema agree."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from helpers import customer_row, own
from sqlmodel import SQLModel

import bot.storage.models  # noqa: F401  (registers the tables)
from bot.domain.clock import FakeClock
from bot.domain.context import Services
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


def test_0008_goes_down_and_up_with_teams_pools_and_customers_in_the_database(
    services: Services, clock: FakeClock
) -> None:
    """Adding the calendar and extension columns copies no table: on SQLite a copy of ``team`` or
    ``customer`` would fail while other rows reference them (foreign keys are enforced)."""
    url = services.db.engine.url.render_as_string(hide_password=False)
    cid = own(services, "alice", "Acme", priority="A")
    services.db.engine.dispose()
    migrate.downgrade(url, "0005")
    migrate.upgrade(url)
    assert migrate.current(url) == migrate.head()
    row = customer_row(services.db, cid)
    assert row.owner_id is not None and row.extended_until is None
