"""The SQL of customers in bulk: adding them to a pool (import, demo data) with the lookups that
keep them unique, and streaming them out (export)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, Protocol, cast

from sqlalchemy import ARRAY, String, bindparam, func, insert, select, text
from sqlmodel import Session, col

from bot.storage.extensions import current_extension
from bot.storage.models import Customer, Pool
from bot.storage.sql import CHUNK, chunks

# elements of the one array parameter a PostgreSQL key lookup sends (SQLite gets IN lists of CHUNK)
ARRAY_CHUNK = 10_000
EXPORT_BATCH = 1_000  # customer rows fetched at a time by an export


def insert_customers(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the customer rows in one statement; their ids, in the order of ``rows``."""
    # RETURNING in parameter order: the ids of exactly these rows, whatever else is inserted meanwhile
    return list(
        session.execute(
            insert(Customer).returning(col(Customer.id), sort_by_parameter_order=True), rows
        ).scalars()
    )


def present_name_keys(session: Session, keys: Sequence[str]) -> set[str]:
    """The ``keys`` some customer (of any pool) has as its name_key."""
    return set(
        session.execute(select(col(Customer.name_key)).where(col(Customer.name_key).in_(keys))).scalars()
    )


def count_in_pools(session: Session, pool_names: Sequence[str]) -> int:
    count = session.execute(
        select(func.count())
        .select_from(Customer)
        .join(Pool, col(Pool.id) == col(Customer.pool_id))
        .where(col(Pool.name).in_(pool_names))
    ).scalar()
    return int(count or 0)


# ---- duplicates of an import ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stored:
    """A stored customer one of a lookup's keys matched, with the value of the key's column."""

    id: int
    name: str
    pool_id: int
    key: str | None


def plan_for_actual_keys(session: Session) -> None:
    """Make the key lookups of this transaction (PostgreSQL) planned for the keys they are sent.

    psycopg prepares a statement once it has run five times; PostgreSQL's generic plan for it
    guesses 10 keys and probes each through the name_key trigram index (migration 0002), which
    took minutes per batch of similar names. Planned for the actual keys, the lookup hashes them
    instead (milliseconds). SET LOCAL ends with the transaction.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def with_keys(
    session: Session, column: Literal["name_key", "phone_key"], keys: Sequence[str]
) -> Iterator[Stored]:
    """The customers, of any pool, whose ``column`` is one of ``keys``.

    PostgreSQL gets the keys as one array parameter joined through unnest(), which it can hash;
    SQLite gets IN lists, which it looks up through the index, in chunks below its parameter limit.
    """
    key_column = col(getattr(Customer, column))
    base = select(col(Customer.id), col(Customer.name), col(Customer.pool_id), key_column)
    postgres = session.get_bind().dialect.name == "postgresql"
    for chunk in chunks(keys, ARRAY_CHUNK if postgres else CHUNK):
        if postgres:
            array = bindparam("keys", list(chunk), type_=ARRAY(String))
            wanted = func.unnest(array).table_valued("key").render_derived()
            statement = base.join(wanted, key_column == wanted.c.key)
        else:
            statement = base.where(key_column.in_(chunk))
        for cid, name, pool_id, value in session.execute(statement):
            yield Stored(int(cid or 0), name, pool_id, value)


# ---- export ---------------------------------------------------------------------------------------


class ExportRow(Protocol):
    """A customer as the export writes it: a plain row of these columns (no ORM object, no copy;
    exports stream many)."""

    id: int
    name: str
    contact: str | None
    phone: str | None
    email: str | None
    industry: str | None
    region: str | None
    size: str | None
    priority: str
    stage: str
    tags: str
    pool_id: int
    owner_id: int | None
    owned_since: datetime | None
    last_touch_at: datetime | None
    won_at: datetime | None
    locked: bool
    current_extension: date | None


_EXPORT_COLUMNS = tuple(
    current_extension().label(name) if name == "current_extension" else col(getattr(Customer, name))
    for name in ExportRow.__annotations__
)


def export_rows(session: Session, pool_id: int | None) -> Iterator[ExportRow]:
    """The customers of the pool (None: of every pool) in id order, fetched a batch at a time
    (plain column tuples, no ORM identity map)."""
    statement = select(*_EXPORT_COLUMNS).order_by(col(Customer.id))
    if pool_id is not None:
        statement = statement.where(col(Customer.pool_id) == pool_id)
    rows = session.execute(statement.execution_options(yield_per=EXPORT_BATCH))
    yield from cast("Iterator[ExportRow]", rows)  # each row has exactly the attributes of ExportRow
