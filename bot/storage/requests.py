"""The SQL of claim requests: filing one, reading it, and the decision only the first decider
makes (a conditional UPDATE)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session, col

from bot.storage.models import ClaimRequest, Customer
from bot.storage.sql import rowcount, team_pool_ids


def add_request(session: Session, *, customer_id: int, member_id: int, reason: str, now: datetime) -> int:
    """File a pending request; its id."""
    row = ClaimRequest(customer_id=customer_id, member_id=member_id, reason=reason, created_at=now)
    session.add(row)
    session.flush()
    return int(row.id or 0)


def request(session: Session, request_id: int) -> ClaimRequest | None:
    return session.get(ClaimRequest, request_id, populate_existing=True)


def pending_request_for(session: Session, customer_id: int) -> ClaimRequest | None:
    return (
        session.execute(
            select(ClaimRequest).where(
                col(ClaimRequest.customer_id) == customer_id,
                col(ClaimRequest.status) == "pending",
                col(ClaimRequest.kind) == "claim",
            )
        )
        .scalars()
        .first()
    )


def pending_in_team(session: Session, member_id: int, team_id: int) -> list[ClaimRequest]:
    """The member's pending requests for customers of the team's pools."""
    return list(
        session.execute(
            select(ClaimRequest)
            .join(Customer, col(Customer.id) == col(ClaimRequest.customer_id))
            .where(
                col(ClaimRequest.member_id) == member_id,
                col(ClaimRequest.status) == "pending",
                col(Customer.pool_id).in_(team_pool_ids(team_id)),
            )
            .order_by(col(ClaimRequest.id))
        ).scalars()
    )


def decide_request(
    session: Session, request_id: int, *, status: str, by: int | None, now: datetime, reason: str
) -> bool:
    """First decision wins: only a still-pending request changes."""
    result = session.execute(
        update(ClaimRequest)
        .where(col(ClaimRequest.id) == request_id, col(ClaimRequest.status) == "pending")
        .values(status=status, decided_by_id=by, decided_at=now, decision_reason=reason)
    )
    return rowcount(result) == 1
