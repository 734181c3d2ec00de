"""A manager's inbox: every request of the team waiting for a decision, oldest first, a page at a
time (``/requests``, a manager's ``/mine``, the morning reminder). Who decides a request is the
team of the customer's pool, as for the decision itself (:func:`bot.domain.claims.decide`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.context import Services
from bot.domain.errors import Forbidden, RuleViolation
from bot.domain.snapshots import MemberView
from bot.storage import requests as store

PAGE = 10  # requests a page: four blocks each stays well inside Slack's 50 blocks


@dataclass(frozen=True)
class PendingItem:
    """One request as a manager reads it; ``kind`` picks how it is shown."""

    kind: str
    request_id: int
    asked_at: datetime  # in the team's time zone
    customer_id: int
    customer_name: str
    pool_name: str
    member_name: str
    reason: str
    held: int  # what the rep holds in that pool now
    cap: int
    proposed: str | None = None  # a registration: the name registered (customer_*: its look-alike)


@dataclass(frozen=True)
class InboxPage:
    items: tuple[PendingItem, ...]
    page: int
    pages: int
    total: int


def pages_of(total: int) -> int:
    return max(1, -(-total // PAGE))


def inbox(services: Services, *, manager: MemberView, page: int = 1) -> InboxPage:
    """Page ``page`` of the pending requests of ``manager``'s team; refused to reps."""
    if not manager.is_manager:
        raise Forbidden("error.managers_only", command="requests")
    with services.db.read() as session:
        total = store.pending_total(session, manager.team.id)
        pages = pages_of(total)
        if page > pages:
            raise RuleViolation("page", "requests.page_beyond", page=page, pages=pages)
        rows = store.pending_page(session, manager.team.id, offset=(page - 1) * PAGE, limit=PAGE)
    items = items_of(rows, manager.team.timezone)
    return InboxPage(items, page, pages, total)


def items_of(rows: Sequence[store.PendingRow], timezone: str) -> tuple[PendingItem, ...]:
    """Pending requests as a manager reads them, asked-at in the team's time zone (the inbox, and
    the morning reminder's snapshot of it)."""
    zone = ZoneInfo(timezone)
    return tuple(
        PendingItem(
            row.kind,
            row.request_id,
            row.created_at.astimezone(zone),
            row.customer_id,
            row.customer_name,
            row.pool_name,
            row.member_name,
            row.reason,
            row.held,
            row.cap,
            row.proposed,
        )
        for row in rows
    )
