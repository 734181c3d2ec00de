"""The SQL of the pool search by words and filters (the name lookups that resolve what a member
typed are in :mod:`bot.storage.name_lookup`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by, array
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from bot.names import name_key
from bot.storage.customers import customers_by_ids
from bot.storage.models import Customer
from bot.storage.sql import team_pool_ids
from bot.storage.trigrams import NO_SAMPLE, SAMPLES, TrigramSample, rarest


@dataclass(frozen=True)
class SearchFilters:
    words: tuple[str, ...] = ()
    industry: str | None = None
    region: str | None = None
    size: str | None = None
    priority: str | None = None


def _pool_search_conditions(pool_ids: Sequence[int], filters: SearchFilters, session: Session) -> list[Any]:
    """Unowned customers of the team's pools whose name, pinyin or tags contain every word (a
    substring, lower-cased) and whose fields equal the filters (case-insensitive).

    Each word's LIKE decides; in front of it goes a test an index can answer (:func:`_narrowing`),
    which only narrows the rows the LIKE then checks, so the result is the same as without it.
    """
    narrowing = index_narrowing([_fragments(w) for w in filters.words], session)
    return [
        *_unowned_in(pool_ids, filters),
        *([] if narrowing is None else [narrowing]),
        *(_word_condition(word) for word in filters.words),
    ]


def _unowned_in(pool_ids: Sequence[int], filters: SearchFilters) -> list[Any]:
    """The conditions of a search but its words: unowned, in the pools, the fields equal."""
    return [
        col(Customer.pool_id).in_(pool_ids),
        col(Customer.owner_id).is_(None),
        *attribute_conditions(filters),
    ]


def attribute_conditions(filters: Any) -> list[Any]:
    """``industry:``, ``region:``, ``size:`` (any case) and ``priority:`` filters of a search or an
    auto-assignment; ``filters`` has those four attributes, each None when not given.

    ``lower(industry)`` and ``lower(region)`` are the expressions of migration 0012's filter
    indexes: written otherwise, the databases would not use them."""
    conditions: list[Any] = []
    for name in ("industry", "region", "size"):
        value = getattr(filters, name)
        if value:
            conditions.append(func.lower(getattr(Customer, name)) == value.lower())
    if filters.priority:
        conditions.append(col(Customer.priority) == filters.priority.upper())
    return conditions


def _word_condition(word: str, customer: Any = Customer) -> Any:
    """The rule: the name key or the pinyin holds the word's key, or the lowered tags the word
    (of ``customer``: the table, or an alias of it)."""
    key, text = name_key(word), word.lower()
    in_tags = func.lower(customer.tags).like(_contains(text), escape="\\")
    if not key:  # punctuation or emoji only: names hold none, so only tags can match it
        return in_tags
    return or_(
        customer.name_key.like(_contains(key), escape="\\"),
        customer.search_key.like(_contains(key), escape="\\"),
        in_tags,
    )


def _fragments(word: str) -> set[str]:
    """What a row must contain somewhere (name key, pinyin or tags) to match ``word``: its key in
    the names or its lowered text in the tags."""
    key = name_key(word)
    return {key, word.lower()} if key else {word.lower()}


def index_narrowing(words: Sequence[set[str]], session: Session) -> Any | None:
    """An index test every row passes that holds, for each word, one of its fragments (None: no
    index helps)."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return _fts_narrowing(words)
    if dialect == "postgresql":
        sample = SAMPLES.of(session) if any(_narrows_by_trigrams(f) for w in words for f in w) else NO_SAMPLE
        tests = [_pg_word_narrowing(fragments, sample) for fragments in words]
        found = [t for t in tests if t is not None]
        return and_(*found) if found else None
    return None


def _pg_word_narrowing(fragments: set[str], sample: TrigramSample) -> Any | None:
    """PostgreSQL: rows holding one of ``fragments``, through migration 0012's indexes.

    A fragment with two adjacent non-ASCII characters (云帆, 杭州云帆) must have all its such pairs
    among the row's CJK bigrams (migration 0002's function index; locale-independent, unlike
    pg_trgm, which ignores CJK under the C locale). An ASCII fragment of three characters or more
    is a LIKE on the one concatenated text the trigram index covers: it holds each of the three
    columns, ' '-separated, so a fragment in any column is in it; a longer word of letters and
    digits (jinxiang) is asked for its rarest trigrams only (:func:`bot.storage.trigrams.rarest`),
    each a LIKE of its own. Anything else (a single character, two ASCII letters) has no index
    test, and the LIKE reads the pool.
    """
    tests: list[Any] = []
    for fragment in fragments:
        pairs = cjk_pairs(fragment)
        if pairs:
            bigrams = func.poolbot_cjk_bigrams(
                col(Customer.name_key), col(Customer.search_key), func.lower(col(Customer.tags))
            )
            tests.append(bigrams.op("@>")(cast(array(sorted(pairs)), ARRAY(Text))))
        elif fragment.isascii() and len(fragment) >= 3:
            tests.append(_trigram_test(fragment, sample))
        else:
            return None  # one fragment without a test: the OR of the fragments has none either
    return or_(*tests)


def _narrows_by_trigrams(fragment: str) -> bool:
    """Whether ``fragment`` may be asked for some of its trigrams rather than all: ASCII letters
    and digits only (pg_trgm splits words at anything else and pads their ends), four or more."""
    return len(fragment) >= 4 and fragment.isascii() and fragment.isalnum()


def _trigram_test(fragment: str, sample: TrigramSample) -> Any:
    """The trigram index's test for an ASCII ``fragment`` of three characters or more."""
    picked = rarest(fragment, sample) if _narrows_by_trigrams(fragment) else None
    if picked:
        return and_(*(SEARCH_TEXT.like(f"%{trigram}%") for trigram in picked))
    return SEARCH_TEXT.like(_contains(fragment), escape="\\")


def cjk_pairs(fragment: str) -> set[str]:
    """The pairs of adjacent non-ASCII characters of ``fragment`` (both databases' bigram sets)."""
    return {
        fragment[i : i + 2]
        for i in range(len(fragment) - 1)
        if not fragment[i].isascii() and not fragment[i + 1].isascii()
    }


def _fts_narrowing(words: Sequence[set[str]]) -> Any | None:
    """SQLite: the ids migration 0012's FTS5 table finds for all ``words`` (each word: one of its
    fragments), as ``customer.id IN (…)``; None when no word can be looked up there."""
    tests = [_fts_word(fragments) for fragments in words]
    query = " AND ".join(f"({t})" for t in tests if t is not None)
    if not query:
        return None
    found: Select[Any] = select(literal_column("rowid")).select_from(table("customer_search"))
    return col(Customer.id).in_(found.where(literal_column("customer_search").op("MATCH")(query)))


def _fts_word(fragments: set[str]) -> str | None:
    """An FTS5 query for rows holding one of ``fragments``, or None when one cannot be asked.

    The table's tokenizer is ``trigram``, case-insensitive: a quoted phrase of three characters or
    more matches the rows holding it as a substring (of any case, so it finds every row the LIKE
    does, and some it then refuses). Shorter phrases match nothing, so a two-character non-ASCII
    fragment (云帆) is asked of the ``cjk_pairs`` column, which lists each pair of adjacent
    non-ASCII characters of the three texts followed by a space: "云帆 " is a trigram there.
    """
    tests: list[str] = []
    for fragment in sorted(fragments):
        quoted = fragment.replace('"', '""')
        if len(fragment) >= 3:
            tests.append(f'"{quoted}"')
        elif len(fragment) == 2 and cjk_pairs(fragment):
            tests.append(f'cjk_pairs : "{quoted} "')
        else:
            return None  # one fragment without a test: the OR of the fragments has none either
    return " OR ".join(tests)


# The text migration 0012's trigram GIN index covers, written exactly as its expression (constants
# inline, not bound parameters), so that PostgreSQL matches the two.
SEARCH_TEXT = literal_column("(name_key || ' ' || search_key || ' ' || lower(tags))", Text)


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

    The team's pools are read first and given as values: with a subquery PostgreSQL joined every
    counted row to the pool table.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(_SERIAL_PLANS)
    pool_ids = list(session.execute(team_pool_ids(team_id)).scalars())
    where = and_(*_pool_search_conditions(pool_ids, filters, session))
    probed = None
    if filters.words:
        probed = _probed_page(session, pool_ids, filters, dialect, offset=offset, limit=limit)
    if filters.words and probed is None and dialect == "sqlite":
        return _page_and_count_in_one(session, where, offset=offset, limit=limit, count_cap=count_cap)
    if filters.words and probed is None and dialect == "postgresql":
        return _count_then_page(
            session, where, pool_ids, filters, offset=offset, limit=limit, count_cap=count_cap
        )
    return _page_then_count(
        session, where, filters, offset=offset, limit=limit, count_cap=count_cap, page=probed
    )


ORDER = (col(Customer.priority), col(Customer.id))

# PostgreSQL: no parallel workers for the rest of the search's transaction. A search's statements
# stop after a page or count_cap + 1 rows, and a parallel plan first starts its workers and has
# the leader build the whole bitmap: the capped count of a common word ("郑州", 34,954 index
# matches at 1M customers) ran 39-61 ms with two workers and 20-22 ms without, on two cores.
_SERIAL_PLANS = text("SET LOCAL max_parallel_workers_per_gather = 0")


PROBE = 2_000  # the pool's first customers in display order a word search looks at first
PROBE_DEPTH = 100  # only for the first pages: the probe must hold offset + limit matches


def _probed_page(
    session: Session,
    pool_ids: Sequence[int],
    filters: SearchFilters,
    dialect: str,
    *,
    offset: int,
    limit: int,
    depth: int = PROBE,
    reach: int = PROBE_DEPTH,
) -> Sequence[Customer] | None:
    """The page from the pool's first ``depth`` customers in display order, when they hold at
    least ``offset + limit`` matches (then the page's rows are the first matches, exactly); None
    when they do not, or when the page ends past ``reach``. A common word (杭州, "tech") then
    costs a short index walk, where PostgreSQL, misjudging how common a word is, read and sorted
    every match (15,000 for "wave"), and SQLite, which always starts from the FTS5 candidates,
    read and sorted all of them."""
    if offset + limit > reach:
        return None
    page = _probe(pool_ids, filters, postgresql=dialect == "postgresql", depth=depth)
    rows = session.execute(page.offset(offset).limit(limit)).scalars().all()
    return rows if len(rows) == limit else None


def _probe(
    pool_ids: Sequence[int], filters: SearchFilters, *, postgresql: bool, depth: int = PROBE
) -> Select[Any]:
    """The matches among the pool's first ``depth`` customers in display order. PostgreSQL: the
    first rows themselves in a LIMIT subquery, filtered outside it; with ``id IN (their ids)`` it
    hash-joined a scan of the whole table at 100k customers (48 ms against 0.9 ms, ``EXPLAIN
    ANALYZE``). SQLite: ``id IN``, which it answers by lookups (2.9-4.3 ms p50 at 100k against
    5.2-5.8 ms for the subquery form)."""
    unowned = _unowned_in(pool_ids, filters)
    if not postgresql:
        first = select(col(Customer.id)).where(*unowned).order_by(*ORDER).limit(depth)
        words = [_word_condition(word) for word in filters.words]
        return select(Customer).where(col(Customer.id).in_(first), *words).order_by(*ORDER)
    rows = aliased(Customer, select(Customer).where(*unowned).order_by(*ORDER).limit(depth).subquery("probe"))
    words = [_word_condition(word, rows) for word in filters.words]
    return select(rows).where(*words).order_by(col(rows.priority), col(rows.id))


def _page_then_count(
    session: Session,
    where: Any,
    filters: SearchFilters,
    *,
    offset: int,
    limit: int,
    count_cap: int,
    page: Sequence[Customer] | None = None,
) -> tuple[Sequence[Customer], int]:
    """The page (unless ``page`` is already known) as its own query (PostgreSQL picks between
    walking the display-order index and reading the matches from a search index), then a count
    that stops at ``count_cap + 1`` rows, skipped when the page is short, since the page then
    tells the total."""
    rows = _sorted_page(session, where, offset=offset, limit=limit) if page is None else page
    if len(rows) < limit and (rows or offset == 0):
        return rows, min(offset + len(rows), count_cap + 1)
    capped = select(col(Customer.id)).where(where).limit(count_cap + 1)
    if not filters.words:
        # counted in display order: the rows a filter index (or the pool's order index) holds in
        # that order, read from the index alone, instead of the table's rows in no order
        capped = capped.order_by(*ORDER)
    return rows, int(session.scalar(select(func.count()).select_from(capped.subquery())) or 0)


def _page_and_count_in_one(
    session: Session, where: Any, *, offset: int, limit: int, count_cap: int
) -> tuple[Sequence[Customer], int]:
    """SQLite, with words the probe did not answer: the FTS5 candidates are read once, in one
    ordered list of up to ``count_cap + 1`` ids that gives both the page and the count (SQLite
    reads every candidate for the page anyway; a second query for the count would read them
    again)."""
    ordered = select(col(Customer.id)).where(where).order_by(*ORDER)
    ids = session.execute(ordered.limit(max(count_cap + 1, offset + limit))).scalars().all()
    return _in_order(session, ids[offset : offset + limit]), min(len(ids), count_cap + 1)


def _in_order(session: Session, ids: Sequence[int]) -> list[Customer]:
    """The customers ``ids`` names, in that order; one deleted since its id was read is left out
    rather than failing the search."""
    by_id = {row.id: row for row in customers_by_ids(session, ids)}
    return [by_id[i] for i in ids if i in by_id]


def _count_then_page(
    session: Session,
    where: Any,
    pool_ids: Sequence[int],
    filters: SearchFilters,
    *,
    offset: int,
    limit: int,
    count_cap: int,
) -> tuple[Sequence[Customer], int]:
    """PostgreSQL, with words the probe did not answer: the matches are read once, at most
    ``count_cap + 1`` of them. When that is all of them, the same statement gives the page too
    (their ids in display order, sliced on the server), so a rare word's index scan runs once
    instead of once for the page and again for the count (measured at 1M on "jinxiang", 581
    matches: the trigram bitmap alone is 33-43 ms). A word with more matches says "more than
    ``count_cap``" and gets its page from :func:`_common_word_page`."""
    matches = select(col(Customer.id), col(Customer.priority)).where(where).limit(count_cap + 1).subquery()
    ordered = func.array_agg(aggregate_order_by(matches.c.id, matches.c.priority, matches.c.id))
    page_ids = ordered[bindparam("first", type_=Integer) : bindparam("last", type_=Integer)]
    params = {"first": offset + 1, "last": offset + limit}  # arrays count from 1, slices are inclusive
    total, ids = session.execute(select(func.count(), page_ids).select_from(matches), params).one()
    if total > count_cap:
        return _common_word_page(session, where, pool_ids, filters, offset=offset, limit=limit), count_cap + 1
    return _in_order(session, ids or []), int(total)


WALK = 50_000  # the most customers a page of a common word walks in display order
WALK_DEPTH = 200  # only for the pages up to here: deeper ones read the matches sorted


def _common_word_page(
    session: Session, where: Any, pool_ids: Sequence[int], filters: SearchFilters, *, offset: int, limit: int
) -> Sequence[Customer]:
    """PostgreSQL: a page of words with more than the count cap's matches. PostgreSQL estimates an
    OR of three LIKEs rare (406 rows for "bay", which has 12,328 at 1M) and read and sorted every
    match from the trigram index for page 5 (37 ms, ``EXPLAIN ANALYZE``). Walking the display
    order finds it in 2-4 ms, as the probe does, to at most :data:`WALK` customers; a deeper page,
    or a walk that found too few, reads the matches sorted."""
    walked = _probed_page(
        session, pool_ids, filters, "postgresql", offset=offset, limit=limit, depth=WALK, reach=WALK_DEPTH
    )
    return _sorted_page(session, where, offset=offset, limit=limit) if walked is None else walked


def _sorted_page(session: Session, where: Any, *, offset: int, limit: int) -> Sequence[Customer]:
    """The page as one query in display order: the database picks how to read the matches."""
    query = select(Customer).where(where).order_by(*ORDER).offset(offset).limit(limit)
    return session.execute(query).scalars().all()
