"""The SQL of the chat surfaces' bookkeeping: inbound requests already acted on, and the numbered
choices offered to each chat identity."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from bot.storage.models import ChatChoice, InboundSeen
from bot.storage.queries import rowcount


def _insert(session: Session, table: type[InboundSeen] | type[ChatChoice]) -> Any:
    """INSERT with the dialect's ON CONFLICT clauses."""
    builder = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return builder(table)


def mark_seen(session: Session, platform: str, key: str, now: datetime) -> bool:
    """Record an inbound request; False when it was recorded before (a retry or redelivery)."""
    statement = (
        _insert(session, InboundSeen)
        .values(platform=platform, key=key, received_at=now)
        .on_conflict_do_nothing(index_elements=["platform", "key"])
        .returning(col(InboundSeen.id))
    )
    # RETURNING, not rowcount: psycopg reports no row count for INSERT ... ON CONFLICT
    return session.execute(statement).first() is not None


def forget_seen_before(session: Session, cutoff: datetime) -> int:
    """Drop records older than any retry a platform still makes."""
    return rowcount(session.execute(delete(InboundSeen).where(col(InboundSeen.received_at) < cutoff)))


def save_choices(session: Session, platform: str, user_id: str, commands: list[str], now: datetime) -> None:
    statement = _insert(session, ChatChoice).values(
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
