"""A big first import on PostgreSQL (an initial load) builds the customer indexes once at its end,
and a load killed halfway leaves them to the next import or ``poolbot db upgrade``: as the admin who
loads the company's spreadsheet into a new install, and the team searching the pool after, see it."""

from __future__ import annotations

import csv
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import member
from sqlalchemy import text

from bot.domain import lookup
from bot.domain.catalog import NewCustomer, add_customers
from bot.domain.context import Services
from bot.importer import import_file
from bot.storage import bulk_load
from bot.storage.engine import Database
from bot.storage.migrate import upgrade
from bot.storage.search import SearchFilters
from bot.storage.teams import pool_by_name

POOL = "east-main"
ROWS = 120  # the file of these tests; MIN_ROWS is lowered to 50 so that it counts as big


@pytest.fixture(autouse=True)
def small_initial_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk_load, "MIN_ROWS", 50)


def spreadsheet(path: Path, rows: int = ROWS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["客户名称", "电话"])
        writer.writerows([f"杭州云帆科技{i}号有限公司", f"1380000{i:04d}"] for i in range(rows))
        writer.writerow(["杭州云帆科技7号有限公司", ""])  # the same company as line 9: a duplicate
    return path


def indexes(db: Database) -> dict[str, str]:
    """The customer table's indexes and their definitions."""
    query = (
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'customer'"
        if not db.is_sqlite
        else "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customer'"
    )
    with db.read() as session:
        return {str(name): str(definition) for name, definition in session.execute(text(query)).all()}


def test_an_initial_load_builds_its_indexes_at_the_end_and_the_pool_search_finds_the_customers(
    services: Services, tmp_path: Path
) -> None:
    before = indexes(services.db)
    during: list[set[str]] = []

    report = import_file(
        services.db,
        services.clock,
        spreadsheet(tmp_path / "c.csv"),
        pool_name=POOL,
        batch_size=40,
        progress=lambda done, total: during.append(set(indexes(services.db))),
    )

    assert (report.imported, report.skipped_total) == (ROWS, 1)
    assert "same name as line 9" in report.skipped[0].reason  # the kept lookup index found it
    if services.db.is_sqlite:  # SQLite keeps every index up to date as it goes
        assert all(seen == set(before) for seen in during)
    else:
        assert "ix_customer_search_trgm" not in during[0] and "ix_customer_dup_key" in during[0]
    assert indexes(services.db) == before
    assert bulk_load.deferred(services.db) == []
    page = lookup.search(
        services, member=member(services, "alice"), filters=SearchFilters(words=("keji107hao",))
    )
    assert [c.name for c in page.customers] == ["杭州云帆科技107号有限公司"]


def test_an_import_into_a_table_that_already_holds_customers_keeps_its_indexes_up_to_date(
    services: Services, tmp_path: Path
) -> None:
    with services.db.write() as session:
        pool = pool_by_name(session, POOL)
        assert pool is not None and pool.id is not None
        existing = [NewCustomer(name=f"Existing {i}") for i in range(ROWS // bulk_load.TABLE_SHARE + 1)]
        add_customers(session, pool_id=pool.id, customers=existing, now=services.clock.now())
    before = set(indexes(services.db))
    during: list[set[str]] = []

    import_file(
        services.db,
        services.clock,
        spreadsheet(tmp_path / "c.csv"),
        pool_name=POOL,
        batch_size=40,
        progress=lambda done, total: during.append(set(indexes(services.db))),
    )

    assert during and all(seen == before for seen in during)


KILLED_IMPORT = """
    import os, signal
    from datetime import datetime
    from pathlib import Path
    from bot.domain.clock import FakeClock
    from bot.importer import import_file
    from bot.storage import bulk_load
    from bot.storage.engine import Database
    bulk_load.MIN_ROWS = 50
    def die(done, total):
        os.kill(os.getpid(), signal.SIGKILL)  # kill -9 after the first batch: no cleanup runs
    clock = FakeClock(datetime.fromisoformat({now!r}))
    import_file(Database.from_url({url!r}), clock, Path({path!r}), pool_name={pool!r},
                batch_size=40, progress=die)
"""


def kill_an_initial_load(database_url: str, services: Services, path: Path) -> None:
    script = KILLED_IMPORT.format(
        url=database_url, now=services.clock.now().isoformat(), path=str(path), pool=POOL
    )
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True)
    assert done.returncode == -signal.SIGKILL, done.stderr


@pytest.fixture
def indexes_before_a_killed_load(database_url: str, services: Services, tmp_path: Path) -> dict[str, str]:
    """The customer indexes there were before an initial load that was then killed with SIGKILL
    after its first batch (PostgreSQL only: SQLite defers nothing)."""
    if services.db.is_sqlite:
        pytest.skip("only PostgreSQL defers indexes")
    before = indexes(services.db)
    kill_an_initial_load(database_url, services, spreadsheet(tmp_path / "c.csv"))
    return before


def test_an_initial_load_killed_halfway_leaves_its_indexes_to_db_upgrade(
    database_url: str, services: Services, indexes_before_a_killed_load: dict[str, str]
) -> None:
    before = indexes_before_a_killed_load
    assert "ix_customer_search_trgm" not in indexes(services.db)
    assert "ix_customer_search_trgm" in bulk_load.deferred(services.db)

    built = upgrade(database_url)  # what `poolbot db upgrade` (the Procfile's release) runs

    assert "ix_customer_search_trgm" in built
    assert indexes(services.db) == before and bulk_load.deferred(services.db) == []


def test_the_next_import_builds_what_a_killed_load_left_before_it_writes(
    services: Services, tmp_path: Path, indexes_before_a_killed_load: dict[str, str]
) -> None:
    before = indexes_before_a_killed_load
    small = spreadsheet(tmp_path / "small.csv", rows=3)  # not an initial load by itself
    built: list[str] = []

    report = import_file(services.db, services.clock, small, pool_name=POOL, indexing=built.append)

    assert "ix_customer_search_trgm" in built and report.imported + len(report.skipped) == 4
    assert indexes(services.db) == before and bulk_load.deferred(services.db) == []


def test_db_upgrade_leaves_the_indexes_of_a_load_in_progress_alone(
    database_url: str, services: Services, tmp_path: Path
) -> None:
    if services.db.is_sqlite:
        pytest.skip("only PostgreSQL defers indexes")
    upgraded: list[list[str]] = []

    def upgrade_meanwhile(done: int, total: int | None) -> None:
        if not upgraded:
            upgraded.append(upgrade(database_url))
            assert "ix_customer_search_trgm" not in indexes(services.db)

    import_file(
        services.db,
        services.clock,
        spreadsheet(tmp_path / "c.csv"),
        pool_name=POOL,
        batch_size=40,
        progress=upgrade_meanwhile,
    )

    assert upgraded == [[]]
    assert "ix_customer_search_trgm" in indexes(services.db)
