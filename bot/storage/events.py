"""The SQL of the ownership-event log: writing events, a customer's history, and which events the
claim rules count (the counts themselves are in :mod:`bot.storage.claiming`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, insert, or_, select
from sqlmodel import Session, col

from bot.storage.models import OwnershipEvent
from bot.storage.sql import bulk_insert

CLAIM_EVENT_KINDS = ("claimed", "claim_requested")


def starts_cooldown() -> Any:
    """The events that start a member's reclaim cooldown on a customer: a recycle from them, or
    their own release (a manager's release of their customer does not)."""
    kind, actor, member = (
        col(OwnershipEvent.kind),
        col(OwnershipEvent.actor_id),
        col(OwnershipEvent.member_id),
    )
    return or_(kind == "recycled", and_(kind == "released", actor == member))


def add_events(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(OwnershipEvent), rows)


def add_events_in_bulk(session: Session, rows: list[dict[str, Any]]) -> None:
    """Many events at once (an import's 'imported' events): COPY on PostgreSQL."""
    bulk_insert(session, OwnershipEvent, rows)


def events_of(session: Session, customer_id: int, limit: int) -> Sequence[OwnershipEvent]:
    return (
        session.execute(
            select(OwnershipEvent)
            .where(col(OwnershipEvent.customer_id) == customer_id)
            .order_by(col(OwnershipEvent.at).desc(), col(OwnershipEvent.id).desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )
