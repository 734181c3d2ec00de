"""Queueing thousands of outbox rows in one statement (the morning reminders): the rows' payloads
are JSON text already, and the whole set travels as one JSON array the server unpacks, so the SQL
text is the same whatever the count and nothing is encoded or type-processed row by row. The
guard is :mod:`bot.storage.outbox`'s: the unique key, ON CONFLICT DO NOTHING."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Text, bindparam, cast, func, literal, select, true
from sqlmodel import Session, col

from bot.storage.models import Notification, UTCDateTime
from bot.storage.outbox import PENDING
from bot.storage.sql import insert_on_conflict


@dataclass(frozen=True, slots=True)
class Encoded:
    """An :class:`Outgoing` to a member or the team channel (no platform pin, no refresh) whose
    payload is JSON text already: the notice kind's serialiser wrote it, nothing re-encodes it."""

    key: str
    team_id: int
    recipient_id: int | None
    kind: str
    payload: str  # JSON text


# what :func:`enqueue_encoded` fills, in its SELECT's order
_ENCODED_COLUMNS = (
    "key",
    "team_id",
    "recipient_id",
    "to_team_channel",
    "kind",
    "payload",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
)


def enqueue_encoded(
    session: Session, items: Sequence[Encoded], *, now: datetime, deliver_from: datetime | None = None
) -> int:
    """:func:`enqueue_many` for thousands of rows: one ``INSERT ... SELECT`` over the whole set,
    passed as one JSON array (``json_array_elements`` / ``json_each``), the same SQL text
    whatever the count, on the connection (no ORM bulk step, no per-row type processing). Each key
    at most once (ON CONFLICT DO NOTHING), rows in the order given; returns how many are new."""
    if not items:
        return 0
    postgresql = session.get_bind().dialect.name == "postgresql"
    statement = _ENCODED.get(postgresql)
    if statement is None:
        statement = _ENCODED[postgresql] = _encoded_statement(session, postgresql)
    rows = [[i.key, i.team_id, i.recipient_id, i.kind, i.payload] for i in items]
    params = {"rows": json.dumps(rows, ensure_ascii=False), "next": deliver_from or now, "now": now}
    return len(session.connection().execute(statement, params).all())


_ENCODED: dict[bool, Any] = {}  # the statement, built once per dialect (key: PostgreSQL?)


def _encoded_statement(session: Session, postgresql: bool) -> Any:
    """The rows are one JSON array of ``[key, team, recipient, kind, payload text]``, unpacked by
    the server (in C; psycopg would dump arrays element by element)."""
    rows = bindparam("rows", type_=Text)
    elements = func.json_array_elements(cast(rows, JSON)) if postgresql else func.json_each(rows)
    each = elements.table_valued("value").alias("batch")
    key, team, recipient, kind, payload = (_json_item(postgresql, each.c.value, i) for i in range(5))
    if postgresql:  # ->> gives text: the columns' types back
        team, recipient, payload = cast(team, BigInteger), cast(recipient, BigInteger), cast(payload, JSON)
    values = select(
        key,
        team,
        recipient,
        recipient.is_(None),
        kind,
        payload,
        literal(PENDING),
        literal(0),
        bindparam("next", type_=UTCDateTime()),
        bindparam("now", type_=UTCDateTime()),
    ).where(true())  # SQLite: an INSERT ... SELECT with ON CONFLICT needs a WHERE to parse
    return (
        insert_on_conflict(session, Notification)
        .from_select(list(_ENCODED_COLUMNS), values)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(col(Notification.id))
    )


def _json_item(postgresql: bool, value: Any, index: int) -> Any:
    """Item ``index`` of the JSON array ``value`` (PostgreSQL: as text)."""
    return value.op("->>")(index) if postgresql else func.json_extract(value, f"$[{index}]")
