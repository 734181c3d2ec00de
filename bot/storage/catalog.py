"""The SQL of customers in bulk: adding them to a pool (import, demo data) with the lookups that
keep them unique, and streaming them out (export)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol, cast

from sqlalchemy import String, bindparam, func, select, text
from sqlmodel import Session, col

from bot.storage.models import Customer, Pool
from bot.storage.sql import CHUNK, bulk_insert, chunks, reserve_ids

# keys in the one text parameter a PostgreSQL key lookup sends (SQLite gets IN lists of CHUNK)
ARRAY_CHUNK = 50_000
KEY_SEPARATOR = "\x1f"  # the unit separator: between the keys of one lookup parameter
EXPORT_BATCH = 1_000  # customer rows fetched at a time by an export


def insert_customers(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the customer rows in bulk (COPY on PostgreSQL); their ids, in the order of ``rows``.

    The ids are reserved first and written with the rows, so they name exactly these rows whatever
    else is inserted meanwhile, without a RETURNING per batch."""
    ids = reserve_ids(session, Customer, len(rows))
    bulk_insert(session, Customer, [{"id": cid, **row} for cid, row in zip(ids, rows, strict=True)])
    return ids


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
            # one text parameter split by the server: psycopg dumps a 10,000-element array in
            # Python (70 ms a batch), a string in C; keys hold no control characters (name_key
            # keeps letters and digits, phone_key digits)
            joined = bindparam("keys", KEY_SEPARATOR.join(chunk), type_=String)
            wanted = (
                func.unnest(func.string_to_array(joined, KEY_SEPARATOR)).table_valued("key").render_derived()
            )
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


_EXPORT_COLUMNS = tuple(col(getattr(Customer, name)) for name in ExportRow.__annotations__)


def export_rows(session: Session, pool_id: int | None) -> Iterator[ExportRow]:
    """The customers of the pool (None: of every pool) in id order, fetched a batch at a time
    (plain column tuples, no ORM identity map)."""
    statement = select(*_EXPORT_COLUMNS).order_by(col(Customer.id))
    if pool_id is not None:
        statement = statement.where(col(Customer.pool_id) == pool_id)
    rows = session.execute(statement.execution_options(yield_per=EXPORT_BATCH))
    yield from cast("Iterator[ExportRow]", rows)  # each row has exactly the attributes of ExportRow
