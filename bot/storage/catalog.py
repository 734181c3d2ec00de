"""The SQL of customers in bulk: adding them to a pool (import, demo data, registration) and
streaming them out (export)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any, Protocol, cast

from sqlalchemy import func, select, text
from sqlmodel import Session, col

from bot.names import company_key
from bot.storage.extensions import current_extension
from bot.storage.models import Customer, OwnershipEvent, Pool
from bot.storage.sql import bulk_insert, reserve_ids

DUP_KEY_LENGTH = 200  # customer.dup_key's size
EXPORT_BATCH = 1_000  # customer rows fetched at a time by an export


def insert_customers(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the customer rows in bulk (COPY on PostgreSQL); their ids, in the order of ``rows``.

    The ids are reserved first and written with the rows, so they name exactly these rows whatever
    else is inserted meanwhile, without a RETURNING per batch. COPY skips column defaults, so the
    company key the duplicate check compares is computed here when a row does not bring it."""
    ids = reserve_ids(session, Customer, len(rows))
    keyed = [
        {"id": cid, **row} if "dup_key" in row else {"id": cid, "dup_key": _dup_key(row), **row}
        for cid, row in zip(ids, rows, strict=True)
    ]
    bulk_insert(session, Customer, keyed)
    return ids


def _dup_key(row: dict[str, Any]) -> str:
    return company_key(str(row["name"]))[:DUP_KEY_LENGTH]


def present_name_keys(session: Session, keys: Sequence[str]) -> set[str]:
    """The ``keys`` some customer (of any pool) has as its name_key."""
    return set(
        session.execute(select(col(Customer.name_key)).where(col(Customer.name_key).in_(keys))).scalars()
    )


def customers_estimate(session: Session) -> int:
    """About how many customers there are, from the planner's statistics (PostgreSQL; -1 or 0
    when never analysed) or the largest id (SQLite): what the next :func:`refresh_statistics`
    is measured against."""
    if session.get_bind().dialect.name == "postgresql":
        estimate = session.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'customer'")).scalar()
    else:
        estimate = session.execute(select(func.max(col(Customer.id)))).scalar()
    return max(0, int(estimate or 0))


def refresh_statistics(session: Session) -> None:
    """Give the planner fresh statistics of the customers and their events after a bulk load.

    A table that grew from nothing to a million rows in one import is still planned as the empty
    table it was: PostgreSQL then reads a whole pool to find 500 company keys (seconds a lookup,
    the import slowing as it grows) and the first search after it scans. ANALYZE samples a fixed
    number of rows (about a second at a million); SQLite's PRAGMA optimize analyses what needs it.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE customer, ownership_event"))
    else:
        session.execute(text("PRAGMA optimize"))


def count_in_pools(session: Session, pool_names: Sequence[str]) -> int:
    count = session.execute(
        select(func.count())
        .select_from(Customer)
        .join(Pool, col(Pool.id) == col(Customer.pool_id))
        .where(col(Pool.name).in_(pool_names))
    ).scalar()
    return int(count or 0)


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
    last_release_reason: str | None  # the configured reason of its latest release, if any
    current_extension: date | None


def _last_release_reason() -> Any:
    """The configured reason of the customer's latest release (a correlated subquery, by the
    event index on customer and time)."""
    event = OwnershipEvent
    return (
        select(col(event.release_reason))
        .where(col(event.customer_id) == col(Customer.id), col(event.kind) == "released")
        .order_by(col(event.at).desc(), col(event.id).desc())
        .limit(1)
        .scalar_subquery()
        .label("last_release_reason")
    )


_EXPORT_COLUMNS = tuple(
    current_extension().label(name) if name == "current_extension" else col(getattr(Customer, name))
    for name in ExportRow.__annotations__
    if name != "last_release_reason"
)


def export_rows(session: Session, pool_id: int | None) -> Iterator[ExportRow]:
    """The customers of the pool (None: of every pool) in id order, fetched a batch at a time
    (plain column tuples, no ORM identity map)."""
    statement = select(*_EXPORT_COLUMNS, _last_release_reason()).order_by(col(Customer.id))
    if pool_id is not None:
        statement = statement.where(col(Customer.pool_id) == pool_id)
    rows = session.execute(statement.execution_options(yield_per=EXPORT_BATCH))
    yield from cast("Iterator[ExportRow]", rows)  # each row has exactly the attributes of ExportRow
