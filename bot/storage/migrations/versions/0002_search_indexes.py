"""indexes for pool search

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 18:00:00

Both databases: a partial index on the pool's display order (priority, id, pool_id) over unowned
customers, so the first pages and the capped count of a pool search walk the index instead of
sorting the whole pool.

PostgreSQL only:
- pg_trgm GIN indexes on name_key, search_key and lower(tags): a substring search
  (``LIKE '%word%'``) of three characters or more reads the index instead of the table. The
  extension is created if missing (needs a role allowed to, e.g. the superuser) and is left in place
  by the downgrade, since other objects may use it.
- Trigrams cannot serve a two-character word such as 云帆, the commonest Chinese search. For those,
  ``poolbot_cjk_bigrams(name_key, search_key, lower(tags))`` lists every pair of adjacent non-ASCII
  characters of the three columns, and a GIN index on it finds the rows that contain the pair;
  ``bot.storage.search._pool_search_conditions`` adds that test in front of the LIKE (which still
  decides). Building it takes about 15 s per million customers on a small machine.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNOWNED = sa.text("owner_id IS NULL")
TRIGRAM_INDEXES = {
    "ix_customer_name_key_trgm": "name_key gin_trgm_ops",
    "ix_customer_search_key_trgm": "search_key gin_trgm_ops",
    "ix_customer_tags_trgm": "lower(tags) gin_trgm_ops",
}
BIGRAM_INDEX = "ix_customer_cjk_bigrams"
BIGRAM_FUNCTION = r"""
CREATE OR REPLACE FUNCTION poolbot_cjk_bigrams(a text, b text, c text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  s text := regexp_replace(a || ' ' || b || ' ' || c, '[\x01-\x7f]+', ' ', 'g');
  grams text[] := '{}';
  g text;
BEGIN
  FOR i IN 1 .. length(s) - 1 LOOP
    g := substr(s, i, 2);
    IF position(' ' in g) = 0 THEN
      grams := grams || g;
    END IF;
  END LOOP;
  RETURN grams;
END
$$
"""


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_index(
        "ix_customer_pool_order",
        "customer",
        ["priority", "id", "pool_id"],
        postgresql_where=UNOWNED,
        sqlite_where=UNOWNED,
    )
    if _is_postgresql():
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, expression in TRIGRAM_INDEXES.items():
            op.create_index(name, "customer", [sa.text(expression)], postgresql_using="gin")
        op.execute(BIGRAM_FUNCTION)
        op.create_index(
            BIGRAM_INDEX,
            "customer",
            [sa.text("poolbot_cjk_bigrams(name_key, search_key, lower(tags))")],
            postgresql_using="gin",
        )


def downgrade() -> None:
    if _is_postgresql():
        op.drop_index(BIGRAM_INDEX, table_name="customer")
        op.execute("DROP FUNCTION IF EXISTS poolbot_cjk_bigrams(text, text, text)")
        for name in TRIGRAM_INDEXES:
            op.drop_index(name, table_name="customer")
    op.drop_index("ix_customer_pool_order", table_name="customer")
