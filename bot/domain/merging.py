"""A manager merges two records of one customer (``/merge #a #b``): #a remains.

In one transaction: #a keeps its fields and takes from #b what it lacks (contact, phone, e-mail,
credit code, industry, region, size); it keeps its owner, or takes #b's when it has none; the
follow-ups, ownership history and requests of #b become #a's; #b is deleted and a
``customer_merge`` row makes its id answer "merged into #a" wherever it is typed. The merge is an
event on #a, and #b's owner, if another rep's book changes, is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.domain import notices
from bot.domain.context import Services, event_row, team_customer
from bot.domain.errors import Conflict, Forbidden, RuleViolation
from bot.domain.snapshots import MemberView
from bot.storage import events, merges, outbox
from bot.storage.models import Customer

FILLED = ("contact", "phone", "phone_key", "email", "credit_code", "industry", "region", "size")
OWNERSHIP = ("owner_id", "owned_since", "last_touch_at", "won_at", "locked", "stage")


@dataclass(frozen=True)
class Merged:
    kept_id: int
    kept_name: str
    merged_id: int
    merged_name: str
    owner_id: int | None


def merge(services: Services, *, manager: MemberView, keep_id: int, other_id: int) -> Merged:
    if not manager.is_manager:
        raise Forbidden("error.managers_only", command="merge")
    if keep_id == other_id:
        raise RuleViolation("merge_same", "reg.merge_itself", id=keep_id)
    now = services.clock.now()
    with services.db.write() as session:
        keep, _, _ = team_customer(session, keep_id, manager)
        other, _, _ = team_customer(session, other_id, manager)
        if (
            merges.pending_request_ids(session, [keep_id, other_id])
            or keep.pending_member_id
            or other.pending_member_id
        ):
            raise Conflict("reg.merge_pending", first=keep_id, second=other_id)
        if keep.credit_code and other.credit_code and keep.credit_code != other.credit_code:
            raise RuleViolation("credit_code", "reg.merge_two_credits", first=keep_id, second=other_id)
        values = _taken_over(keep, other)
        merges.update_customer(session, keep_id, values)
        merges.move_history(session, other_id, keep_id)
        if not merges.retire(
            session,
            merged_id=other_id,
            into_id=keep_id,
            team_id=manager.team.id,
            name=other.name,
            by=manager.id,
            now=now,
        ):
            raise Conflict("error.changed_meanwhile", customer=other.name)
        owner = other.owner_id if "owner_id" in values else keep.owner_id
        reason = f"#{other_id} {other.name}"
        events.add_events(session, [event_row(keep_id, "merged", owner, manager.id, now, reason=reason)])
        if other.owner_id is not None:
            _tell(session, other, keep, manager, owner, now)
        return Merged(keep_id, keep.name, other_id, other.name, owner)


def _taken_over(keep: Customer, other: Customer) -> dict[str, object]:
    """What #a takes from #b: the fields it lacks, and #b's ownership when #a has no owner."""
    values: dict[str, object] = {
        f: getattr(other, f) for f in FILLED if not getattr(keep, f) and getattr(other, f)
    }
    if keep.owner_id is None and other.owner_id is not None:
        values.update({f: getattr(other, f) for f in OWNERSHIP})
    return values


def _tell(
    session: Session, other: Customer, keep: Customer, manager: MemberView, owner: int | None, now: datetime
) -> None:
    """#b's owner hears where it went (and whether it is still theirs)."""
    assert other.owner_id is not None
    notice = notices.MERGED_AWAY.outgoing(
        notices.MergedAway(
            merged_id=int(other.id or 0),
            merged=other.name,
            into_id=int(keep.id or 0),
            into=keep.name,
            by=manager.name,
            kept=owner == other.owner_id,
        ),
        key=notices.MERGED_AWAY.key(int(other.id or 0), other.owner_id),
        team_id=manager.team.id,
        recipient_id=other.owner_id,
    )
    outbox.enqueue_many(session, [notice], now=now)
