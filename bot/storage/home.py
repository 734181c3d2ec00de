"""The SQL of a member's home page: the team's pending requests and today's figures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from bot.storage.models import ClaimRequest, Customer, FollowUp, Member, OwnershipEvent


def pending_request_ids(session: Session, team_id: int, limit: int) -> list[int]:
    """The team's oldest pending claim requests first (the ones closest to expiring)."""
    return list(
        session.execute(
            select(col(ClaimRequest.id))
            .join(Member, col(Member.id) == col(ClaimRequest.member_id))
            .where(col(Member.team_id) == team_id, col(ClaimRequest.status) == "pending")
            .order_by(col(ClaimRequest.created_at), col(ClaimRequest.id))
            .limit(limit)
        ).scalars()
    )


def pending_count(session: Session, team_id: int) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(ClaimRequest)
            .join(Member, col(Member.id) == col(ClaimRequest.member_id))
            .where(col(Member.team_id) == team_id, col(ClaimRequest.status) == "pending")
        ).scalar_one()
    )


def held_in_team(session: Session, team_id: int) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(Customer)
            .join(Member, col(Member.id) == col(Customer.owner_id))
            .where(col(Member.team_id) == team_id)
        ).scalar_one()
    )


def events_between(session: Session, team_id: int, start: datetime, end: datetime) -> dict[str, int]:
    """Ownership events of the team's members in [start, end), counted by kind."""
    rows = session.execute(
        select(col(OwnershipEvent.kind), func.count())
        .join(Member, col(Member.id) == col(OwnershipEvent.member_id))
        .where(col(Member.team_id) == team_id, col(OwnershipEvent.at) >= start, col(OwnershipEvent.at) < end)
        .group_by(col(OwnershipEvent.kind))
    ).all()
    return {kind: int(count) for kind, count in rows}


def follow_ups_between(session: Session, team_id: int, start: datetime, end: datetime) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(FollowUp)
            .join(Member, col(Member.id) == col(FollowUp.member_id))
            .where(col(Member.team_id) == team_id, col(FollowUp.at) >= start, col(FollowUp.at) < end)
        ).scalar_one()
    )
