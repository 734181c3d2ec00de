"""The SQL of the ownership-event log: writing events, a customer's history, and the counts the
claim rules read from it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, or_, select
from sqlmodel import Session, col

from bot.storage.models import Customer, OwnershipEvent
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


def claims_between(session: Session, member_id: int, pool_id: int, start: datetime, end: datetime) -> int:
    """Claims (immediate or requested) the member made from the pool in [start, end), from the log."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(OwnershipEvent)
            .join(Customer, col(Customer.id) == col(OwnershipEvent.customer_id))
            .where(
                col(OwnershipEvent.member_id) == member_id,
                col(OwnershipEvent.kind).in_(CLAIM_EVENT_KINDS),
                col(OwnershipEvent.at) >= start,
                col(OwnershipEvent.at) < end,
                col(Customer.pool_id) == pool_id,
            )
        )
        or 0
    )


def last_given_back_at(session: Session, customer_id: int, member_id: int) -> datetime | None:
    return session.scalar(
        select(func.max(col(OwnershipEvent.at))).where(
            col(OwnershipEvent.customer_id) == customer_id,
            col(OwnershipEvent.member_id) == member_id,
            starts_cooldown(),
        )
    )
