"""The SQL of the chat surfaces' bookkeeping: inbound requests already acted on, and the numbered
choices offered to each chat identity."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col

from bot.storage.models import ChatChoice, InboundSeen
from bot.storage.sql import insert_on_conflict, rowcount


def mark_seen(session: Session, platform: str, key: str, now: datetime) -> bool:
    """Record an inbound request; False when it was recorded before (a retry or redelivery)."""
    statement = (
        insert_on_conflict(session, InboundSeen)
        .values(platform=platform, key=key, received_at=now)
        .on_conflict_do_nothing(index_elements=["platform", "key"])
        .returning(col(InboundSeen.id))
    )
    # RETURNING, not rowcount: psycopg reports no row count for INSERT ... ON CONFLICT
    return session.execute(statement).first() is not None


def unmark_seen(session: Session, platform: str, key: str) -> None:
    """Forget one request key: the request did nothing, so the same request may act later."""
    seen = delete(InboundSeen).where(col(InboundSeen.platform) == platform, col(InboundSeen.key) == key)
    session.execute(seen)


def forget_seen_before(session: Session, cutoff: datetime) -> int:
    """Drop records older than any retry a platform still makes."""
    return rowcount(session.execute(delete(InboundSeen).where(col(InboundSeen.received_at) < cutoff)))


def save_choices(session: Session, platform: str, user_id: str, commands: list[str], now: datetime) -> None:
    statement = insert_on_conflict(session, ChatChoice).values(
        platform=platform, user_id=user_id, commands=commands, offered_at=now
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["platform", "user_id"],
            set_={"commands": statement.excluded.commands, "offered_at": statement.excluded.offered_at},
        )
    )


def take_choices(session: Session, platform: str, user_id: str) -> tuple[list[str], datetime] | None:
    """The choices last offered to the identity, removed: a number answers them once."""
    # one statement: of two answers racing, only one gets the choices
    row = session.execute(
        delete(ChatChoice)
        .where(col(ChatChoice.platform) == platform, col(ChatChoice.user_id) == user_id)
        .returning(col(ChatChoice.commands), col(ChatChoice.offered_at))
    ).first()
    if row is None:
        return None
    return list(row[0]), row[1]
