"""Pooled connections: kept between units of work, replaced when PostgreSQL has hung up.

A restart of the PostgreSQL server looks to a client exactly like ``pg_terminate_backend`` of its
sessions: the server sends ``57P01 terminating connection due to administrator command`` and closes
the socket. The suite terminates only its own sessions, since a real restart would break the other
tests running beside it against the same server.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import PG_ADMIN_URL
from helpers import add, member
from sqlalchemy import event, text

from bot.domain.claims import claim
from bot.domain.context import Services
from bot.storage.engine import Database


def _backend_pids(db: Database, count: int) -> list[int]:
    """Check out ``count`` connections at once (so the pool holds that many) and return their
    server process ids."""
    connections = [db.engine.connect() for _ in range(count)]
    try:
        return [int(c.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()) for c in connections]
    finally:
        for connection in connections:
            connection.close()


def _terminate(pids: list[int]) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))


def _connections_opened(db: Database) -> list[object]:
    opened: list[object] = []

    @event.listens_for(db.engine, "connect")
    def _count(dbapi_connection: Any, _record: Any) -> None:
        opened.append(dbapi_connection)

    return opened


def test_a_restarted_postgresql_is_survived_without_an_error(services: Services) -> None:
    if services.db.is_sqlite:
        pytest.skip("PostgreSQL's server sessions")
    alice = member(services, "alice")
    ids = add(services, "Northwind", "Contoso", "Fabrikam")
    pids = _backend_pids(services.db, 3)
    _terminate(pids)

    # every pooled connection is dead now; each unit of work must still succeed at once
    for customer_id in ids[:2]:
        claim(services, member=alice, customer_id=customer_id)
    with services.db.read() as session:
        owned = session.execute(text("SELECT count(*) FROM customer WHERE owner_id = :m"), {"m": alice.id})
        assert owned.scalar_one() == 2
    assert not set(_backend_pids(services.db, 3)) & set(pids)


def test_a_pooled_connection_is_reused_without_reconnecting(services: Services) -> None:
    opened = _connections_opened(services.db)
    alice = member(services, "alice")
    ids = add(services, "Northwind", "Contoso")
    for customer_id in ids:
        claim(services, member=alice, customer_id=customer_id)
    for _ in range(20):
        with services.db.read() as session:
            session.execute(text("SELECT 1"))
    assert len(opened) <= 1  # the connection of the fixture's setup may already be in the pool


def test_a_reused_sqlite_connection_keeps_foreign_keys_and_wal(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("SQLite's per-connection settings")
    for _ in range(3):
        with db.read() as session:
            assert session.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
            assert session.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"


def test_closing_a_sqlite_database_leaves_the_statistics_its_planner_needed(tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE t (a INTEGER, b INTEGER)")
        setup.execute("CREATE INDEX t_a ON t (a)")
        setup.executemany("INSERT INTO t VALUES (?, ?)", [(i % 50, i) for i in range(5000)])
    db = Database.from_url(f"sqlite:///{path}")
    with db.read() as session:
        session.execute(text("SELECT b FROM t WHERE a = 7")).all()
    db.dispose()  # closing the pooled connection runs PRAGMA optimize
    with sqlite3.connect(path) as check:
        stats = check.execute("SELECT tbl FROM sqlite_stat1").fetchall()
    assert ("t",) in stats
