"""Pool search through the indexes of migration 0012, as a rep notices it: two-character Chinese
words, pinyin and initials are found, the search follows every change to a customer (added,
renamed, retagged, deleted, imported, merged), and a pool past 10,000 says so in each language.
On SQLite and PostgreSQL; on SQLite the FTS5 table is also checked against the customer table."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from conftest import PG_ADMIN_URL
from helpers import add, add_one, member
from sqlalchemy import text

from bot.config import PoolbotConfig
from bot.domain import lookup
from bot.domain.catalog import NewCustomer
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.setup import sync_config
from bot.handlers.console.chat import ConsoleChat
from bot.handlers.views import search_page
from bot.importer import import_file
from bot.names import name_key, search_key
from bot.storage import migrate, search
from bot.storage.engine import Database
from bot.storage.search import SearchFilters


def found(services: Services, *words: str, **fields: str) -> list[str]:
    """The names a search shows on its first page (sorted) after checking the FTS table."""
    assert fts_consistent(services.db)
    page = lookup.search(
        services, member=member(services, "alice"), filters=SearchFilters(words=words, **fields)
    )
    return sorted(c.name for c in page.customers)


def fts_consistent(db: Database) -> bool:
    """SQLite: the FTS5 index holds exactly what the customer table does (FTS5's own check against
    its content, which raises on any difference); PostgreSQL keeps its indexes itself."""
    if not db.is_sqlite:
        return True
    with db.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO customer_search (customer_search, rank) VALUES ('integrity-check', 1)")
        )
    return True


def fts_ids(db: Database, query: str) -> set[int]:
    with db.engine.connect() as connection:
        statement = text("SELECT rowid FROM customer_search WHERE customer_search MATCH :q")
        return set(connection.execute(statement, {"q": query}).scalars())


def test_short_chinese_words_pinyin_and_initials_are_found(services: Services) -> None:
    add(
        services,
        "杭州云帆科技有限公司",
        "上海云帆贸易",
        "云南白药",
        "Acme Tech",
        NewCustomer("北京星河", tags="云帆伙伴"),
    )
    assert found(services, "云帆") == ["上海云帆贸易", "北京星河", "杭州云帆科技有限公司"]
    assert found(services, "杭州") == ["杭州云帆科技有限公司"]
    assert found(services, "帆科") == ["杭州云帆科技有限公司"]
    assert found(services, "云帆", "贸易") == ["上海云帆贸易"]
    assert found(services, "yunfan") == ["上海云帆贸易", "杭州云帆科技有限公司"]
    assert found(services, "YunFan") == ["上海云帆贸易", "杭州云帆科技有限公司"]
    assert found(services, "hzyf") == ["杭州云帆科技有限公司"]
    assert found(services, "云") == ["上海云帆贸易", "云南白药", "北京星河", "杭州云帆科技有限公司"]
    assert found(services, "ac") == ["Acme Tech"]  # two ASCII letters: no index, the same answer
    assert found(services, "帆贸易") == ["上海云帆贸易"]
    assert found(services, "云帆", industry="retail") == []


def test_sqlite_answers_short_words_from_the_fts_table(services: Services) -> None:
    if not services.db.is_sqlite:
        pytest.skip("the FTS5 table is SQLite's")
    hangzhou, tagged = add(services, "杭州云帆科技", NewCustomer("北京星河", tags="云帆伙伴"))
    assert fts_ids(services.db, 'cjk_pairs : "云帆 "') == {hangzhou, tagged}
    assert fts_ids(services.db, '"hzyf"') == {hangzhou}
    assert fts_ids(services.db, '"hangzhouyunfan"') == {hangzhou}


def test_search_follows_renames_retags_and_deletes(services: Services) -> None:
    cid = add_one(services, "杭州云帆科技")
    assert found(services, "云帆") == ["杭州云帆科技"]
    rename(services.db, cid, "宁波星河制造", tags="老客户")
    assert found(services, "云帆") == []
    assert found(services, "yunfan") == []
    assert found(services, "星河") == ["宁波星河制造"]
    assert found(services, "nbxh") == ["宁波星河制造"]
    assert found(services, "客户") == ["宁波星河制造"]
    with services.db.engine.begin() as connection:
        for table in ("ownership_event", "customer"):  # its "imported" event refers to it
            column = "id" if table == "customer" else "customer_id"
            connection.execute(text(f"DELETE FROM {table} WHERE {column} = :id"), {"id": cid})
    assert found(services, "星河") == []


def rename(db: Database, customer_id: int, name: str, *, tags: str) -> None:
    values = {"id": customer_id, "n": name, "k": name_key(name), "s": search_key(name), "t": tags}
    with db.engine.begin() as connection:
        connection.execute(
            text("UPDATE customer SET name = :n, name_key = :k, search_key = :s, tags = :t WHERE id = :id"),
            values,
        )


def test_search_finds_imported_customers(services: Services, tmp_path: Path) -> None:
    path = tmp_path / "import.csv"
    path.write_text("name,tags\n苏州云帆电子,新\n深圳海川物流,\n", encoding="utf-8")
    import_file(services.db, services.clock, path, pool_name="east-main")
    assert found(services, "云帆") == ["苏州云帆电子"]
    assert found(services, "szhc") == ["深圳海川物流"]


def test_a_merged_customer_leaves_the_search(services: Services) -> None:
    keep = add_one(services, "Contoso Ltd")
    other = add_one(services, "Contoso")
    ConsoleChat(services, handle="maria").say(f"/merge #{keep} #{other}")
    assert found(services, "contoso") == ["Contoso Ltd"]


def test_a_capped_total_reads_more_than_ten_thousand_in_every_language(services: Services) -> None:
    add_one(services, "杭州云帆科技")
    one = lookup.search(services, member=member(services, "alice"), filters=SearchFilters(words=("云帆",)))
    capped = replace(one, total=lookup.COUNT_CAP, pages=1000, more=True)
    assert "more than 10,000 customers" in search_page("en", capped, "云帆").summary
    assert "超过 10,000 个客户" in search_page("zh-CN", capped, "云帆").summary


ROWS = [
    "INSERT INTO team (id, name, timezone, locale, reminder_time, working_days) "
    "VALUES (1, 'east', 'Asia/Shanghai', 'zh-CN', '09:00', 'mon,tue,wed,thu,fri')",
    "INSERT INTO pool (id, name, team_id, claim_requires_approval, max_held_per_rep, daily_claim_limit, "
    "reclaim_cooldown_days, recycle_days_a, recycle_days_b, recycle_days_c, warn_days, "
    "hide_contact_in_pool, request_expiry_hours) "
    "VALUES (1, 'main', 1, false, 5, 3, 7, 7, 15, 30, 3, true, 72)",
    "INSERT INTO customer (id, name, name_key, search_key, priority, stage, tags, pool_id, locked, "
    "created_at, industry) VALUES (1, '上海云帆', '上海云帆', 'shanghaiyunfan|shyf', 'B', 'new', '', 1, "
    "false, '2026-12-01 00:00:00+00', 'Retail')",
]


# the search objects at 0012 and at 0011: SQLite's FTS5 table (with its shadow tables), view and
# helper; PostgreSQL's trigram indexes, one for three
UP = {
    "sqlite": {
        "customer_search",
        "customer_search_source",
        "customer_search_data",
        "customer_search_idx",
        "customer_search_docsize",
        "customer_search_config",
        "customer_search_insert",
        "customer_search_update",
        "customer_search_delete",
        "search_position",
    },
    "postgresql": {"ix_customer_search_trgm"},
}
DOWN = {
    "sqlite": set(),
    "postgresql": {"ix_customer_name_key_trgm", "ix_customer_search_key_trgm", "ix_customer_tags_trgm"},
}


def test_0012_builds_over_a_filled_table_and_goes_down_again(database_url: str) -> None:
    migrate.downgrade(database_url, "0011")
    db = Database.from_url(database_url)
    try:
        with db.engine.begin() as connection:
            for statement in ROWS:
                connection.execute(text(statement))
        migrate.upgrade(database_url)
        assert _search_objects(db) == UP[db.engine.dialect.name]
        assert fts_consistent(db)
        if db.is_sqlite:
            assert fts_ids(db, 'cjk_pairs : "云帆 "') == {1}
            assert fts_ids(db, '"shyf"') == {1}
        migrate.downgrade(database_url, "0011")
        assert _search_objects(db) == DOWN[db.engine.dialect.name]
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM customer")).scalar_one() == 1
        migrate.upgrade(database_url)
    finally:
        db.dispose()
    assert migrate.current(database_url) == migrate.head()


def _search_objects(db: Database) -> set[str]:
    """The names of migration 0012's SQLite objects, or of the trigram indexes on PostgreSQL."""
    if db.is_sqlite:
        query = (
            "SELECT name FROM sqlite_master WHERE name LIKE 'customer_search%' OR name = 'search_position'"
        )
    else:
        query = "SELECT indexname FROM pg_indexes WHERE indexname LIKE '%trgm'"
    with db.engine.connect() as connection:
        return set(connection.execute(text(query)).scalars())


@pytest.fixture
def c_locale_services(
    config: PoolbotConfig, clock: FakeClock, postgres_unavailable: str | None
) -> Iterator[Services]:
    """A PostgreSQL database created with the C locale, where pg_trgm takes no trigrams from
    Chinese characters."""
    if postgres_unavailable:
        pytest.skip(postgres_unavailable)
    name = f"poolbot_test_c_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(
            f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
        )
    url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"
    migrate.upgrade(url)
    db = Database.from_url(url)
    try:
        sync_config(db, config)
        yield Services(db=db, clock=clock)
    finally:
        db.dispose()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_chinese_typo_is_offered_by_its_pinyin_where_postgresql_has_no_chinese_trigrams(
    c_locale_services: Services,
) -> None:
    services = c_locale_services
    with services.db.read() as session:
        assert session.execute(text("SELECT show_trgm('云帆')")).scalar() == []  # the C locale's pg_trgm
    yunfan = add_one(services, "杭州云帆科技有限公司")
    add(services, *(f"北京远洋贸易{n}有限公司" for n in range(5)))

    out = ConsoleChat(services, handle="alice").say("/claim 杭州云帆科学有限公司")

    assert f"#{yunfan} 杭州云帆科技有限公司" in out


@pytest.mark.parametrize("walk", [search.WALK, 120], ids=["walk-finds-it", "walk-too-short"])
def test_deep_pages_of_a_word_past_the_cap_are_exact(
    services: Services, monkeypatch: pytest.MonkeyPatch, walk: int
) -> None:
    """Pages past the probe's depth of a word with more matches than the count cap, on every
    path: the display-order walk (PostgreSQL), the walk that finds too few and reads the matches
    sorted instead (a walk shorter than where the page's matches lie), and a page deeper than any
    walk. Matches are sparse among the A customers, which come first, and dense among the C."""
    monkeypatch.setattr(search, "WALK", walk)
    names = [
        NewCustomer(f"Ridge {i:03d}" if i % 7 == 0 else f"Vale {i:03d}", priority="A") for i in range(140)
    ]
    names += [NewCustomer(f"Ridge C{i:03d}" if i % 2 else f"Vale C{i:03d}", priority="C") for i in range(600)]
    ids = add(services, *names)
    matching = [cid for cid, item in zip(ids, names, strict=True) if item.name.startswith("Ridge")]
    team_id = member(services, "alice").team.id
    for offset in (100, 150, 190, 250):
        with services.db.read() as session:
            rows, total = search.search_pool(
                session, team_id, SearchFilters(words=("ridge",)), offset=offset, limit=10, count_cap=50
            )
        assert len(rows) == 10, (offset, len(matching), total)
        assert [row.id for row in rows] == matching[offset : offset + 10], offset
        assert total == 51  # "more than 50"
