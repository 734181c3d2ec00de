"""Claim requests that no manager decided within their pool's ``request_expiry_hours`` expire.

A request made at T expires from T + request_expiry_hours on (an absolute duration: daylight
saving does not stretch it). Per batch, one transaction:

1. ``UPDATE claim_request SET status = 'expired' WHERE id IN (...) AND status = 'pending'``: a
   manager's decision that committed first keeps the request (it is not returned), and a decision
   that comes after finds it no longer pending and is told it was already decided;
2. the customer's ``pending_member_id`` is cleared only if it still names the requester;
3. an ownership event ``rejected`` with reason ``expired`` and no actor (the log replay treats it
   like a rejection);
4. the rep is told, keyed ``request_expired:{request}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain import chat
from bot.domain.claims import queue_card_refreshes
from bot.domain.context import Services, event_row
from bot.domain.notices import REQUEST_EXPIRED, RequestExpired
from bot.storage import events
from bot.storage import expiry as sql
from bot.storage import outbox as ob
from bot.storage.expiry import PendingRequest
from bot.storage.outbox import Outgoing

EVENT_KIND, EVENT_REASON = "rejected", "expired"
BATCH_SIZE = 500


@dataclass(frozen=True, slots=True)
class Expired:
    request: PendingRequest
    hours: int

    @property
    def key(self) -> str:
        return REQUEST_EXPIRED.key(self.request.request_id)


@dataclass(frozen=True)
class ExpiryReport:
    at: datetime
    dry_run: bool
    expired: tuple[Expired, ...]  # dry run: what would expire
    decided_meanwhile: tuple[int, ...] = ()  # request ids a manager decided before the update
    queued: int = 0

    def summary(self) -> dict[str, object]:
        """Counts for the job ledger and logs."""
        return {
            "dry_run": self.dry_run,
            "expired": len(self.expired),
            "decided_meanwhile": len(self.decided_meanwhile),
            "queued": self.queued,
        }

    def lines(self) -> list[str]:
        mode = " (dry run: nothing changed)" if self.dry_run else ""
        verb = "would expire" if self.dry_run else "expired"
        lines = [f"request expiry at {self.at.isoformat()}{mode}: {verb} {len(self.expired)} request(s)"]
        lines += [
            f"  #{e.request.request_id} {e.request.customer_name} for {e.request.member_name}, "
            f"requested {e.request.created_at.isoformat()} (limit {e.hours} h)"
            for e in self.expired
        ]
        if self.decided_meanwhile:
            ids = ", ".join(f"#{i}" for i in self.decided_meanwhile)
            lines.append(f"  decided by a manager meanwhile, left alone: {ids}")
        if not self.dry_run:
            lines.append(f"queued {self.queued} notice(s)")
        return lines


def expire_requests(
    services: Services, *, at: datetime | None = None, dry_run: bool = False, batch_size: int = BATCH_SIZE
) -> ExpiryReport:
    """Expire every claim request pending for at least its pool's ``request_expiry_hours`` as of
    ``at`` (default now). ``dry_run`` lists them and changes nothing.

    Also forgets the chat platforms' request ids older than any retry (``inbound_seen``), so that
    table stays small."""
    at = at or services.clock.now()
    if not dry_run:
        chat.forget_old_requests(services)
    with services.db.read() as session:
        hours = sql.expiry_hours(session)
    cutoffs = {pool_id: at - timedelta(hours=h) for pool_id, h in hours.items()}
    expired: list[Expired] = []
    lost: list[int] = []
    queued = 0
    after = 0
    while True:
        with services.db.read() as session:
            batch = sql.expirable(session, cutoffs, after_id=after, limit=batch_size)
        found = [Expired(r, hours[r.pool_id]) for r in batch]
        if dry_run:
            expired += found
        elif found:
            done, count = apply_batch(services, found, at)
            expired += done
            changed = {e.request.request_id for e in done}
            lost += [e.request.request_id for e in found if e.request.request_id not in changed]
            queued += count
        if len(batch) < batch_size:
            break
        after = batch[-1].request_id
    return ExpiryReport(at, dry_run, tuple(expired), tuple(lost), queued)


def apply_batch(services: Services, batch: list[Expired], at: datetime) -> tuple[list[Expired], int]:
    """One transaction: expire what is still pending, free its customers, log it, tell the reps."""
    now = services.clock.now()
    with services.db.write() as session:
        changed = sql.mark_expired(session, [e.request.request_id for e in batch], at)
        done = [e for e in batch if e.request.request_id in changed]
        if not done:
            return [], 0
        sql.clear_pending(session, [(e.request.customer_id, e.request.member_id) for e in done])
        events.add_events(
            session,
            [
                event_row(
                    e.request.customer_id,
                    EVENT_KIND,
                    e.request.member_id,
                    None,
                    at,
                    reason=EVENT_REASON,
                    request_id=e.request.request_id,
                )
                for e in done
            ],
        )
        queued = ob.enqueue_many(session, [_notice(e) for e in done], now=now)
        for e in done:
            queued += queue_card_refreshes(session, e.request.request_id, now)
    return done, queued


def _notice(expired: Expired) -> Outgoing:
    request = expired.request
    told = RequestExpired(request.request_id, request.customer_id, request.customer_name, expired.hours)
    return REQUEST_EXPIRED.outgoing(
        told, key=expired.key, team_id=request.team_id, recipient_id=request.member_id
    )
