"""Adding customers to a pool (import, demo data): one bulk insert plus one 'imported' event each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.domain.snapshots import PRIORITIES
from bot.names import company_key, name_key, phone_key, search_key
from bot.storage import catalog, events

DUP_KEY_LENGTH = 200  # customer.dup_key's size
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
    credit_code: str | None = None  # 统一社会信用代码, already validated

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
    return add_customer_rows(session, [customer_row(c, pool_id, now) for c in customers], now, actor_id)


def customer_row(
    customer: NewCustomer, pool_id: int, now: datetime, *, company: str | None = None
) -> dict[str, object]:
    """The stored columns of a new customer, its lookup keys computed (the pinyin is the costly
    part, so an import computes rows while the previous batch is being written). ``company`` is
    the name's company key when the caller has it already (an import's duplicate check does)."""
    return {
        "name": customer.name,
        "name_key": name_key(customer.name),
        "dup_key": (company_key(customer.name) if company is None else company)[:DUP_KEY_LENGTH],
        "credit_code": customer.credit_code,
        "search_key": search_key(customer.name)[:SEARCH_KEY_LENGTH],
        "contact": customer.contact,
        "phone": customer.phone,
        "phone_key": phone_key(customer.phone),
        "email": customer.email,
        "industry": customer.industry,
        "region": customer.region,
        "size": customer.size,
        "priority": customer.priority,
        "stage": "new",
        "tags": customer.tags,
        "pool_id": pool_id,
        "locked": False,
        "created_at": now,
    }


def add_customer_rows(
    session: Session, rows: list[dict[str, object]], now: datetime, actor_id: int | None = None
) -> list[int]:
    """Insert rows made by :func:`customer_row` in bulk, with an 'imported' event each; their ids."""
    if not rows:
        return []
    ids = catalog.insert_customers(session, rows)
    events.add_same_event(session, ids, "imported", now, actor_id)
    return ids
