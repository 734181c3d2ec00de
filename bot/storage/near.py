"""Near names: the customers a fuzzy name match scores when a typed name is no customer's exactly
(``bot.domain.lookup`` offers the closest as numbered choices; nothing acts on them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Float, Select, Text, literal, select, text
from sqlmodel import Session, col

from bot.names import search_key
from bot.storage.models import Customer
from bot.storage.search import SEARCH_TEXT
from bot.storage.sql import team_pool_ids

NEAR_SCAN = 1_000
_NAME_COLUMNS = (col(Customer.id), col(Customer.name_key), col(Customer.search_key))
# for this transaction only (set_config(..., true) is SET LOCAL with a bound value)
_WORD_THRESHOLD = text("SELECT set_config('pg_trgm.word_similarity_threshold', :threshold, true)")
_WORD_THRESHOLD_AS_BEFORE = text("SET LOCAL pg_trgm.word_similarity_threshold TO DEFAULT")
NEAR_MATCHES = 50
NAME_SCAN_LIMIT = 50_000


def near_names(session: Session, team_id: int, key: str) -> Sequence[tuple[int, str, str]]:
    """The team's customers a fuzzy name match scores: ``(id, name key, pinyin)``.

    On PostgreSQL, through migration 0012's trigram index and across the whole team: of the first
    :data:`NEAR_SCAN` rows holding enough of the key's trigrams (``<%``, at the word similarities of
    :func:`_near_tiers`), the :data:`NEAR_MATCHES` most similar (a Chinese key by its pinyin where
    the server takes no trigrams from Chinese). The team's pool ids go in as values (as a
    subquery, the planner ran the index scan once per pool). A name typed a letter or a character
    wrong shares most of its trigrams with the right one; the scan cap bounds a typo in a prefix
    thousands of names share (about 140 ms at 1M customers, against 600 ms for fetching 50,000
    names, which covered 5 % of such a team). Elsewhere (SQLite, the embedded default for one
    small team) the first :data:`NAME_SCAN_LIMIT` customers.
    """
    if session.get_bind().dialect.name != "postgresql":
        in_team = col(Customer.pool_id).in_(team_pool_ids(team_id))
        rows = session.execute(select(*_NAME_COLUMNS).where(in_team).limit(NAME_SCAN_LIMIT)).all()
        return [(r[0], r[1], r[2]) for r in rows]
    return _near_names_by_trigrams(session, team_id, key)


def _near_names_by_trigrams(session: Session, team_id: int, key: str) -> list[tuple[int, str, str]]:
    pool_ids = session.execute(team_pool_ids(team_id)).scalars().all()
    found: Sequence[Any] = []
    for threshold, typed in _near_tiers(session, key):
        session.execute(_WORD_THRESHOLD, {"threshold": str(threshold)})
        found = session.execute(_closest(pool_ids, typed)).all()
        if found:
            break
    session.execute(_WORD_THRESHOLD_AS_BEFORE)
    return [(r[0], r[1], r[2]) for r in found]


def _closest(pool_ids: Sequence[int], key: str) -> Select[Any]:
    """Of the first :data:`NEAR_SCAN` rows word-similar to ``key``, the closest."""
    typed = literal(key, Text)
    found = (
        select(*_NAME_COLUMNS, SEARCH_TEXT.label("text"))
        .where(col(Customer.pool_id).in_(pool_ids), typed.op("<%")(SEARCH_TEXT))
        .limit(NEAR_SCAN)
        .subquery()
    )
    return (
        select(found.c.id, found.c.name_key, found.c.search_key)
        .order_by(typed.op("<<->", return_type=Float)(found.c.text), found.c.id)
        .limit(NEAR_MATCHES)
    )


def _near_tiers(session: Session, key: str) -> list[tuple[float, str]]:
    """The word similarities tried in turn, with the key each looks for: 0.6 (pg_trgm's default),
    then 0.45. A typo spoils up to four of a key's trigrams, so in a short name one or two of them
    drop it under 0.6 ("Globx Industires" is 0.47 of "Globex Industries", "杭州云帆科学有限公司"
    0.57 of "杭州云帆科技有限公司"). At 1M customers 0.45 costs 7-41 ms more where 0.3 cost 60-290.

    A Chinese key the server takes no trigrams from (pg_trgm under the C locale keeps only ASCII
    letters and digits) is looked for by its full pinyin instead, which the search text holds too."""
    full = search_key(key).partition("|")[0]
    if full and full != key and not session.execute(_HAS_TRIGRAMS, {"key": key}).scalar():
        key = full
    return [(0.6, key), (0.45, key)]


_HAS_TRIGRAMS = text("SELECT cardinality(show_trgm(:key)) > 0")
