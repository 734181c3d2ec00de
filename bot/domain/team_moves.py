"""A member the config moves to another team keeps nothing of the old team's that they can no
longer act on: who may act on a customer is decided by the team of its pool, so the old team's
managers must be able to see and hand over what the member still holds there.

Their pending requests for the old team's customers are cancelled (each told like any decision),
and the old team's managers get a notice listing the customers the member still owns there, with
the handover's buttons and commands. A member the config makes inactive while they still hold
customers gets their team's managers a handover card, once per going inactive.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.domain import notices
from bot.domain.claims import cancel_requests_in_team
from bot.domain.context import member_view
from bot.i18n import t
from bot.storage import customers, members, outbox, teams
from bot.storage import handover as handover_sql

LISTED = 20  # customers named in the managers' notice; the rest are counted


def settle_move(session: Session, *, handle: str, old_team_id: int, now: datetime) -> None:
    """Run in the transaction that moved the member ``handle`` away from ``old_team_id``."""
    found = members.member_by_identity(session, "handle", handle)
    old_team = teams.team(session, old_team_id)
    if found is None or old_team is None:
        return
    member = member_view(*found)
    reason = t(old_team.locale, "notify.move_cancelled", team=member.team.name)
    cancel_requests_in_team(
        session, member_id=member.id, team_id=old_team_id, new_team_id=member.team.id, reason=reason, now=now
    )
    book = customers.book_of(session, member.id, old_team_id)
    if not book:
        return
    moved = notices.MemberMoved(member.name, member.handle, member.team.name, len(book), tuple(book[:LISTED]))
    kind = notices.MEMBER_MOVED
    rows = [
        kind.outgoing(
            moved,
            key=kind.key(member.id, old_team_id, manager, now),
            team_id=old_team_id,
            recipient_id=manager,
        )
        for manager in members.manager_ids(session, old_team_id)
    ]
    outbox.enqueue_many(session, rows, now=now)


def settle_departure(session: Session, *, member_id: int, now: datetime) -> None:
    """Run in the transaction that made the member inactive: the team's managers get the handover
    card when the member still owns customers of the team's pools or waits on claims there."""
    found = members.member_and_team(session, member_id)
    if found is None:
        return
    member = member_view(*found)
    team_id = member.team.id
    pools = handover_sql.counts_per_pool(session, member_id, team_id)
    pending = handover_sql.pending_requests(session, member_id, team_id)
    if not pools and not pending:
        return
    due = notices.HandoverDue(
        member.name, member.handle, sum(count for _, count in pools), tuple(pools), len(pending)
    )
    kind = notices.HANDOVER_DUE
    rows = [
        kind.outgoing(due, key=kind.key(member_id, manager, now), team_id=team_id, recipient_id=manager)
        for manager in members.manager_ids(session, team_id)
    ]
    outbox.enqueue_many(session, rows, now=now)
