"""The SQL of the claim-request expiry: which pending requests are past their pool's limit, and
the conditional UPDATEs that expire them, whose RETURNING says what changed, so a manager deciding
a request at the same instant as the expiry either wins completely or loses completely.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select, tuple_, update
from sqlmodel import Session, col

from bot.storage.models import ClaimRequest, Customer, Member, Pool


def expiry_hours(session: Session) -> dict[int, int]:
    """Each pool's ``request_expiry_hours``."""
    rows = session.execute(select(col(Pool.id), col(Pool.request_expiry_hours)))
    return {int(pid or 0): hours for pid, hours in rows}


@dataclass(frozen=True, slots=True)
class PendingRequest:
    request_id: int
    customer_id: int
    customer_name: str
    member_id: int
    member_name: str
    team_id: int
    pool_id: int
    created_at: datetime


def expirable(
    session: Session, cutoffs: dict[int, datetime], *, after_id: int, limit: int
) -> list[PendingRequest]:
    """Pending requests made at or before their pool's cutoff (``now - request_expiry_hours``), by
    id above ``after_id`` (keyset paging)."""
    if not cutoffs:
        return []
    per_pool: list[ColumnElement[bool]] = [
        and_(col(Customer.pool_id) == pool_id, col(ClaimRequest.created_at) <= cutoff)
        for pool_id, cutoff in sorted(cutoffs.items())
    ]
    rows = session.execute(
        select(
            col(ClaimRequest.id),
            col(ClaimRequest.customer_id),
            col(Customer.name),
            col(ClaimRequest.member_id),
            col(Member.name),
            col(Member.team_id),
            col(Customer.pool_id),
            col(ClaimRequest.created_at),
        )
        .join(Customer, col(Customer.id) == col(ClaimRequest.customer_id))
        .join(Member, col(Member.id) == col(ClaimRequest.member_id))
        .where(
            col(ClaimRequest.status) == "pending",
            col(ClaimRequest.kind) == "claim",  # a registration waits for a manager
            col(ClaimRequest.id) > after_id,
            or_(*per_pool),
        )
        .order_by(col(ClaimRequest.id))
        .limit(limit)
    )
    return [
        PendingRequest(int(rid or 0), cid, cname, mid, mname, team_id, pool_id, created)
        for rid, cid, cname, mid, mname, team_id, pool_id, created in rows
    ]


def mark_expired(session: Session, request_ids: Sequence[int], now: datetime) -> set[int]:
    """Expire the listed requests that are still pending; returns the ids that changed (a request a
    manager decided meanwhile keeps that decision and is not among them)."""
    if not request_ids:
        return set()
    result = session.execute(
        update(ClaimRequest)
        .where(col(ClaimRequest.id).in_(request_ids), col(ClaimRequest.status) == "pending")
        .values(status="expired", decided_at=now)
        .returning(col(ClaimRequest.id))
        .execution_options(synchronize_session=False)
    )
    return {int(rid or 0) for rid in result.scalars()}


def clear_pending(session: Session, pairs: Sequence[tuple[int, int]]) -> int:
    """Put each (customer, member) back in the pool if that member's request still marks it."""
    if not pairs:
        return 0
    result = session.execute(
        update(Customer)
        .where(
            col(Customer.id).in_([cid for cid, _ in pairs]),
            tuple_(col(Customer.id), col(Customer.pending_member_id)).in_(pairs),
        )
        .values(pending_member_id=None)
        .returning(col(Customer.id))
        .execution_options(synchronize_session=False)
    )
    return len(result.all())
