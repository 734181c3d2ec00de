"""Adding customers to a pool (import, demo data): one bulk insert plus one 'imported' event each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.domain.context import event_row
from bot.domain.snapshots import PRIORITIES
from bot.names import name_key, phone_key, search_key
from bot.storage import catalog, events

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
    ids = catalog.insert_customers(session, rows)
    events.add_events(session, [event_row(cid, "imported", None, actor_id, now) for cid in ids])
    return ids
