"""What every storage module shares: the chunk size of IN lists, the row count a conditional
update is decided by, the dialect's INSERT … ON CONFLICT, the pools of a team, what "held" means,
and the by-name upsert of the config sync."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, CursorResult, Select, and_, select
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
