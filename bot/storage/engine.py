"""Engines and sessions for SQLite (the embedded default) and PostgreSQL (production).

SQLite gets WAL and a busy timeout so concurrent writers wait instead of failing, and every
write transaction starts with ``BEGIN IMMEDIATE``: it takes the write lock up front, so a
transaction never reads a snapshot that a later write would have to upgrade (which SQLite
refuses with "database is locked" however long the timeout).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session

SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, *, pool_size: int = 5, read_only: bool = False) -> Engine:
    """An engine for ``url``; ``read_only`` opens an SQLite file for reading only (see
    :func:`read_only_uri`), so commands that only read work on a file this process may not write."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, read_only=read_only)
    return create_engine(url, pool_size=pool_size, max_overflow=10, pool_pre_ping=True)


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


def _sqlite_engine(url: str, *, read_only: bool = False) -> Engine:
    options: dict[str, Any] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    database = make_url(url).database
    if read_only and database and database != ":memory:":
        uri = read_only_uri(Path(database))
        engine = create_engine(
            "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, **options), poolclass=NullPool
        )
    else:
        engine = create_engine(url, connect_args=options, poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        if not read_only:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


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

    def ping(self) -> None:
        """Raise unless the database answers a trivial query (health checks)."""
        with self.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        self.engine.dispose()
