"""The SQL of finding customers: the pool search by words and filters, and the name lookups that
resolve what a member typed to a customer of the team."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, and_, cast, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlmodel import Session, col

from bot.names import name_key
from bot.storage.customers import customers_by_ids
from bot.storage.models import Customer
from bot.storage.sql import team_pool_ids

MAX_EXACT = 50  # customers with the same exact name or pinyin offered as choices at the most


@dataclass(frozen=True)
class SearchFilters:
    words: tuple[str, ...] = ()
    industry: str | None = None
    region: str | None = None
    size: str | None = None
    priority: str | None = None


def _pool_search_conditions(team_id: int, filters: SearchFilters, dialect: str = "") -> list[Any]:
    """Unowned customers of the team's pools whose name, pinyin or tags contain every word (a
    substring, lower-cased) and whose fields equal the filters (case-insensitive).

    On PostgreSQL a two-character non-ASCII word (云帆) also gets a test that the CJK-bigram index
    of migration 0002 can answer; it only narrows the rows the LIKE then checks, so the result is
    the same as without it.
    """
    conditions: list[Any] = [
        col(Customer.pool_id).in_(team_pool_ids(team_id)),
        col(Customer.owner_id).is_(None),
    ]
    for word in filters.words:
        conditions.extend(_word_conditions(word, dialect))
    return conditions + attribute_conditions(filters)


def attribute_conditions(filters: Any) -> list[Any]:
    """``industry:``, ``region:``, ``size:`` (any case) and ``priority:`` filters of a search or an
    auto-assignment; ``filters`` has those four attributes, each None when not given."""
    conditions: list[Any] = []
    for name in ("industry", "region", "size"):
        value = getattr(filters, name)
        if value:
            conditions.append(func.lower(getattr(Customer, name)) == value.lower())
    if filters.priority:
        conditions.append(col(Customer.priority) == filters.priority.upper())
    return conditions


def _word_conditions(word: str, dialect: str) -> list[Any]:
    key, text = name_key(word), word.lower()
    if not key:  # punctuation or emoji only: names hold none, so only tags can match it
        return [func.lower(col(Customer.tags)).like(_contains(text), escape="\\")]
    conditions: list[Any] = []
    if dialect == "postgresql" and len(key) == 2 and not any(c.isascii() for c in key):
        bigrams = func.poolbot_cjk_bigrams(
            col(Customer.name_key), col(Customer.search_key), func.lower(col(Customer.tags))
        )
        conditions.append(bigrams.op("@>")(cast(array([key]), ARRAY(Text))))
    conditions.append(
        or_(
            col(Customer.name_key).like(_contains(key), escape="\\"),
            col(Customer.search_key).like(_contains(key), escape="\\"),
            func.lower(col(Customer.tags)).like(_contains(text), escape="\\"),
        )
    )
    return conditions


def _contains(fragment: str) -> str:
    """A LIKE pattern for ``fragment`` anywhere, with % and _ taken literally."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_pool(
    session: Session,
    team_id: int,
    filters: SearchFilters,
    *,
    offset: int,
    limit: int,
    count_cap: int = 10_000,
) -> tuple[Sequence[Customer], int]:
    """One page of the team's unowned customers matching ``filters``, by priority then id, and how
    many match: the exact number when it is at most ``count_cap``, else ``count_cap + 1`` (meaning
    "more than ``count_cap``"). The page is exact at any offset, past the cap too.

    With words (few matches, usually): one ordered scan of ids, stopped after ``count_cap + 1``
    matches, gives both the page and the count. Without: the page, then a count that stops at
    ``count_cap + 1`` rows (skipped when the page is short, since it then tells the total).
    """
    where = and_(*_pool_search_conditions(team_id, filters, session.get_bind().dialect.name))
    order = (col(Customer.priority), col(Customer.id))
    if filters.words:
        ids = (
            session.execute(
                select(col(Customer.id))
                .where(where)
                .order_by(*order)
                .limit(max(count_cap + 1, offset + limit))
            )
            .scalars()
            .all()
        )
        page_ids = ids[offset : offset + limit]
        by_id = {row.id: row for row in customers_by_ids(session, page_ids)}
        # a customer deleted between the two statements is left out rather than failing the search
        return [by_id[i] for i in page_ids if i in by_id], min(len(ids), count_cap + 1)
    page = select(Customer).where(where).order_by(*order).offset(offset).limit(limit)
    rows = session.execute(page).scalars().all()
    if len(rows) < limit and (rows or offset == 0):
        return rows, min(offset + len(rows), count_cap + 1)
    capped = select(col(Customer.id)).where(where).limit(count_cap + 1).subquery()
    return rows, int(session.scalar(select(func.count()).select_from(capped)) or 0)


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
    ``"<full>|<initials>"``; ``key`` is a name key, so it holds no ``|``, ``%`` or ``_``)."""
    if not key:
        return []
    return (
        session.execute(
            select(Customer)
            .where(
                col(Customer.pool_id).in_(team_pool_ids(team_id)),
                or_(col(Customer.search_key).like(f"{key}|%"), col(Customer.search_key).like(f"%|{key}")),
            )
            .order_by(col(Customer.id))
            .limit(MAX_EXACT)
        )
        .scalars()
        .all()
    )


def find_like(session: Session, team_id: int, fragment: str, limit: int) -> Sequence[Customer]:
    pattern = f"%{fragment}%"
    return (
        session.execute(
            select(Customer)
            .where(
                col(Customer.pool_id).in_(team_pool_ids(team_id)),
                or_(col(Customer.name_key).like(pattern), col(Customer.search_key).like(pattern)),
            )
            .order_by(col(Customer.id))
            .limit(limit)
        )
        .scalars()
        .all()
    )


def names_in_team(session: Session, team_id: int, limit: int) -> Sequence[tuple[int, str, str]]:
    rows = session.execute(
        select(col(Customer.id), col(Customer.name_key), col(Customer.search_key))
        .where(col(Customer.pool_id).in_(team_pool_ids(team_id)))
        .limit(limit)
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]
