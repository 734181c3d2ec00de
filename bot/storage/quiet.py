"""The SQL of quiet hours: a member's windows, who a notification is for, and holding a due
notification until a later instant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session, col

from bot.storage.models import Member, Notification, Team
from bot.storage.outbox import PENDING, SENDING
from bot.storage.sql import rowcount


@dataclass(frozen=True)
class Recipient:
    """What deciding whether a notification waits needs to know of its recipient."""

    is_manager: bool
    quiet_hours: str | None
    quiet_hours_own: str | None
    timezone: str
    claim_cards_ignore_quiet_hours: bool


def windows(session: Session, member_id: int) -> tuple[str | None, str | None]:
    """(the config file's window, the member's own setting) of ``member_id``."""
    row = session.execute(
        select(col(Member.quiet_hours), col(Member.quiet_hours_own)).where(col(Member.id) == member_id)
    ).one()
    return row[0], row[1]


def set_own(session: Session, member_id: int, value: str) -> None:
    session.execute(update(Member).where(col(Member.id) == member_id).values(quiet_hours_own=value))


def recipient(session: Session, member_id: int) -> Recipient | None:
    row = session.execute(
        select(
            col(Member.role),
            col(Member.quiet_hours),
            col(Member.quiet_hours_own),
            col(Team.timezone),
            col(Team.claim_cards_ignore_quiet_hours),
        )
        .join(Team, col(Team.id) == col(Member.team_id))
        .where(col(Member.id) == member_id)
    ).one_or_none()
    if row is None:
        return None
    role, config_window, own, timezone, exempt = row
    return Recipient(role in ("manager", "admin"), config_window, own, timezone, bool(exempt))


def hold(session: Session, notification_id: int, until: datetime, now: datetime) -> bool:
    """Let a due notification wait until ``until`` (pending, its attempts untouched); False when
    it is no longer due (another dispatcher took it)."""
    result = session.execute(
        update(Notification)
        .where(
            col(Notification.id) == notification_id,
            col(Notification.status).in_((PENDING, SENDING)),
            col(Notification.next_attempt_at) <= now,
        )
        .values(status=PENDING, next_attempt_at=until)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1
