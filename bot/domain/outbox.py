"""Reading the outbox for delivery. Rows are written by the use cases, in their transactions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain.context import Services
from bot.storage import queries as q


@dataclass(frozen=True)
class OutboxItem:
    id: int
    kind: str
    params: dict[str, Any]
    recipient_id: int | None


def undelivered_for(services: Services, *, member_id: int) -> list[OutboxItem]:
    with services.db.read() as session:
        rows = q.notifications_for(session, member_id, after_id=0)
        return [
            OutboxItem(int(r.id or 0), r.kind, dict(r.payload), r.recipient_id)
            for r in rows
            if r.status == "pending"
        ]


def mark_delivered(services: Services, *, ids: list[int]) -> None:
    with services.db.write() as session:
        q.mark_sent(session, ids, services.clock.now())
