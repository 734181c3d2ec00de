"""Engines and sessions for SQLite (the embedded default) and PostgreSQL (production).

SQLite gets WAL and a busy timeout so concurrent writers wait instead of failing, and every
write transaction starts with ``BEGIN IMMEDIATE``: it takes the write lock up front, so a
transaction never reads a snapshot that a later write would have to upgrade (which SQLite
refuses with "database is locked" however long the timeout).

Connections are pooled on both databases. On SQLite, opening the file and sending the PRAGMAs
cost more than a claim's whole SQL (a bare UPDATE ran 1,675/s through a new connection per unit
of work against 14,736/s on a persistent one), so the PRAGMAs run once per connection and the
connection is kept. On PostgreSQL no checkout pings the server (that was one more round trip per
unit of work): :func:`_drop_if_hung_up` asks the socket, without a round trip, whether the server
has closed it (a restart or ``pg_terminate_backend``), and the pool then opens a fresh connection;
``pool_recycle`` retires connections that a firewall may have cut silently.
"""

from __future__ import annotations

import os
import select
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection, QueuePool, StaticPool
from sqlmodel import Session

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Connections a process keeps, and how many more it may open at a peak (Slack runs 16 listener
# threads; the scheduler and the dispatcher a few more); the extra ones are closed when returned.
POOL_SIZE = 8
POOL_OVERFLOW = 24
# PostgreSQL connections older than this are replaced at checkout: a NAT or firewall that drops an
# idle connection silently leaves a socket that looks alive.
PG_RECYCLE_SECONDS = 30 * 60
# SQLite's advice for long-lived connections: run ``PRAGMA optimize`` "once per hour or so" (and
# before closing). Without ``analysis_limit``: statistics from a 1,000-row sample made the planner
# leave the primary key for the recycle sweep's due query at 1M customers (its reads took 63 s
# instead of 1.7 s in bench/sweep.py), so every ANALYZE reads the whole index.
SQLITE_OPTIMIZE_EVERY_SECONDS = 60 * 60


def make_engine(url: str, *, pool_size: int = POOL_SIZE, read_only: bool = False) -> Engine:
    """An engine for ``url``; ``read_only`` opens an SQLite file for reading only (see
    :func:`read_only_uri`), so commands that only read work on a file this process may not write."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, pool_size=pool_size, read_only=read_only)
    engine = create_engine(
        url, pool_size=pool_size, max_overflow=POOL_OVERFLOW, pool_recycle=PG_RECYCLE_SECONDS
    )
    event.listen(engine, "checkout", _drop_if_hung_up)
    return engine


def _drop_if_hung_up(
    dbapi_connection: Any, _record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
) -> None:
    """Refuse a pooled PostgreSQL connection whose server has hung up, so the pool opens a new one.

    An idle connection has nothing to read: if its socket is readable, the server has sent the
    end of the session (a restart, a terminated backend) or closed it. ``select`` with a zero
    timeout asks the kernel, with no round trip to the server. Raising ``DisconnectionError`` here
    is SQLAlchemy's documented way to make the pool discard the connection and try another
    (``PoolEvents.checkout``).
    """
    if dbapi_connection.closed or dbapi_connection.broken:
        raise exc.DisconnectionError("connection closed")
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError) as error:  # the socket itself is gone
        raise exc.DisconnectionError(str(error)) from error
    if readable:
        raise exc.DisconnectionError("the server closed the connection")


def read_only_uri(path: Path) -> str:
    """The SQLite URI that opens ``path`` without writing to it.

    ``mode=ro`` keeps WAL working: it reads the -wal file writers append to, which needs the -shm
    index beside it (present while a writer has the file open, or created in a writable folder).
    In a folder it may not write, with no -shm and no -wal left (every writer closed, so the file
    holds every commit), ``immutable=1`` reads the file as it is, without the locks it cannot take.
    """
    resolved = path.resolve()
    uri = f"file:{quote(str(resolved))}?mode=ro"
    sidecars = [Path(f"{resolved}-shm"), Path(f"{resolved}-wal")]
    if not os.access(resolved.parent, os.W_OK) and not any(p.exists() for p in sidecars):
        uri += "&immutable=1"
    return uri


def _sqlite_engine(url: str, *, pool_size: int, read_only: bool = False) -> Engine:
    options: dict[str, Any] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    database = make_url(url).database
    in_memory = not database or database == ":memory:"
    # An in-memory database lives in its one connection, so every checkout must get that one.
    pooling: dict[str, Any] = (
        {"poolclass": StaticPool}
        if in_memory
        else {"poolclass": QueuePool, "pool_size": pool_size, "max_overflow": POOL_OVERFLOW}
    )
    if read_only and not in_memory:
        uri = read_only_uri(Path(str(database)))
        engine = create_engine(
            "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, **options), **pooling
        )
    else:
        engine = create_engine(url, connect_args=options, **pooling)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        if not read_only:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        record.info["optimized_at"] = time.monotonic()

    if not read_only:
        event.listen(engine, "checkin", _optimize_now_and_then)
        event.listen(engine, "close", _optimize)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _optimize_now_and_then(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    """``PRAGMA optimize`` on a connection returned to the pool, at most once an hour each."""
    if dbapi_connection is None:
        return
    now = time.monotonic()
    if now - record.info.get("optimized_at", now) >= SQLITE_OPTIMIZE_EVERY_SECONDS:
        record.info["optimized_at"] = now
        _optimize(dbapi_connection, record)


def _optimize(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    """``PRAGMA optimize``: SQLite gathers the statistics its planner lacks for the queries this
    connection ran (a no-op when they are fresh). It never waits for another writer's lock (busy
    timeout 0 while it runs), and a failure (busy, read-only) costs only the statistics, so it is
    not raised into the unit of work that returned the connection."""
    with suppress(sqlite3.Error):
        dbapi_connection.execute("PRAGMA busy_timeout=0")
        try:
            dbapi_connection.execute("PRAGMA optimize")
        finally:
            dbapi_connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


class Database:
    """The engine plus the two kinds of unit of work the domain needs."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._writer = engine.execution_options(sqlite_begin="IMMEDIATE") if self.is_sqlite else engine

    @classmethod
    def from_url(cls, url: str, *, read_only: bool = False) -> Database:
        return cls(make_engine(url, read_only=read_only))

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with Session(self._writer, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """One transaction on a bare connection, for a hot path that runs Core and driver
        statements only: no Session to set up, snapshot and tear down (a refused claim cost 0.17
        ms of CPU in a Session against 0.06 ms on the driver alone, SQLite, one process).
        Committed when the block ends, rolled back if it raises; :meth:`session_on` gives a branch
        that needs the ORM a Session inside it."""
        with self._writer.begin() as connection:
            yield connection

    @staticmethod
    @contextmanager
    def session_on(connection: Connection) -> Iterator[Session]:
        """A Session inside ``connection``'s transaction, flushed when the block ends; the
        transaction stays the connection's ("rollback_only": a commit of the Session is only a
        flush, and closing it leaves the transaction open)."""
        with Session(
            bind=connection, expire_on_commit=False, join_transaction_mode="rollback_only"
        ) as session:
            yield session
            session.flush()

    def ping(self) -> None:
        """Raise unless the database answers a trivial query (health checks)."""
        with self.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        self.engine.dispose()
