"""The SQL of follow-ups: recording one, a customer's latest, and each customer's next date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from bot.storage.models import FollowUp


def add_follow_up(
    session: Session,
    *,
    customer_id: int,
    member_id: int,
    kind: str,
    note: str,
    next_date: date | None,
    at: datetime,
    permalink: str | None = None,
) -> None:
    session.add(
        FollowUp(
            customer_id=customer_id,
            member_id=member_id,
            kind=kind,
            note=note,
            next_date=next_date,
            at=at,
            permalink=permalink,
        )
    )
    session.flush()


def follow_ups_of(session: Session, customer_id: int, limit: int) -> Sequence[FollowUp]:
    return (
        session.execute(
            select(FollowUp)
            .where(col(FollowUp.customer_id) == customer_id)
            .order_by(col(FollowUp.at).desc(), col(FollowUp.id).desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )


def latest_next_dates(session: Session, customer_ids: Sequence[int]) -> dict[int, date | None]:
    """Each customer's next follow-up date, from its most recent follow-up."""
    if not customer_ids:
        return {}
    latest = (
        select(col(FollowUp.customer_id), func.max(col(FollowUp.id)).label("fid"))
        .where(col(FollowUp.customer_id).in_(customer_ids))
        .group_by(col(FollowUp.customer_id))
        .subquery()
    )
    rows = session.execute(
        select(col(FollowUp.customer_id), col(FollowUp.next_date)).join(
            latest, col(FollowUp.id) == latest.c.fid
        )
    ).all()
    return {row[0]: row[1] for row in rows}
