"""pool search at a million customers: filter indexes, one trigram index on PostgreSQL, FTS5 on SQLite

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 05:00:00

Both databases: partial indexes ``(lower(industry), priority, id, pool_id)`` and the same on
``lower(region)`` over unowned customers, so an ``industry:``/``region:`` search reads its page in
display order and its capped count from the index instead of the whole table. On PostgreSQL they
also hold the plain column (INCLUDE), without which the planner never reads an expression index
alone (index-only), and statistics on the two expressions: the planner ignores a partial index's
expression statistics and guessed 0.5 % of the rows for an industry that has 12 %.

PostgreSQL: migration 0002's three pg_trgm GIN indexes (name_key, search_key, lower(tags)) become
one over ``name_key || ' ' || search_key || ' ' || lower(tags)`` (a word, which holds no space,
is in one of the three exactly when it is in that text). The server keeps one trigram index up to
date on every insert instead of three, which is most of a bulk import's time. The CJK-bigram index
of 0002 stays: trigrams cannot find a two-character word (云帆), and under the C locale pg_trgm
ignores CJK characters altogether.

SQLite: an FTS5 table ``customer_search`` (tokenizer ``trigram``, case-insensitive; SQLite 3.34 or
newer) over name_key, search_key and tags, plus ``cjk_pairs``: each pair of adjacent non-ASCII
characters of the three, each followed by a space, so that the two-character word 云帆 is the
trigram "云帆 " there. It is an external-content table reading the view ``customer_search_source``
(nothing is stored twice); triggers on ``customer`` keep it in step with every INSERT, DELETE and
UPDATE of those columns, whoever writes them (the importer's executemany included). The pairs
come from the helper table ``search_position`` (1 to 4,096, more than the longest declared column,
search_key's 800), since SQLite has no series function and triggers allow no recursive CTE.
A later migration that recreates ``customer`` (an alembic batch operation) drops the triggers and
must create them again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.storage.problems import DatabaseProblem

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNOWNED = sa.text("owner_id IS NULL")
FILTER_INDEXES = {"ix_customer_pool_industry": "industry", "ix_customer_pool_region": "region"}

OLD_TRIGRAM_INDEXES = {
    "ix_customer_name_key_trgm": "name_key gin_trgm_ops",
    "ix_customer_search_key_trgm": "search_key gin_trgm_ops",
    "ix_customer_tags_trgm": "lower(tags) gin_trgm_ops",
}
# bot.storage.search.SEARCH_TEXT must stay written exactly like this for PostgreSQL to use it
TRIGRAM_INDEX = "ix_customer_search_trgm"
TRIGRAM_EXPRESSION = "(name_key || ' ' || search_key || ' ' || lower(tags)) gin_trgm_ops"

POSITIONS = 4096
TRIGRAM_SINCE = (3, 34, 0)


def _pairs(text: str) -> str:
    """SQL for the pairs of adjacent non-ASCII characters of ``text``, each followed by a space
    (as bot.storage.search.cjk_pairs picks them: both code points above 127)."""
    return (
        f"coalesce((SELECT group_concat(substr({text}, n, 2) || ' ', '') FROM search_position "
        f"WHERE n < length({text}) AND unicode(substr({text}, n, 1)) > 127 "
        f"AND unicode(substr({text}, n + 1, 1)) > 127), '')"
    )


def _all_pairs(row: str) -> str:
    return " || ".join(_pairs(f"{row}.{column}") for column in ("name_key", "search_key", "tags"))


def _values(row: str) -> str:
    return f"{row}.id, {row}.name_key, {row}.search_key, {row}.tags, {_all_pairs(row)}"


COLUMNS = "rowid, name_key, search_key, tags, cjk_pairs"
ADD_NEW = f"INSERT INTO customer_search ({COLUMNS}) VALUES ({_values('new')});"
# an external-content table forgets a row when told its old values
REMOVE_OLD = f"INSERT INTO customer_search (customer_search, {COLUMNS}) VALUES ('delete', {_values('old')});"
SQLITE_SCHEMA = [
    "CREATE TABLE search_position (n INTEGER PRIMARY KEY)",
    "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < "
    f"{POSITIONS}) INSERT INTO search_position (n) SELECT n FROM s",
    "CREATE VIEW customer_search_source AS SELECT id, name_key, search_key, tags, "
    f"{_all_pairs('customer')} AS cjk_pairs FROM customer",
    "CREATE VIRTUAL TABLE customer_search USING fts5(name_key, search_key, tags, cjk_pairs, "
    "content='customer_search_source', content_rowid='id', tokenize='trigram')",
    "INSERT INTO customer_search (customer_search) VALUES ('rebuild')",
    f"CREATE TRIGGER customer_search_insert AFTER INSERT ON customer BEGIN {ADD_NEW} END",
    f"CREATE TRIGGER customer_search_delete AFTER DELETE ON customer BEGIN {REMOVE_OLD} END",
    "CREATE TRIGGER customer_search_update AFTER UPDATE OF id, name_key, search_key, tags ON customer "
    f"BEGIN {REMOVE_OLD} {ADD_NEW} END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS customer_search_update",
    "DROP TRIGGER IF EXISTS customer_search_delete",
    "DROP TRIGGER IF EXISTS customer_search_insert",
    "DROP TABLE IF EXISTS customer_search",
    "DROP VIEW IF EXISTS customer_search_source",
    "DROP TABLE IF EXISTS search_position",
]


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    for name, column in FILTER_INDEXES.items():
        op.create_index(
            name,
            "customer",
            [sa.text(f"lower({column})"), "priority", "id", "pool_id"],
            postgresql_where=UNOWNED,
            postgresql_include=[column],
            sqlite_where=UNOWNED,
        )
    if _is_postgresql():
        for column in FILTER_INDEXES.values():
            op.execute(f"CREATE STATISTICS customer_lower_{column} ON (lower({column})) FROM customer")
        op.create_index(TRIGRAM_INDEX, "customer", [sa.text(TRIGRAM_EXPRESSION)], postgresql_using="gin")
        for name in OLD_TRIGRAM_INDEXES:
            op.drop_index(name, table_name="customer")
        return
    if sqlite3.sqlite_version_info < TRIGRAM_SINCE:
        raise DatabaseProblem(  # one line on the command line, never a traceback
            f"pool search needs SQLite 3.34 or newer (FTS5's trigram tokenizer) and this Python has "
            f"SQLite {sqlite3.sqlite_version}: use a Python built with a newer SQLite, or PostgreSQL."
        )
    for statement in SQLITE_SCHEMA:
        op.execute(statement)


def downgrade() -> None:
    if _is_postgresql():
        for column in FILTER_INDEXES.values():
            op.execute(f"DROP STATISTICS IF EXISTS customer_lower_{column}")
        for name, expression in OLD_TRIGRAM_INDEXES.items():
            op.create_index(name, "customer", [sa.text(expression)], postgresql_using="gin")
        op.drop_index(TRIGRAM_INDEX, table_name="customer")
    else:
        for statement in SQLITE_DROP:
            op.execute(statement)
    for name in FILTER_INDEXES:
        op.drop_index(name, table_name="customer")
