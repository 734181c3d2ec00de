"""The SQL of extensions (延期): moving one customer's deadline, counting an ownership's
extensions, and the requests beyond the quota that wait for a manager."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, case, func, select, update
from sqlmodel import Session, col

from bot.storage.models import Customer, ExtensionRequest, Member, OwnershipEvent
from bot.storage.sql import rowcount

PENDING, APPROVED, REJECTED, CANCELLED = "pending", "approved", "rejected", "cancelled"


def current_extension() -> ColumnElement[date | None]:
    """``Customer.current_extension`` in SQL: the extension of the current ownership, or NULL."""
    return case(
        (col(Customer.extended_for) == col(Customer.owned_since), col(Customer.extended_until)), else_=None
    )


def extend_to(session: Session, row: Customer, owner_id: int, until: date) -> bool:
    """Extend the customer's current ownership until ``until``, if nothing changed since ``row``
    was read (same owner, same extension): two presses at once extend once."""
    assert row.id is not None
    same_extension = (
        col(Customer.extended_until).is_(None)
        if row.extended_until is None
        else col(Customer.extended_until) == row.extended_until
    )
    result = session.execute(
        update(Customer)
        .where(col(Customer.id) == row.id, col(Customer.owner_id) == owner_id, same_extension)
        .values(extended_until=until, extended_for=col(Customer.owned_since))
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def extensions_since(
    session: Session, customer_id: int, since: datetime, before: datetime | None = None
) -> int:
    """How many times the customer was extended from ``since`` (its current ownership) on (and
    up to ``before``, when given)."""
    statement = select(func.count()).where(
        col(OwnershipEvent.customer_id) == customer_id,
        col(OwnershipEvent.kind) == "extended",
        col(OwnershipEvent.at) >= since,
    )
    if before is not None:
        statement = statement.where(col(OwnershipEvent.at) <= before)
    return int(session.execute(statement).scalar_one())


def pending_request(session: Session, customer_id: int, owned_since: datetime) -> ExtensionRequest | None:
    """The customer's extension request waiting for a manager, for its current ownership."""
    return session.execute(
        select(ExtensionRequest).where(
            col(ExtensionRequest.customer_id) == customer_id,
            col(ExtensionRequest.status) == PENDING,
            col(ExtensionRequest.owned_since) == owned_since,
        )
    ).scalar_one_or_none()


def request(session: Session, request_id: int) -> ExtensionRequest | None:
    return session.get(ExtensionRequest, request_id)


def add_request(
    session: Session, customer_id: int, member_id: int, owned_since: datetime, now: datetime
) -> int:
    row = ExtensionRequest(
        customer_id=customer_id, member_id=member_id, owned_since=owned_since, created_at=now
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def decide(
    session: Session, request_id: int, status: str, manager_id: int | None, now: datetime, reason: str = ""
) -> bool:
    """Settle a pending request; False when somebody decided it first (first decision wins)."""
    result = session.execute(
        update(ExtensionRequest)
        .where(col(ExtensionRequest.id) == request_id, col(ExtensionRequest.status) == PENDING)
        .values(status=status, decided_by_id=manager_id, decided_at=now, decision_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def decider_name(session: Session, request_id: int) -> str:
    found = session.execute(
        select(col(Member.name))
        .join(ExtensionRequest, col(ExtensionRequest.decided_by_id) == col(Member.id))
        .where(col(ExtensionRequest.id) == request_id)
    ).scalar_one_or_none()
    return found or "?"


def active_reps(session: Session, team_id: int) -> list[tuple[int, str, str]]:
    """(id, handle, name) of the team's active reps, by name: who a customer can be reassigned to."""
    rows = session.execute(
        select(col(Member.id), col(Member.handle), col(Member.name))
        .where(col(Member.team_id) == team_id, col(Member.role) == "rep", col(Member.active))
        .order_by(col(Member.name), col(Member.id))
    )
    return [(int(mid or 0), handle, name) for mid, handle, name in rows]
