"""The SQL of the outbox: queueing notifications (:func:`enqueue_many`, one per cause), the
console's reads, and the dispatcher's: find the next due notification, lease it, settle it.

A notification goes to the first platform, in the dispatcher's order of preference, that has both
a registered deliverer and an address for it: the recipient's platform id, or for a team-channel
notification the team's channel. That choice is one CASE expression (:func:`_route`), used both to
filter the rows a pass may take and to tell the dispatcher where each goes, so the two never
disagree. Rows with no route (members with no push platform: the console pulls those) are never
selected and stay ``pending``.

Leases: taking a row sets ``status = 'sending'`` and ``next_attempt_at`` to the lease's expiry,
and counts the attempt. A ``sending`` row whose lease has expired is due again (its dispatcher
died). The expiry also fences the result: :func:`settle` changes the row only while it still
carries that exact expiry, so a dispatcher whose lease was taken over cannot overwrite the newer
attempt's outcome.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, update
from sqlmodel import Session, col

from bot.storage.models import Member, Notification, Team
from bot.storage.sql import chunks, insert_on_conflict, rowcount

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
LAST_ERROR_LENGTH = 1000  # Notification.last_error

# platform -> (the member's id on it, the team's channel on it)
ADDRESS_COLUMNS: dict[str, tuple[Any, Any]] = {
    "slack": (col(Member.slack_id), col(Team.slack_channel)),
    "dingtalk": (col(Member.dingtalk_id), col(Team.dingtalk_conversation)),
}


@dataclass(frozen=True, slots=True)
class DueRow:
    id: int
    key: str
    team_id: int
    recipient_id: int | None
    to_team_channel: bool
    kind: str
    payload: dict[str, Any]
    attempts: int
    locale: str
    platform: str
    address: str
    refreshes_id: int | None = None


@dataclass(frozen=True, slots=True)
class Original:
    """The notification whose delivered message a refresh updates."""

    status: str
    message_ref: dict[str, str] | None


def _address(platform: str) -> ColumnElement[Any]:
    member_id, team_channel = ADDRESS_COLUMNS[platform]
    return case((col(Notification.to_team_channel), team_channel), else_=member_id)


def _reachable(platform: str) -> ColumnElement[bool]:
    """The row has an address on ``platform`` and is not pinned to another platform."""
    pinned = col(Notification.platform)
    return and_(_address(platform).is_not(None), or_(pinned.is_(None), pinned == platform))


def _route(routes: Sequence[str]) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """(platform, address) of a notification: the first of ``routes`` it can go to."""
    whens = [(_reachable(p), literal(p)) for p in routes]
    addresses = [(_reachable(p), _address(p)) for p in routes]
    return case(*whens, else_=None), case(*addresses, else_=None)


def _due(now: datetime) -> ColumnElement[bool]:
    """Pending and due, or being sent under a lease that has expired."""
    return and_(
        col(Notification.status).in_((PENDING, SENDING)),
        col(Notification.next_attempt_at) <= now,
    )


def next_due(
    session: Session, routes: Sequence[str], open_platforms: Collection[str], now: datetime
) -> DueRow | None:
    """The oldest due notification routed to one of ``open_platforms``. On PostgreSQL its row is
    locked ``FOR UPDATE SKIP LOCKED``: a concurrent dispatcher skips it and takes the next one
    (SQLite drops the clause; there the write transaction's lock serialises dispatchers)."""
    rows = due_rows(session, routes, open_platforms, now, limit=1)
    return rows[0] if rows else None


def due_rows(
    session: Session,
    routes: Sequence[str],
    open_platforms: Collection[str],
    now: datetime,
    *,
    limit: int,
    new_messages_only: bool = False,
) -> list[DueRow]:
    """Up to ``limit`` due notifications routed to ``open_platforms``, oldest first, locked like
    :func:`next_due`. ``new_messages_only`` leaves out refresh rows (updates in place), which a
    batch cannot carry."""
    if not routes or not open_platforms or limit < 1:
        return []
    platform, address = _route(routes)
    where = [_due(now), platform.in_(list(open_platforms))]
    if new_messages_only:
        where.append(col(Notification.refreshes_id).is_(None))
    rows = session.execute(
        select(
            col(Notification.id),
            col(Notification.key),
            col(Notification.team_id),
            col(Notification.recipient_id),
            col(Notification.to_team_channel),
            col(Notification.kind),
            col(Notification.payload),
            col(Notification.attempts),
            col(Team.locale),
            platform,
            address,
            col(Notification.refreshes_id),
        )
        .join(Team, col(Team.id) == col(Notification.team_id))
        .outerjoin(Member, col(Member.id) == col(Notification.recipient_id))
        .where(*where)
        .order_by(col(Notification.id))
        .limit(limit)
        .with_for_update(of=Notification, skip_locked=True)
    ).all()
    return [_due_row(row) for row in rows]


def _due_row(row: Any) -> DueRow:
    nid, key, team_id, recipient, to_team, kind, payload, attempts, locale, route, target, refreshes = row
    return DueRow(
        nid,
        key,
        team_id,
        recipient,
        bool(to_team),
        kind,
        dict(payload),
        attempts,
        locale,
        str(route),
        str(target),
        refreshes,
    )


def original(session: Session, notification_id: int) -> Original | None:
    row = session.get(Notification, notification_id)
    return Original(row.status, dict(row.message_ref) if row.message_ref else None) if row else None


def take(session: Session, notification_id: int, now: datetime, lease_until: datetime) -> bool:
    """Lease the row until ``lease_until`` and count the attempt, if it is still due (race-free:
    of two takers, the conditional UPDATE lets exactly one through)."""
    result = session.execute(
        update(Notification)
        .where(col(Notification.id) == notification_id, _due(now))
        .values(status=SENDING, next_attempt_at=lease_until, attempts=col(Notification.attempts) + 1)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def keep_ref(session: Session, notification_id: int, message_ref: dict[str, str]) -> None:
    """Where part of a notification already landed, kept before it is sent (a retry reuses it)."""
    session.execute(
        update(Notification).where(col(Notification.id) == notification_id).values(message_ref=message_ref)
    )


def settle(
    session: Session,
    notification_id: int,
    lease_until: datetime,
    *,
    status: str,
    next_attempt_at: datetime,
    sent_at: datetime | None = None,
    error: str | None = None,
    give_back_attempt: bool = False,
    message_ref: dict[str, str] | None = None,
) -> bool:
    """Record an attempt's outcome; False when the lease is no longer ours (it expired and another
    dispatcher took the row), in which case nothing changes."""
    values: dict[str, Any] = {
        "status": status,
        "next_attempt_at": next_attempt_at,
        "sent_at": sent_at,
        "last_error": error[:LAST_ERROR_LENGTH] if error is not None else None,
    }
    if give_back_attempt:
        values["attempts"] = col(Notification.attempts) - 1
    if message_ref is not None:
        values["message_ref"] = message_ref
    result = session.execute(
        update(Notification)
        .where(
            col(Notification.id) == notification_id,
            col(Notification.status) == SENDING,
            col(Notification.next_attempt_at) == lease_until,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def counts_by_status(session: Session) -> dict[str, int]:
    """How many notifications are in each status (for status pages and tests)."""
    rows = session.execute(
        select(col(Notification.status), func.count()).group_by(col(Notification.status))
    ).all()
    return {status: int(count) for status, count in rows}


# ---- queueing many at once (the scheduled jobs) ---------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """One notification to queue: a unique key per cause, a recipient (None: the team channel,
    on ``platform`` only when set), and the row it updates in place (``refreshes_id``), if any."""

    key: str
    team_id: int
    recipient_id: int | None
    kind: str
    params: dict[str, Any]
    platform: str | None = None
    refreshes_id: int | None = None


def enqueue_many(
    session: Session, items: Sequence[Outgoing], *, now: datetime, deliver_from: datetime | None = None
) -> int:
    """Queue ``items``, each at most once per key (ON CONFLICT DO NOTHING); returns how many are
    new (counted from RETURNING: through SQLAlchemy, a multi-row insert on psycopg reports rowcount
    -1). ``deliver_from`` later than ``now`` holds them back from the dispatcher until then."""
    rows = [
        {
            "key": item.key,
            "team_id": item.team_id,
            "recipient_id": item.recipient_id,
            "to_team_channel": item.recipient_id is None,
            "kind": item.kind,
            "payload": item.params,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": deliver_from or now,
            "created_at": now,
            "platform": item.platform,
            "refreshes_id": item.refreshes_id,
        }
        for item in items
    ]
    if not rows:
        return 0
    statement = (
        insert_on_conflict(session, Notification)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(col(Notification.id))
    )
    # executemany with RETURNING: SQLAlchemy batches it into multi-row VALUES ("insertmanyvalues")
    return len(session.execute(statement, rows).all())


def release_held(session: Session, keys: Sequence[str], now: datetime) -> int:
    """Make held notifications deliverable now (they were queued with a later ``next_attempt_at``)."""
    released = 0
    for chunk in chunks(keys):
        result = session.execute(
            update(Notification)
            .where(
                col(Notification.key).in_(chunk),
                col(Notification.status) == PENDING,
                col(Notification.next_attempt_at) > now,
            )
            .values(next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        released += rowcount(result)
    return released


def add_to_payloads(session: Session, keys: Sequence[str], values: dict[str, object]) -> None:
    """Add ``values`` to the payloads of the undelivered notifications of ``keys`` (what their
    cause learnt only after they were queued: the end of a recycle run)."""
    for chunk in chunks(keys):
        rows = session.execute(
            select(col(Notification.id), col(Notification.payload)).where(
                col(Notification.key).in_(chunk), col(Notification.status) == PENDING
            )
        ).all()
        for notification_id, payload in rows:
            session.execute(
                update(Notification)
                .where(col(Notification.id) == notification_id)
                .values(payload={**payload, **values})
                .execution_options(synchronize_session=False)
            )


def existing_keys(session: Session, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` are in the outbox already (sent or not): those causes were dealt with."""
    found: set[str] = set()
    for chunk in chunks(keys):
        found.update(
            session.execute(select(col(Notification.key)).where(col(Notification.key).in_(chunk))).scalars()
        )
    return found


# ---- claim cards to update, and the console's reads -------------------------------------------------


def cards_to_refresh(session: Session, key_prefix: str) -> Sequence[Notification]:
    """The claim cards of a request (their keys start with ``key_prefix``) that a platform holds,
    or is being handed right now: those a decision must update in place. Cards still pending
    render the decision when they go out.

    Every card row of the request is locked first (PostgreSQL): a dispatcher about to lease one
    skips it until this decision commits, and then renders the decided card, so no card can slip
    out with live buttons between this read and the commit."""
    cards = (
        session.execute(
            select(Notification)
            .where(col(Notification.key).startswith(key_prefix, autoescape=True))
            .order_by(col(Notification.id))
            .with_for_update()
        )
        .scalars()
        .all()
    )
    return [c for c in cards if c.status == SENDING or (c.status == SENT and c.message_ref)]


def notifications_for(session: Session, member_id: int, after_id: int) -> Sequence[Notification]:
    return (
        session.execute(
            select(Notification)
            .where(col(Notification.recipient_id) == member_id, col(Notification.id) > after_id)
            .order_by(col(Notification.id))
        )
        .scalars()
        .all()
    )


def mark_sent(session: Session, notification_ids: Sequence[int], now: datetime) -> None:
    """Mark rows the console showed; only pending ones, so a dispatcher's lease is never overridden."""
    if notification_ids:
        session.execute(
            update(Notification)
            .where(col(Notification.id).in_(notification_ids), col(Notification.status) == PENDING)
            .values(status=SENT, sent_at=now)
        )


def mark_failed(session: Session, notification_id: int, now: datetime, error: str) -> bool:
    """Fail a pending row for good (the console could not render it); False if it was not pending."""
    result = session.execute(
        update(Notification)
        .where(col(Notification.id) == notification_id, col(Notification.status) == PENDING)
        .values(status=FAILED, next_attempt_at=now, last_error=error[:LAST_ERROR_LENGTH])
    )
    return rowcount(result) == 1
