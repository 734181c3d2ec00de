"""The name lookups that resolve what a member typed to customers of the team: the exact name
key, the exact pinyin (full or initials) and a fragment, each with the pool search's index
narrowing in front (:func:`bot.storage.search.index_narrowing`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlmodel import Session, col

from bot.storage.models import Customer
from bot.storage.search import index_narrowing
from bot.storage.sql import team_pool_ids

MAX_EXACT = 50  # customers with the same exact name or pinyin offered as choices at the most


def find_by_name_key(session: Session, team_id: int, name_key: str) -> Sequence[Customer]:
    return (
        session.execute(
            select(Customer)
            .where(col(Customer.pool_id).in_(team_pool_ids(team_id)), col(Customer.name_key) == name_key)
            .order_by(col(Customer.id))
        )
        .scalars()
        .all()
    )


def find_by_pinyin(session: Session, team_id: int, key: str) -> Sequence[Customer]:
    """Customers whose full pinyin or initials are exactly ``key`` (``search_key`` is
    ``"<full>|<initials>"``; ``key`` is a name key, so it holds no ``|``, ``%`` or ``_``), the pool
    search's index narrowing in front (``'%|key'`` alone is a scan of the table)."""
    if not key:
        return []
    narrowing = index_narrowing([{key}], session)
    return (
        session.execute(
            select(Customer)
            .where(
                col(Customer.pool_id).in_(team_pool_ids(team_id)),
                or_(col(Customer.search_key).like(f"{key}|%"), col(Customer.search_key).like(f"%|{key}")),
                *([] if narrowing is None else [narrowing]),
            )
            .order_by(col(Customer.id))
            .limit(MAX_EXACT)
        )
        .scalars()
        .all()
    )


def find_like(session: Session, team_id: int, fragment: str, limit: int) -> Sequence[Customer]:
    """Customers whose name key or pinyin holds ``fragment`` (a name key: no ``%`` or ``_``), the
    pool search's index narrowing in front."""
    pattern = f"%{fragment}%"
    conditions = [
        col(Customer.pool_id).in_(team_pool_ids(team_id)),
        or_(col(Customer.name_key).like(pattern), col(Customer.search_key).like(pattern)),
    ]
    narrowing = index_narrowing([{fragment}], session)
    return (
        session.execute(
            select(Customer)
            .where(*conditions, *([] if narrowing is None else [narrowing]))
            .order_by(col(Customer.id))
            .limit(limit)
        )
        .scalars()
        .all()
    )
