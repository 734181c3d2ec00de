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
    }
)


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    return not (type_ == "index" and reflected and name in HAND_WRITTEN_INDEXES)
