"""The SQL of a manager's home page: the team's claim requests waiting for a decision. (Its
figures for today are the team report's, :mod:`bot.storage.insight`.)"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from bot.storage.models import ClaimRequest, Member


def _pending_in_team(team_id: int) -> tuple[Any, ...]:
    return (col(Member.team_id) == team_id, col(ClaimRequest.status) == "pending")


def pending_request_ids(session: Session, team_id: int, limit: int) -> list[int]:
    """The team's oldest pending claim requests first (the ones closest to expiring)."""
    return list(
        session.execute(
            select(col(ClaimRequest.id))
            .join(Member, col(Member.id) == col(ClaimRequest.member_id))
            .where(*_pending_in_team(team_id))
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
            .where(*_pending_in_team(team_id))
        ).scalar_one()
    )
