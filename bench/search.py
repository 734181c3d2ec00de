"""Pool search latency through ``bot.domain.lookup.search`` at 10k, 100k and 1M customers.

    python bench/search.py [--db sqlite|postgresql|both] [--sizes 10000,100000,1000000] [--queries 200]
                           [--verify] [--tiny]

For every database kind and size: a fresh database migrated to 0001, one team's config synced, the
customers bulk-inserted (PostgreSQL COPY, SQLite executemany), then the remaining migrations (the
search indexes are built over the filled table, as on an existing deployment) and VACUUM ANALYZE
(what autovacuum does after a bulk insert; SQLite: ANALYZE). Names are
70 % Chinese (city + brand + trade + legal form, e.g. 杭州云帆科技有限公司) and 30 % English; 90 % of
the customers sit in the searching team's two pools, 10 % in another team's; 10 % are owned.

``--queries`` searches are spread round-robin over the query kinds; p50/p99 are nearest-rank
percentiles of the wall time of one ``search()`` call (one page of 10, with its page count).
``--verify`` also checks every answer against the straightforward query (exact count, OFFSET).
"""

from __future__ import annotations

import argparse
import inspect
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from _common import (
    BRAND_FIRST,
    BRAND_SECOND,
    CITIES,
    EN_FIRST,
    EN_SECOND,
    INDUSTRIES,
    REGIONS,
    NameMaker,
    bench_config,
    bulk_insert,
    customer_rows,
    db_kinds,
    load_average,
    machine,
    parse_args,
    percentile,
    prepare,
    scratch_database,
    table,
    utcnow,
    vacuum_analyze,
)
from pypinyin import lazy_pinyin
from sqlalchemy import and_, func, or_, select, text
from sqlmodel import col

from bot.domain.clock import SystemClock
from bot.domain.context import Services
from bot.domain.lookup import PAGE_SIZE, member_for, search
from bot.domain.snapshots import MemberView
from bot.storage.engine import Database
from bot.storage.migrate import upgrade
from bot.storage.models import Customer, Pool
from bot.storage.search import SearchFilters, search_pool

OWNED_SHARE = 0.10
POOL_WEIGHTS = {"east-main": 6, "east-vip": 3, "west-main": 1}
WARM_UP = 10


@dataclass(frozen=True)
class Query:
    kind: str
    filters: SearchFilters
    page: int = 1


# ---- the query mix ---------------------------------------------------------------------------------


def _brand(rng: random.Random) -> str:
    return rng.choice(BRAND_FIRST) + rng.choice(BRAND_SECOND)


def _cn_word(rng: random.Random) -> str:
    return _brand(rng) if rng.random() < 0.5 else rng.choice(CITIES)


def _en_word(rng: random.Random) -> str:
    word = rng.choice(EN_FIRST + EN_SECOND).lower()
    return word[: rng.randint(3, len(word))]  # a fragment, as typed


def _pinyin(rng: random.Random) -> str:
    brand = _brand(rng)
    if rng.random() < 0.5:
        return "".join(lazy_pinyin(brand))  # yunfan
    return "".join(s[0] for s in lazy_pinyin(rng.choice(CITIES) + brand))  # hzyf


def _filter(rng: random.Random) -> SearchFilters:
    pick = rng.randrange(3)
    if pick == 0:
        return SearchFilters(industry=rng.choice(INDUSTRIES).lower())
    if pick == 1:
        return SearchFilters(region=rng.choice(REGIONS))
    return SearchFilters(priority=rng.choice("abc"))


def _word_and_filter(rng: random.Random) -> SearchFilters:
    return SearchFilters(words=(_cn_word(rng),), industry=rng.choice(INDUSTRIES))


def _page_five(rng: random.Random) -> Query:
    words = () if rng.random() < 0.5 else (_en_word(rng),)
    return Query("page 5", SearchFilters(words=words), page=5)


KINDS: dict[str, Callable[[random.Random], Query]] = {
    "no words, page 1": lambda rng: Query("no words, page 1", SearchFilters()),
    "Chinese word": lambda rng: Query("Chinese word", SearchFilters(words=(_cn_word(rng),))),
    "English word": lambda rng: Query("English word", SearchFilters(words=(_en_word(rng),))),
    "pinyin": lambda rng: Query("pinyin", SearchFilters(words=(_pinyin(rng),))),
    "filter": lambda rng: Query("filter", _filter(rng)),
    "word + filter": lambda rng: Query("word + filter", _word_and_filter(rng)),
    "page 5": _page_five,
}


def query_mix(count: int, seed: int) -> list[Query]:
    rng = random.Random(seed)
    makers = list(KINDS.values())
    return [makers[i % len(makers)](rng) for i in range(count)]


# ---- filling ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fill:
    insert_seconds: float
    index_seconds: float
    analyze_seconds: float


def fill(url: str, size: int, seed: int) -> Fill:
    """Migrate to 0001, insert ``size`` customers, then migrate to head and ANALYZE."""
    prepare(url, bench_config(reps=8), revision="0001")
    db = Database.from_url(url)
    try:
        with db.engine.connect() as conn:
            pools = {str(n): int(i) for n, i in conn.execute(text("SELECT name, id FROM pool"))}
            reps = list(conn.execute(text("SELECT id FROM member WHERE role = 'rep'")).scalars())
        weighted = [pools[name] for name, weight in POOL_WEIGHTS.items() for _ in range(weight)]
        started = time.perf_counter()
        bulk_insert(db, customer_rows(NameMaker(seed), size, weighted, reps, OWNED_SHARE, utcnow()))
        inserted = time.perf_counter()
        upgrade(url, "head")
        indexed = time.perf_counter()
        vacuum_analyze(db)
        return Fill(inserted - started, indexed - inserted, time.perf_counter() - indexed)
    finally:
        db.dispose()


# ---- measuring -------------------------------------------------------------------------------------


def reference_conditions(team_id: int, filters: SearchFilters) -> list[Any]:
    """The search conditions as first written (substring match on name, pinyin and tags)."""
    conditions: list[Any] = [
        col(Customer.pool_id).in_(select(col(Pool.id)).where(col(Pool.team_id) == team_id)),
        col(Customer.owner_id).is_(None),
    ]
    for word in filters.words:
        pattern = f"%{word.lower()}%"
        conditions.append(
            or_(
                col(Customer.name_key).like(pattern),
                col(Customer.search_key).like(pattern),
                func.lower(Customer.tags).like(pattern),
            )
        )
    for name in ("industry", "region", "size"):
        value = getattr(filters, name)
        if value:
            conditions.append(func.lower(getattr(Customer, name)) == value.lower())
    if filters.priority:
        conditions.append(Customer.priority == filters.priority.upper())
    return conditions


def reference(session: Any, team_id: int, filters: SearchFilters, page: int) -> tuple[list[int], int]:
    """The plain answer: exact count, then ORDER BY priority, id with OFFSET."""
    where = and_(*reference_conditions(team_id, filters))
    total = session.scalar(select(func.count()).select_from(Customer).where(where))
    ids = (
        session.execute(
            select(col(Customer.id))
            .where(where)
            .order_by(col(Customer.priority), col(Customer.id))
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
        .scalars()
        .all()
    )
    return list(ids), int(total or 0)


def verify(services: Services, member: MemberView, query: Query, result: Any) -> None:
    """Same customers in the same order; the total exact, or, past the cap, the cap with ``more``
    set (``search()`` shows "more than 10,000")."""
    with services.db.read() as session:
        ids, total = reference(session, member.team.id, query.filters, query.page)
    got = [c.id for c in result.customers]
    cap = count_cap()
    capped = cap is not None and total > cap
    expected_total = cap if cap is not None and capped else total
    if got != ids or result.total != expected_total or result.more != capped:
        raise AssertionError(f"{query}: got {got} total {result.total}, expected {ids} total {total}")


def count_cap() -> int | None:
    """search_pool's default count cap (None: it counts exactly)."""
    parameter = inspect.signature(search_pool).parameters.get("count_cap")
    return None if parameter is None or parameter.default is None else int(parameter.default)


def measure(url: str, queries: Sequence[Query], check: bool) -> dict[str, list[tuple[float, int]]]:
    """Latency (seconds) and result total of every query, by kind."""
    db = Database.from_url(url)
    services = Services(db=db, clock=SystemClock())
    member = member_for(services, platform="console", user_id="rep0")
    for query in queries[:WARM_UP]:
        search(services, member=member, filters=query.filters, page=query.page)
    timings: dict[str, list[tuple[float, int]]] = {kind: [] for kind in KINDS}
    try:
        for query in queries:
            started = time.perf_counter()
            result = search(services, member=member, filters=query.filters, page=query.page)
            timings[query.kind].append((time.perf_counter() - started, result.total))
            if check:
                verify(services, member, query, result)
    finally:
        db.dispose()
    return timings


def report_rows(kind: str, size: int, timings: dict[str, list[tuple[float, int]]]) -> list[list[object]]:
    rows: list[list[object]] = []
    everything: list[float] = []
    for name, samples in timings.items():
        seconds = [s for s, _ in samples]
        everything += seconds
        totals = sorted(t for _, t in samples)
        rows.append(
            [
                kind,
                f"{size:,}",
                name,
                len(samples),
                _ms(percentile(seconds, 0.5)),
                _ms(percentile(seconds, 0.99)),
                f"{totals[len(totals) // 2]:,}",
            ]
        )
    rows.append(
        [
            kind,
            f"{size:,}",
            "all",
            len(everything),
            _ms(percentile(everything, 0.5)),
            _ms(percentile(everything, 0.99)),
            "",
        ]
    )
    return rows


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def bench(kind: str, size: int, args: argparse.Namespace) -> list[list[object]]:
    with scratch_database(kind) as url:
        filled = fill(url, size, seed=size)
        print(
            f"{kind} {size:,}: insert {filled.insert_seconds:.1f} s, migrations after the fill "
            f"{filled.index_seconds:.1f} s, VACUUM ANALYZE {filled.analyze_seconds:.1f} s",
            flush=True,
        )
        started = time.perf_counter()
        timings = measure(url, query_mix(args.queries, seed=7), args.verify)
        elapsed = time.perf_counter() - started
        print(f"{kind} {size:,}: {args.queries} searches in {elapsed:.1f} s", flush=True)
    return report_rows(kind, size, timings)


HEADER = ["database", "customers", "query", "n", "p50 ms", "p99 ms", "median total"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--queries", type=int, default=200, help="searches per database and size")
    parser.add_argument("--verify", action="store_true", help="check each answer against the plain query")
    args = parse_args(parser, tiny={"sizes": "2000", "queries": 14, "verify": True})
    kinds = db_kinds(args.db)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(machine(kinds), "\n", flush=True)
    started = time.perf_counter()
    rows = [row for kind in kinds for size in sizes for row in bench(kind, size, args)]
    print()
    print(table(HEADER, rows))
    print(
        f"\n(p50/p99 of one search() call, nearest rank; total = customers matching, as search() "
        f"reports it; migration head: {_head()})"
    )
    print(f"total time {time.perf_counter() - started:.0f} s; {load_average()}")


def _head() -> str:
    from alembic.script import ScriptDirectory

    from bot.storage.migrate import alembic_config

    return str(ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head())


if __name__ == "__main__":
    main()
