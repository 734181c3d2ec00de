"""Adding customers to a pool (import, demo data): one bulk insert plus one 'imported' event each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session, col

from bot.domain.views import PRIORITIES
from bot.names import name_key, phone_key, search_key
from bot.storage.models import Customer, OwnershipEvent

SEARCH_KEY_LENGTH = 800  # the column's size; pinyin of a very long name is cut, not refused


@dataclass(frozen=True)
class NewCustomer:
    name: str
    contact: str | None = None
    phone: str | None = None
    email: str | None = None
    industry: str | None = None
    region: str | None = None
    size: str | None = None
    priority: str = "B"
    tags: str = ""

    def __post_init__(self) -> None:
        if self.priority not in PRIORITIES:
            raise ValueError(f"priority must be one of {PRIORITIES}, not {self.priority!r}")


def add_customers(
    session: Session,
    *,
    pool_id: int,
    customers: list[NewCustomer],
    now: datetime,
    actor_id: int | None = None,
) -> list[int]:
    """Insert ``customers`` into the pool in one statement and log an 'imported' event for each."""
    if not customers:
        return []
    rows = [
        {
            "name": c.name,
            "name_key": name_key(c.name),
            "search_key": search_key(c.name)[:SEARCH_KEY_LENGTH],
            "contact": c.contact,
            "phone": c.phone,
            "phone_key": phone_key(c.phone),
            "email": c.email,
            "industry": c.industry,
            "region": c.region,
            "size": c.size,
            "priority": c.priority,
            "stage": "new",
            "tags": c.tags,
            "pool_id": pool_id,
            "locked": False,
            "created_at": now,
        }
        for c in customers
    ]
    # RETURNING in parameter order: the ids of exactly these rows, whatever else is inserted meanwhile
    ids = list(
        session.execute(
            insert(Customer).returning(col(Customer.id), sort_by_parameter_order=True), rows
        ).scalars()
    )
    session.execute(
        insert(OwnershipEvent),
        [
            {
                "customer_id": cid,
                "kind": "imported",
                "member_id": None,
                "from_member_id": None,
                "actor_id": actor_id,
                "request_id": None,
                "rule": None,
                "reason": "",
                "at": now,
            }
            for cid in ids
        ],
    )
    return ids
