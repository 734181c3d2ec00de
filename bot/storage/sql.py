"""What every storage module shares: the chunk size of IN lists, the row count a conditional
update is decided by, the dialect's INSERT … ON CONFLICT, the pools of a team, what "held" means,
and the by-name upsert of the config sync."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, CursorResult, Select, Table, and_, func, insert, select
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, SQLModel, col

from bot.storage.models import Customer, Pool

CHUNK = 500  # ids or keys per IN list: well under SQLite's bound-parameter limit

T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in slices of ``size``, for IN lists that stay under the parameter limit."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def rowcount(result: Any) -> int:
    """Rows an UPDATE or DELETE changed: the answer every conditional update is decided by."""
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def insert_on_conflict(session: Session, table: type[SQLModel]) -> PgInsert | SqliteInsert:
    """An INSERT into ``table`` that takes an ON CONFLICT clause: PostgreSQL's or SQLite's, by the
    session's dialect (the two spell it the same)."""
    builder = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return builder(table)


def bulk_insert(session: Session, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows of ``model`` (every row with the same keys, timestamps aware): COPY on
    PostgreSQL, one executemany on SQLite. The fastest way each database takes rows in bulk: an
    import writes a million. PostgreSQL's COPY skips SQLAlchemy's type processing, so the values
    must be what the columns hold (aware datetimes, bools, None)."""
    if not rows:
        return
    table = _table(model)
    names = list(rows[0])
    if session.get_bind().dialect.name != "postgresql":
        session.connection().execute(insert(table), list(rows))
        return
    raw: Any = session.connection().connection.driver_connection  # psycopg.Connection
    columns = ", ".join(f'"{name}"' for name in names)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[name] for name in names])


def reserve_ids(session: Session, model: type[SQLModel], count: int) -> list[int]:
    """``count`` new ids for rows of ``model`` that the caller inserts with them, in this
    transaction: PostgreSQL draws them from the table's sequence in one statement; SQLite, whose
    write transaction already holds the database's write lock (BEGIN IMMEDIATE), takes the next
    ones after the largest id, as it would itself."""
    table = _table(model)
    if session.get_bind().dialect.name == "postgresql":
        drawn = session.execute(
            select(func.nextval(func.pg_get_serial_sequence(table.name, "id"))).select_from(
                func.generate_series(1, count)
            )
        )
        return [int(value) for value in drawn.scalars()]
    largest = session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    return list(range(int(largest) + 1, int(largest) + 1 + count))


def _table(model: type[SQLModel]) -> Table:
    table = model.__table__  # type: ignore[attr-defined]  # set on every table=True model
    assert isinstance(table, Table)
    return table


def team_pool_ids(team_id: int) -> Select[int | None]:
    """The ids of the team's pools, as a subquery for ``Customer.pool_id.in_(…)``."""
    return select(col(Pool.id)).where(col(Pool.team_id) == team_id)


def held(member_id: int | None = None) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The two ways a member holds a customer, which the holding cap, auto-assignment and the team
    report all count: it owns it and has not won it, or its claim request for it is pending. Of
    ``member_id``, or of anyone when None. Never both for one row: a pending customer has no owner.
    """
    owner, pending = col(Customer.owner_id), col(Customer.pending_member_id)
    owned = and_(
        owner.is_not(None) if member_id is None else owner == member_id, col(Customer.won_at).is_(None)
    )
    return owned, pending.is_not(None) if member_id is None else pending == member_id


def upsert(session: Session, model: type[SQLModel], key: str, value: str, fields: dict[str, object]) -> int:
    """Insert the ``model`` row whose ``key`` is ``value`` with ``fields``, or update the one there
    is; its id."""
    row: Any = session.execute(select(model).where(getattr(model, key) == value)).scalars().first()
    if row is None:
        row = model(**{key: value}, **fields)
        session.add(row)
    else:
        for name, field_value in fields.items():
            setattr(row, name, field_value)
    session.flush()
    return int(row.id)
