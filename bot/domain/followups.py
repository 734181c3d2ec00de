"""Recording a follow-up: the owner's touch that resets the recycle clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.calendar import calendar_of
from bot.domain.clock import local_day
from bot.domain.context import Services, checked_text, team_customer
from bot.domain.errors import Conflict, Forbidden, RuleViolation
from bot.domain.snapshots import FOLLOW_UP_KINDS, Deadline, MemberView
from bot.storage import customers, members
from bot.storage import followups as store

MAX_NEXT_AHEAD = timedelta(days=366)  # a next step further out than a year is a typo (9999-12-31)
MAX_LINK = 500  # FollowUp.permalink


def _is_link(text: str) -> bool:
    return text.startswith("https://") and len(text) <= MAX_LINK and not any(c.isspace() for c in text)


@dataclass(frozen=True)
class FollowUpRecorded:
    customer_id: int
    customer_name: str
    next_date: date | None
    deadline: Deadline | None


def follow_up(
    services: Services,
    *,
    member: MemberView,
    customer_id: int,
    note: str,
    kind: str = "call",
    next_date: date | None = None,
    permalink: str | None = None,
) -> FollowUpRecorded:
    """``permalink``: the chat message the follow-up was logged from (kept, shown in the timeline)."""
    note = checked_text(note, "note")
    if permalink is not None and not _is_link(permalink):
        raise RuleViolation("permalink", "error.bad_link", link=permalink[:80], limit=MAX_LINK)
    if not note:
        raise RuleViolation("note_required", "error.note_required")
    if kind not in FOLLOW_UP_KINDS:
        raise RuleViolation("kind", "error.bad_kind", kind=kind, kinds=", ".join(FOLLOW_UP_KINDS))
    now = services.clock.now()
    with services.db.write() as session:
        row, rules, team = team_customer(session, customer_id, member)
        if row.owner_id != member.id:
            owner = (
                members.member_names(session, {row.owner_id}).get(row.owner_id, "") if row.owner_id else ""
            )
            raise Forbidden("error.followup_not_owner", customer=row.name, owner=owner)
        today = local_day(now, team.timezone)
        if next_date is not None and next_date < today:
            raise RuleViolation("next_date", "error.next_in_past", date=next_date, today=today)
        if next_date is not None and next_date > today + MAX_NEXT_AHEAD:
            raise RuleViolation(
                "next_date", "error.next_too_far", date=next_date.isoformat(), days=MAX_NEXT_AHEAD.days
            )
        assert row.id is not None
        # conditional: if a recycle took the customer meanwhile, nothing is recorded
        if not customers.touch(session, row.id, member.id, now):
            raise Conflict("error.changed_meanwhile", customer=row.name)
        store.add_follow_up(
            session,
            customer_id=row.id,
            member_id=member.id,
            kind=kind,
            note=note,
            next_date=next_date,
            at=now,
            permalink=permalink,
        )
        # the touch's UPDATE went through the session: ``row.last_touch_at`` is ``now`` already
        deadline = rules.deadline_of(row, calendar_of(team))
        return FollowUpRecorded(row.id, row.name, next_date, deadline)
