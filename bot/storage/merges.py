"""The SQL of merging two customers: the history and follow-ups of one move to the other, the
merged row goes, and a ``customer_merge`` row keeps its id answering "merged into #…"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlmodel import Session, col

from bot.storage.models import ClaimRequest, Customer, CustomerMerge, FollowUp, OwnershipEvent
from bot.storage.sql import rowcount


def merged_into(session: Session, customer_id: int) -> CustomerMerge | None:
    """Where a merged customer's id leads now (None: it was never merged)."""
    return session.get(CustomerMerge, customer_id, populate_existing=True)


def move_history(session: Session, from_id: int, to_id: int) -> None:
    """Follow-ups, ownership events and requests of ``from_id`` become ``to_id``'s."""
    for table in (FollowUp, OwnershipEvent, ClaimRequest):
        session.execute(update(table).where(col(table.customer_id) == from_id).values(customer_id=to_id))


def update_customer(session: Session, customer_id: int, values: dict[str, Any]) -> None:
    if values:
        session.execute(update(Customer).where(col(Customer.id) == customer_id).values(**values))


def retire(
    session: Session, *, merged_id: int, into_id: int, team_id: int, name: str, by: int, now: datetime
) -> bool:
    """Delete the merged customer if it is still unclaimed by any pending request, and record
    where it went (earlier merges into it now lead to ``into_id`` too); False if it changed."""
    session.execute(
        update(CustomerMerge).where(col(CustomerMerge.into_id) == merged_id).values(into_id=into_id)
    )
    gone = session.execute(
        delete(Customer).where(col(Customer.id) == merged_id, col(Customer.pending_member_id).is_(None))
    )
    if rowcount(gone) != 1:
        return False
    session.add(
        CustomerMerge(merged_id=merged_id, into_id=into_id, team_id=team_id, name=name, by_id=by, at=now)
    )
    session.flush()
    return True


def pending_request_ids(session: Session, customer_ids: list[int]) -> list[int]:
    """Pending requests (claims or registrations) naming one of the customers."""
    return list(
        session.execute(
            select(col(ClaimRequest.id)).where(
                col(ClaimRequest.customer_id).in_(customer_ids), col(ClaimRequest.status) == "pending"
            )
        ).scalars()
    )
