"""What alembic autogenerate compares (shared by env.py and the schema test)."""

from __future__ import annotations

# Indexes written by hand in migrations (expression, partial and GIN indexes the models cannot
# declare); autogenerate must not propose dropping them.
HAND_WRITTEN_INDEXES = frozenset(
    {
        "ix_customer_name_key_trgm",
        "ix_customer_search_key_trgm",
        "ix_customer_tags_trgm",
        "ix_customer_cjk_bigrams",
        "ix_customer_pool_order",
        "ix_customer_email_lower",
        "ix_customer_search_trgm",
        "ix_customer_pool_industry",
        "ix_customer_pool_region",
    }
)
# SQLite tables of migration 0012's pool search (FTS5 and its shadow tables, the position helper)
HAND_WRITTEN_TABLES = frozenset(
    {
        "search_position",
        "customer_search",
        "customer_search_data",
        "customer_search_idx",
        "customer_search_docsize",
        "customer_search_config",
    }
)


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    if type_ == "table" and reflected and name in HAND_WRITTEN_TABLES:
        return False
    return not (type_ == "index" and reflected and name in HAND_WRITTEN_INDEXES)
