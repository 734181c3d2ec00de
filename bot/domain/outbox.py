"""Reading the outbox for delivery. Rows are written by the use cases, in their transactions."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.domain import quiet
from bot.domain.context import Services
from bot.domain.notice_kind import NoticeError
from bot.domain.notices import CLAIM_REQUEST
from bot.storage import members
from bot.storage import outbox as ob
from bot.storage import quiet as quiet_sql

log = logging.getLogger("poolbot.outbox")


@dataclass(frozen=True)
class OutboxItem:
    id: int
    kind: str
    params: dict[str, Any]
    recipient_id: int | None
    # set on a row that updates the message delivered for another row (a decided claim card)
    refreshes_id: int | None = None


def undelivered_for(services: Services, *, member_id: int) -> list[OutboxItem]:
    with services.db.read() as session:
        rows = ob.notifications_for(session, member_id, after_id=0)
        return [
            OutboxItem(int(r.id or 0), r.kind, dict(r.payload), r.recipient_id, r.refreshes_id)
            for r in rows
            if r.status == "pending"
        ]


def mark_delivered(services: Services, *, ids: list[int]) -> None:
    with services.db.write() as session:
        ob.mark_sent(session, ids, services.clock.now())


def mark_failed(services: Services, *, notification_id: int, error: str) -> None:
    """A pending row the console cannot show (no renderer for its kind, or params that do not
    fit): it stays, ``failed``, with the error, as the dispatcher leaves such a row."""
    with services.db.write() as session:
        ob.mark_failed(session, notification_id, services.clock.now(), error)


# ---- delivery by the dispatcher (bot.scheduler.dispatch) ------------------------------------------


@dataclass(frozen=True)
class Lease:
    """A notification taken for one delivery attempt, until ``until``; where it goes and in which
    language. ``attempts`` counts this attempt."""

    item: OutboxItem
    key: str
    team_id: int
    to_team_channel: bool
    platform: str
    address: str
    locale: str
    attempts: int
    until: datetime


# a lost race on SQLite or PostgreSQL only repeats the search; this bounds it all the same
_TAKE_TRIES = 10
# rows put off to the end of their recipients' quiet hours while looking for one to send
_HOLDS_PER_TAKE = 1000


def lease_next(
    services: Services,
    *,
    routes: Sequence[str],
    open_platforms: Collection[str],
    now: datetime,
    lease_for: timedelta,
) -> Lease | None:
    """Take the oldest due notification routed to one of ``open_platforms`` (``routes``: the
    registered platforms, most preferred first) in one short transaction; None when none is due."""
    until = now + lease_for
    with services.db.write() as session:
        lost = held = 0
        while lost < _TAKE_TRIES and held < _HOLDS_PER_TAKE:
            row = ob.next_due(session, routes, open_platforms, now)
            if row is None:
                return None
            if _held_for_quiet(session, row, now):
                held += 1
            elif ob.take(session, row.id, now, until):
                return _lease(row, until)
            else:
                lost += 1
    return None


def _held_for_quiet(session: Session, row: ob.DueRow, now: datetime) -> bool:
    """A row due inside its recipient's quiet hours waits for their end (the same row: a held
    notice is still delivered exactly once, when the window closes)."""
    if row.recipient_id is None:
        return False
    until = quiet.hold_until(quiet_sql.recipient(session, row.recipient_id), kind=row.kind, at=now)
    return until is not None and quiet_sql.hold(session, row.id, until, now)


def lease_more(
    services: Services,
    *,
    routes: Sequence[str],
    platform: str,
    now: datetime,
    lease_for: timedelta,
    limit: int,
) -> list[Lease]:
    """Take up to ``limit`` more due notifications for ``platform`` at once, for a deliverer that
    sends several in one call (DingTalk's batchSend). Refresh rows are left for one-at-a-time
    delivery; rows another dispatcher took in between are skipped."""
    until = now + lease_for
    with services.db.write() as session:
        rows = ob.due_rows(session, routes, [platform], now, limit=limit, new_messages_only=True)
        awake = [row for row in rows if not _held_for_quiet(session, row, now)]
        return [_lease(row, until) for row in awake if ob.take(session, row.id, now, until)]


def _lease(row: ob.DueRow, until: datetime) -> Lease:
    item = OutboxItem(row.id, row.kind, row.payload, row.recipient_id, row.refreshes_id)
    return Lease(
        item,
        row.key,
        row.team_id,
        row.to_team_channel,
        row.platform,
        row.address,
        row.locale,
        row.attempts + 1,
        until,
    )


def settle_sent(
    services: Services, lease: Lease, *, now: datetime, message_ref: dict[str, str] | None = None
) -> bool:
    """The platform accepted it (and put it at ``message_ref``, when it says where). False when
    the lease had been taken over (nothing changed)."""
    with services.db.write() as session:
        return ob.settle(
            session,
            lease.item.id,
            lease.until,
            status=ob.SENT,
            next_attempt_at=now,
            sent_at=now,
            message_ref=message_ref,
        )


def partly_delivered(services: Services, *, notification_id: int) -> dict[str, str]:
    """What an earlier attempt at this notification already put on the platform (a chart
    uploaded before its message failed), as :func:`keep_partial` kept it."""
    found = original(services, notification_id=notification_id)
    return dict(found.message_ref) if found and found.message_ref else {}


def keep_partial(services: Services, *, notification_id: int, message_ref: dict[str, str]) -> None:
    """Remember what this attempt put on the platform, so a retry does not do it again."""
    with services.db.write() as session:
        ob.keep_ref(session, notification_id, message_ref)


def original(services: Services, *, notification_id: int) -> ob.Original | None:
    """The status and message reference of the row a refresh updates."""
    with services.db.read() as session:
        return ob.original(session, notification_id)


def settle_retry(
    services: Services, lease: Lease, *, when: datetime, error: str, counts: bool = True
) -> bool:
    """Try again from ``when``. With ``counts`` False the attempt is given back (the platform asked
    to wait, which says nothing against the notification)."""
    with services.db.write() as session:
        return ob.settle(
            session,
            lease.item.id,
            lease.until,
            status=ob.PENDING,
            next_attempt_at=when,
            error=error,
            give_back_attempt=not counts,
        )


def settle_failed(services: Services, lease: Lease, *, now: datetime, error: str) -> bool:
    """Give up: the row stays, ``failed``, with the error (never deleted).

    A claim card the team's channel refused (the bot was never invited, the channel is gone) is
    queued to the DMs of the managers on that platform instead, in the same transaction: a claim
    must not wait unseen because of a channel setting."""
    with services.db.write() as session:
        settled = ob.settle(
            session, lease.item.id, lease.until, status=ob.FAILED, next_attempt_at=now, error=error
        )
        if settled and lease.to_team_channel and lease.item.kind == CLAIM_REQUEST.name:
            _card_to_managers_instead(session, lease, now)
        return settled


def _card_to_managers_instead(session: Session, lease: Lease, now: datetime) -> None:
    try:
        ref = CLAIM_REQUEST.read(lease.item.params)
    except NoticeError:  # it failed for its params, not for the channel: no DM would render either
        return
    managers = [
        mid for mid, route in members.manager_routes(session, lease.team_id) if route == lease.platform
    ]
    cards = [
        CLAIM_REQUEST.outgoing(
            ref, key=CLAIM_REQUEST.key(ref.request_id, mid), team_id=lease.team_id, recipient_id=mid
        )
        for mid in managers
    ]
    ob.enqueue_many(session, cards, now=now)
    log.warning(
        "team channel refused a claim card: sent to the managers' DMs instead",
        extra={"notification": lease.key, "platform": lease.platform, "managers": len(managers)},
    )


def counts(services: Services) -> dict[str, int]:
    """How many notifications are pending, sending, sent and failed."""
    with services.db.read() as session:
        return ob.counts_by_status(session)
