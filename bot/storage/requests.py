"""The SQL of claim requests: filing one, reading it, and the decision only the first decider
makes (a conditional UPDATE)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from bot.storage.models import ClaimRequest, Customer, Member, Pool
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


# ---- a manager's inbox (/requests) ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PendingRow:
    """One request waiting for a manager of the customer's pool's team, with what the card shows."""

    kind: str  # which request it is ("claim", "registration"); a renderer per kind shows it
    request_id: int
    created_at: datetime
    customer_id: int
    customer_name: str
    pool_name: str
    member_id: int
    member_name: str
    reason: str
    held: int  # what the rep holds in the customer's pool now (pending requests count)
    cap: int  # that pool's max_held_per_rep
    proposed: str | None  # a registration: the name the rep registered (the customer is its look-alike)


def _request_pool() -> Any:
    """The pool a request is about: a registration's own pool, else the customer's."""
    return func.coalesce(col(ClaimRequest.pool_id), col(Customer.pool_id))


def _pending_of_team(team_id: int) -> tuple[Any, ...]:
    """Pending requests for customers of the team's pools: who decides is the pool's team."""
    return (col(ClaimRequest.status) == "pending", col(Pool.team_id) == team_id)


def _held_in_pool() -> Any:
    """What the requesting rep holds in the request's pool (:func:`bot.storage.sql.held`), per row."""
    other = aliased(Customer)
    rep = col(ClaimRequest.member_id)
    return (
        select(func.count())
        .select_from(other)
        .where(
            col(other.pool_id) == _request_pool(),
            or_(
                and_(col(other.owner_id) == rep, col(other.won_at).is_(None)),
                col(other.pending_member_id) == rep,
            ),
        )
        .scalar_subquery()
    )


def pending_page(session: Session, team_id: int, *, offset: int, limit: int) -> list[PendingRow]:
    """The team's pending requests, oldest first (the ones closest to expiring), one page of them,
    in one statement: request, customer, pool, rep and the rep's holdings in that pool."""
    rows = session.execute(
        select(
            col(ClaimRequest.kind),
            col(ClaimRequest.id),
            col(ClaimRequest.created_at),
            col(Customer.id),
            col(Customer.name),
            col(Pool.name),
            col(Member.id),
            col(Member.name),
            col(ClaimRequest.reason),
            _held_in_pool(),
            col(Pool.max_held_per_rep),
            col(ClaimRequest.proposal)["name"].as_string(),
        )
        .join(Customer, col(Customer.id) == col(ClaimRequest.customer_id))
        .join(Pool, col(Pool.id) == _request_pool())
        .join(Member, col(Member.id) == col(ClaimRequest.member_id))
        .where(*_pending_of_team(team_id))
        .order_by(col(ClaimRequest.created_at), col(ClaimRequest.id))
        .offset(offset)
        .limit(limit)
    )
    return [PendingRow(*row) for row in rows]


def pending_total(session: Session, team_id: int) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(ClaimRequest)
            .join(Customer, col(Customer.id) == col(ClaimRequest.customer_id))
            .join(Pool, col(Pool.id) == _request_pool())
            .where(*_pending_of_team(team_id))
        ).scalar_one()
    )
