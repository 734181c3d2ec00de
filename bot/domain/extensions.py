"""One-tap extension (延期): the owner pushes a recycle deadline back by the pool's ``extend_days``,
at most ``extend_max`` times per ownership; beyond that the press asks the team's managers on a
card (approve / reject, the first decision wins). A manager's own Extend (the last-day digest's
button) extends at once, and approves the owner's request when one waits.

The extension is two columns of the customer (``extended_until`` and the ownership it is for),
so the recycle sweep keeps an extended customer with one more condition in its SQL, and a new
owner starts with no extension without anything being reset. Each extension is an ``extended``
event (the quota counts those of the current ownership) and is told to the owner when someone
else made it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.domain import notices
from bot.domain.calendar import calendar_of
from bot.domain.context import Services, checked_text, event_row, rules_for, team_customer
from bot.domain.errors import Conflict, Forbidden, NotFound, RuleViolation
from bot.domain.rules import PoolRules
from bot.domain.snapshots import Deadline, MemberView
from bot.i18n import t
from bot.storage import customers, events, members, outbox
from bot.storage import extensions as sql
from bot.storage.models import Customer, Team


@dataclass(frozen=True)
class Extended:
    """The deadline moved (``request_id`` is None), or a manager was asked (``deadline`` is the
    unchanged one)."""

    customer_id: int
    customer_name: str
    deadline: Deadline
    used: int  # extensions of this ownership, this one included
    allowed: int
    request_id: int | None = None
    owner_name: str = ""


@dataclass(frozen=True)
class Refused:
    request_id: int
    customer_id: int
    customer_name: str
    member_name: str


def extend(
    services: Services, *, member: MemberView, customer_id: int, request_id: int | None = None
) -> Extended:
    """The owner's (or a manager's) Extend on ``customer_id``; with ``request_id``, a manager's
    approval of that request (refused when someone decided it first)."""
    now = services.clock.now()
    with services.db.write() as session:
        row, rules, team = team_customer(session, customer_id, member)
        deadline, owner_id, since = _extendable(session, row, rules, team, member)
        used = sql.extensions_since(session, customer_id, since)
        pending = sql.pending_request(session, customer_id, since)
        if request_id is not None:
            _approve(session, member, row, request_id, now)
        elif member.is_manager and pending is not None and pending.id is not None:
            sql.decide(session, pending.id, sql.APPROVED, member.id, now)
        if member.is_manager or used < rules.extend_max:
            return _apply(session, row, rules, team, member, deadline, owner_id, used, now)
        if pending is not None:
            raise Conflict("error.extension_pending", customer=row.name, max=rules.extend_max)
        new_request = sql.add_request(session, customer_id, member.id, since, now)
        _ask_managers(session, team, new_request, now)
        return Extended(customer_id, row.name, deadline, used, rules.extend_max, new_request)


def _approve(session: Session, manager: MemberView, row: Customer, request_id: int, now: datetime) -> None:
    """Settle the request as approved, or refuse: not a manager, not this customer's, decided, or
    made in an ownership that has ended (it never extends the next owner)."""
    if not manager.is_manager:
        raise Forbidden("error.managers_only", command="extend")
    found = sql.request(session, request_id)
    if found is None or found.customer_id != row.id:
        raise NotFound("error.extension_unknown", request=request_id)
    if found.owned_since != row.owned_since:
        raise Conflict("error.extension_stale", request=request_id, customer=row.name)
    if not sql.decide(session, request_id, sql.APPROVED, manager.id, now):
        session.refresh(found)
        raise Conflict(
            "error.extension_decided",
            request=request_id,
            status=found.status,
            by=sql.decider_name(session, request_id),
        )


def _extendable(
    session: Session, row: Customer, rules: PoolRules, team: Team, member: MemberView
) -> tuple[Deadline, int, datetime]:
    """The customer's deadline, owner and ownership start, or the refusal of an Extend on it."""
    if row.owner_id is None or row.owned_since is None:
        raise Conflict("error.in_pool", customer=row.name)
    if row.owner_id != member.id and not member.is_manager:
        owner = members.member_names(session, {row.owner_id}).get(row.owner_id, "?")
        raise Forbidden("error.not_owner", customer=row.name, owner=owner)
    deadline = rules.deadline_of(row, calendar_of(team))
    if deadline is None:
        raise RuleViolation("extend", "error.extend_never_recycled", customer=row.name)
    return deadline, row.owner_id, row.owned_since


def _apply(
    session: Session,
    row: Customer,
    rules: PoolRules,
    team: Team,
    member: MemberView,
    deadline: Deadline,
    owner_id: int,
    used: int,
    now: datetime,
) -> Extended:
    """Move the deadline ``extend_days`` on, record it, and tell the owner when a manager did it."""
    assert row.id is not None
    calendar = calendar_of(team)
    until = rules.extended(deadline, calendar)
    if not sql.extend_to(session, row, owner_id, until):
        raise Conflict("error.changed_meanwhile", customer=row.name)
    reason = t(team.locale, "event.extended_reason", old=deadline.day, new=until)
    events.add_events(session, [event_row(row.id, "extended", owner_id, member.id, now, reason=reason)])
    session.refresh(row)
    moved = rules.deadline_of(row, calendar)
    assert moved is not None
    owner_name = members.member_names(session, {owner_id}).get(owner_id, "?")
    if owner_id != member.id:
        _tell_owner(
            session, team, owner_id, notices.ExtensionDecided(row.id, row.name, True, member.name, until), now
        )
    return Extended(row.id, row.name, moved, used + 1, rules.extend_max, owner_name=owner_name)


def reject(services: Services, *, manager: MemberView, request_id: int, reason: str = "") -> Refused:
    """A manager turns down an extension request (the card's Reject); the owner is told."""
    if not manager.is_manager:
        raise Forbidden("error.managers_only", command="extend")
    reason = checked_text(reason, "reason")
    now = services.clock.now()
    with services.db.write() as session:
        found = sql.request(session, request_id)
        if found is None or found.id is None:
            raise NotFound("error.extension_unknown", request=request_id)
        row, _, team = team_customer(session, found.customer_id, manager)
        if not sql.decide(session, found.id, sql.REJECTED, manager.id, now, reason):
            session.refresh(found)
            raise Conflict(
                "error.extension_decided",
                request=request_id,
                status=found.status,
                by=sql.decider_name(session, request_id),
            )
        assert row.id is not None
        told = notices.ExtensionDecided(row.id, row.name, False, manager.name, None, reason)
        _tell_owner(session, team, found.member_id, told, now)
        owner = members.member_names(session, {found.member_id}).get(found.member_id, "?")
        return Refused(found.id, row.id, row.name, owner)


def pending_for(services: Services, *, manager: MemberView, customer_id: int) -> int | None:
    """The id of the extension request waiting on the customer's current ownership, if any."""
    with services.db.read() as session:
        row, _, _ = team_customer(session, customer_id, manager)
        if row.owned_since is None:
            return None
        found = sql.pending_request(session, customer_id, row.owned_since)
        return found.id if found is not None else None


def _ask_managers(session: Session, team: Team, request_id: int, now: datetime) -> None:
    assert team.id is not None
    kind = notices.EXTENSION_REQUEST
    cards = [
        kind.outgoing(
            notices.ExtensionRef(request_id),
            key=kind.key(request_id, manager),
            team_id=team.id,
            recipient_id=manager,
        )
        for manager in members.manager_ids(session, team.id)
    ]
    outbox.enqueue_many(session, cards, now=now)


def _tell_owner(
    session: Session, team: Team, owner_id: int, decided: notices.ExtensionDecided, now: datetime
) -> None:
    assert team.id is not None
    kind = notices.EXTENSION_DECIDED
    told = kind.outgoing(
        decided, key=kind.key(decided.customer_id, owner_id, now), team_id=team.id, recipient_id=owner_id
    )
    outbox.enqueue_many(session, [told], now=now)


@dataclass(frozen=True)
class RequestCard:
    """An extension request as its card shows it, read when the card is delivered."""

    request_id: int
    customer_id: int
    customer_name: str
    member_name: str
    status: str
    decided_by: str
    deadline: Deadline | None
    extend_days: int
    used: int  # extensions of the ownership when it was asked


def request_card(services: Services, *, request_id: int) -> RequestCard | None:
    with services.db.read() as session:
        found = sql.request(session, request_id)
        if found is None or found.id is None:
            return None
        row = customers.customer(session, found.customer_id)
        if row is None:
            return None
        rules, team = rules_for(session, row.pool_id)
        name = members.member_names(session, {found.member_id}).get(found.member_id, "?")
        decided = sql.decider_name(session, found.id) if found.status != sql.PENDING else ""
        return RequestCard(
            found.id,
            found.customer_id,
            row.name,
            name,
            found.status,
            decided,
            rules.deadline_of(row, calendar_of(team)),
            rules.extend_days,
            sql.extensions_since(session, found.customer_id, found.owned_since, found.created_at),
        )


@dataclass(frozen=True)
class Assignees:
    """Who a manager may give the customer to (the last-day digest's Reassign)."""

    customer_id: int
    customer_name: str
    reps: tuple[tuple[str, str], ...]  # (handle, name) of the team's active reps but the owner


def assignees(services: Services, *, manager: MemberView, customer_id: int) -> Assignees:
    if not manager.is_manager:
        raise Forbidden("error.managers_only", command="assign")
    with services.db.read() as session:
        row, _, team = team_customer(session, customer_id, manager)
        assert row.id is not None and team.id is not None
        reps = tuple((h, n) for mid, h, n in sql.active_reps(session, team.id) if mid != row.owner_id)
        return Assignees(row.id, row.name, reps)
