"""An initial load on PostgreSQL: a big import into a (nearly) empty customer table builds the
table's secondary indexes once, at its end, instead of updating them row by row.

PostgreSQL's own advice for populating a database ("Populating a Database" in its manual: remove
indexes, load, create them again). Kept up to date row by row, the two GIN indexes of the pool
search (trigrams, CJK bigrams) and the b-trees of random keys outgrow the server's cache within a
few hundred thousand rows; every insert then reads and dirties pages all over them, and each page
goes into the WAL whole after every checkpoint. On 2 cores with PostgreSQL's default settings a
million rows took about 15 minutes that way (bench/import.py); built once over the loaded table,
the same indexes take about 80 s.

The indexes the import's own duplicate lookups use (:data:`KEPT`) stay, as do the primary key and
any unique index. Each dropped index is first recorded in ``deferred_index`` (definition and
time) in the transaction that drops it, so an import killed halfway (kill -9, a full disk) leaves
what it must build: the next import and ``poolbot db upgrade`` build it (:func:`build_leftovers`).
A session-level advisory lock marks a load in progress; it ends with the load's connection, even
a killed one, so nobody builds a running load's indexes from under it, and a crashed load's are
built by whoever comes next.

Meanwhile the bot keeps working on the table (claims by id, follow-ups); searches read it without
the search indexes (slower, correct), and the final build holds off writes to customers while it
runs (CREATE INDEX's SHARE lock). That is why only an import of at least :data:`MIN_ROWS` rows
into a table holding less than a tenth of that is an initial load; every other import, and every
import on SQLite, keeps the indexes up to date as it goes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select, text
from sqlmodel import col

from bot.storage.engine import Database
from bot.storage.models import Customer, DeferredIndex

MIN_ROWS = 50_000  # a file this long or longer...
TABLE_SHARE = 10  # ...into a table holding fewer than 1/TABLE_SHARE of its rows is an initial load
KEPT = frozenset(  # what the import's duplicate lookups (bot.storage.registration.with_keys) read
    {"ix_customer_dup_key", "ix_customer_phone_key", "ix_customer_credit_code", "ix_customer_email_lower"}
)
# Indexes built at once. CREATE INDEX takes a SHARE lock, which two builds share; PostgreSQL 15
# builds a GIN index on one core (only b-trees get parallel workers), so the two search indexes
# (trigrams about 41 s, bigrams 22 s at a million rows on 2 cores) are built side by side.
BUILDERS = 2
LOAD_LOCK = 0x706F6F6C  # pg_advisory_lock key of a load in progress ("pool")

# the secondary indexes of ``customer`` a load may drop: neither the primary key nor unique
_DROPPABLE = text(
    "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index x "
    "JOIN pg_class c ON c.oid = x.indexrelid "
    "WHERE x.indrelid = 'customer'::regclass AND NOT x.indisunique AND NOT x.indisprimary "
    "ORDER BY c.relname"
)

BuildProgress = Callable[[str], None]  # told the name of each index before it is built


def is_initial_load(db: Database, file_rows: int | None) -> bool:
    """Whether an import of ``file_rows`` rows (None: not known up front) should defer the
    indexes: PostgreSQL, a big file, and a table still small beside it."""
    if db.is_sqlite or file_rows is None or file_rows < MIN_ROWS:
        return False
    with db.read() as session:
        stored = session.execute(select(func.count()).select_from(Customer)).scalar_one()
    return int(stored) * TABLE_SHARE < file_rows


@contextmanager
def indexes_deferred(
    db: Database, now: datetime, *, defer: bool, progress: BuildProgress | None = None
) -> Iterator[None]:
    """Around an import on PostgreSQL: with ``defer``, drop the customer indexes the load need not
    read and build them all when the block ends (also when it raises); without, first build what
    an earlier, killed load left. Another load in progress is left alone: it builds its own."""
    if not defer:
        build_leftovers(db, progress)
        yield
        return
    if db.is_sqlite:
        yield
        return
    with db.engine.connect() as holder:
        if not _lock(holder):
            yield
            return
        try:
            _defer(db, now)
            yield
        finally:
            try:
                _build(db, progress)
            finally:
                _unlock(holder)


def build_leftovers(db: Database, progress: BuildProgress | None = None) -> list[str]:
    """Build the indexes a killed initial load left (``poolbot db upgrade`` and every import call
    this); the names built. Nothing while a load is in progress: it builds its own."""
    if db.is_sqlite:
        return []
    with db.engine.connect() as holder:
        if not _lock(holder):
            return []
        try:
            return _build(db, progress)
        finally:
            _unlock(holder)


def deferred(db: Database) -> list[str]:
    """The names of the indexes recorded as deferred (not built yet)."""
    with db.read() as session:
        names = select(col(DeferredIndex.name)).order_by(col(DeferredIndex.name))
        return list(session.execute(names).scalars())


def _lock(holder: Connection) -> bool:
    locked = bool(holder.execute(select(func.pg_try_advisory_lock(LOAD_LOCK))).scalar_one())
    holder.commit()  # the lock is the session's; no transaction stays open beside the load
    return locked


def _unlock(holder: Connection) -> None:
    holder.execute(select(func.pg_advisory_unlock(LOAD_LOCK)))
    holder.commit()


def _defer(db: Database, now: datetime) -> None:
    """Record and drop the droppable indexes not in :data:`KEPT`, in one transaction."""
    with db.write() as session:
        for name, definition in session.execute(_DROPPABLE).all():
            if name in KEPT:
                continue
            session.execute(insert(DeferredIndex).values(name=name, definition=definition, deferred_at=now))
            session.execute(text(f'DROP INDEX "{name}"'))


def _build(db: Database, progress: BuildProgress | None) -> list[str]:
    """Build each recorded index, :data:`BUILDERS` at a time, the GIN ones first (the longest);
    each in its own transaction, so that a build interrupted halfway leaves its record and what
    was built stays built. The names built; the first failure is raised once the others are done."""
    with db.read() as session:
        recorded = session.execute(select(col(DeferredIndex.name), col(DeferredIndex.definition))).all()
    ordered = sorted(recorded, key=lambda row: (" USING gin " not in row[1], row[0]))
    with ThreadPoolExecutor(max_workers=BUILDERS, thread_name_prefix="poolbot-index") as builders:
        futures = [builders.submit(_build_one, db, name, sql, progress) for name, sql in ordered]
    failures = [error for future in futures if (error := future.exception()) is not None]
    if failures:
        raise failures[0]
    return [name for name, _ in ordered]


def _build_one(db: Database, name: str, definition: str, progress: BuildProgress | None) -> None:
    if progress is not None:
        progress(name)
    with db.write() as session:
        session.execute(text(_if_not_exists(definition)))
        session.execute(delete(DeferredIndex).where(col(DeferredIndex.name) == name))


def _if_not_exists(definition: str) -> str:
    """``pg_get_indexdef``'s ``CREATE INDEX name ON …`` as ``CREATE INDEX IF NOT EXISTS name ON …``:
    an index someone built by hand meanwhile is not an error."""
    prefix = "CREATE INDEX "
    assert definition.startswith(prefix), definition
    return "CREATE INDEX IF NOT EXISTS " + definition[len(prefix) :]
