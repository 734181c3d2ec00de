"""The SQL of the ownership-event log: writing events, a customer's history, and which events the
claim rules count (the counts themselves are in :mod:`bot.storage.claiming`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, func, insert, literal, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, col

from bot.storage.models import OwnershipEvent, UTCDateTime

CLAIM_EVENT_KINDS = ("claimed", "claim_requested")


def starts_cooldown() -> Any:
    """The events that start a member's reclaim cooldown on a customer: a recycle from them, or
    their own release (a manager's release of their customer does not)."""
    kind, actor, member = (
        col(OwnershipEvent.kind),
        col(OwnershipEvent.actor_id),
        col(OwnershipEvent.member_id),
    )
    return or_(kind == "recycled", and_(kind == "released", actor == member))


def add_events(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(OwnershipEvent), rows)


# One event of one kind for each customer of an array: the server makes the rows (an import's
# 2,000 'imported' events a batch), so none is formatted, sent and parsed one by one.
_SAME_EVENT_PG = insert(OwnershipEvent).from_select(
    ["customer_id", "kind", "actor_id", "at", "reason"],
    select(
        func.unnest(bindparam("ids", type_=ARRAY(Integer))),
        bindparam("kind", type_=String),
        bindparam("actor", type_=Integer),
        bindparam("at", type_=UTCDateTime()),
        literal(""),
    ),
)


def add_same_event(
    session: Session, customer_ids: Sequence[int], kind: str, at: datetime, actor_id: int | None = None
) -> None:
    """The event ``kind`` (no member, no reason) for each of ``customer_ids``, by ``actor_id``."""
    if not customer_ids:
        return
    if session.get_bind().dialect.name == "postgresql":
        values = {"ids": list(customer_ids), "kind": kind, "actor": actor_id, "at": at}
        session.connection().execute(_SAME_EVENT_PG, values)  # Core: not an ORM bulk insert
        return
    row = {"kind": kind, "actor_id": actor_id, "at": at, "reason": ""}
    session.execute(insert(OwnershipEvent), [{"customer_id": cid, **row} for cid in customer_ids])


def events_of(session: Session, customer_id: int, limit: int) -> Sequence[OwnershipEvent]:
    return (
        session.execute(
            select(OwnershipEvent)
            .where(col(OwnershipEvent.customer_id) == customer_id)
            .order_by(col(OwnershipEvent.at).desc(), col(OwnershipEvent.id).desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )
