"""Claiming a pool customer, and the manager's decision on a claim request.

Each use case is one transaction. A rep's claims are serialised by its member row lock (taken
first), so the holding cap and daily limit are counted after every earlier claim of the same rep
has committed; the customer itself changes hands only through a conditional UPDATE, so two reps
can never both own it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection
from sqlmodel import Session

from bot.domain import notices, registration
from bot.domain.clock import day_bounds_utc, local_day
from bot.domain.context import (
    Services,
    checked_text,
    event_row,
    load_member,
    refuse_unknown,
    team_customer,
)
from bot.domain.errors import Conflict, Forbidden, NotFound, RuleViolation
from bot.domain.request_cards import queue_cards
from bot.domain.rules import cooldown_end
from bot.domain.snapshots import REP, MemberView
from bot.i18n import t
from bot.storage import claiming, customers, events, members, outbox, requests
from bot.storage.claiming import ClaimFacts
from bot.storage.engine import Database
from bot.storage.models import ClaimRequest


@dataclass(frozen=True)
class ClaimOutcome:
    customer_id: int
    customer_name: str
    request_id: int | None  # set when the claim waits for a manager
    held: int
    cap: int


@dataclass(frozen=True)
class DecisionOutcome:
    request_id: int
    customer_id: int
    customer_name: str
    member_name: str
    approved: bool


def claim(services: Services, *, member: MemberView, customer_id: int, reason: str = "") -> ClaimOutcome:
    """Claim a pool customer: it is the rep's now, or, in a pool that wants approval, a request
    waits for the team's managers. Three statements decide it (the member lock, the facts, the
    conditional UPDATE with its event); a refusal names the rule and its numbers.

    The bot's hottest write runs on a bare connection; only its rare branches (a request, an
    unknown customer) open a Session inside the same transaction."""
    if not member.active:
        raise Forbidden("error.member_inactive_self", member=member.name)
    if member.role != REP:
        raise Forbidden("error.reps_only", command="claim")
    reason = checked_text(reason, "reason")
    now = services.clock.now()
    db = services.db
    with db.write_connection() as connection:
        members.lock_member(connection, member.id)  # first: the facts are read under it
        facts = _facts(db, connection, customer_id, member, now)
        _refuse_if_taken(facts, member)
        _check_rules(facts, now)
        if facts.requires_approval:
            with db.session_on(connection) as session:
                request_id: int | None = _request(session, customer_id, facts, member, reason, now)
        elif claiming.take(connection, customer_id, member.id, now, reason):
            request_id = None
        else:
            raise Conflict("error.just_taken", customer=facts.name)
        return ClaimOutcome(customer_id, facts.name, request_id, facts.held + 1, facts.cap)


def _facts(
    db: Database, connection: Connection, customer_id: int, member: MemberView, now: datetime
) -> ClaimFacts:
    """The customer as the rules see it, when it is a customer of the member's team. The daily
    limit counts in the local day of the member's team, which is the pool's team of every customer
    it may claim; the count is read again if that team's time zone has just changed."""
    timezone = member.team.timezone
    facts = claiming.claim_facts(connection, customer_id, member.id, _local_day_bounds(now, timezone))
    if facts is None or facts.team_id != member.team.id:
        with db.session_on(connection) as session:
            refuse_unknown(session, customer_id, member, found=facts is not None)
    if facts.timezone != timezone:
        day = _local_day_bounds(now, facts.timezone)
        facts = replace(facts, claimed_today=claiming.claims_in(connection, customer_id, member.id, day))
    return facts


def _local_day_bounds(now: datetime, timezone: str) -> tuple[datetime, datetime]:
    return day_bounds_utc(local_day(now, timezone), timezone)


def _refuse_if_taken(facts: ClaimFacts, member: MemberView) -> None:
    if facts.owner_id == member.id:
        raise Conflict("error.already_yours", customer=facts.name)
    if facts.owner_id is not None:
        raise Conflict("error.owned_by_other", customer=facts.name, owner=facts.owner_name or "?")
    if facts.pending_member_id == member.id:
        raise Conflict("error.already_requested", customer=facts.name)
    if facts.pending_member_id is not None:
        raise Conflict("error.pending_for_other", customer=facts.name)


def _check_rules(facts: ClaimFacts, now: datetime) -> None:
    """The pool's rules, in the order a rep is told about them: cooldown, holding cap, daily limit."""
    today = local_day(now, facts.timezone)
    if facts.given_back_at is not None and facts.cooldown_days > 0:
        since = local_day(facts.given_back_at, facts.timezone)
        available = cooldown_end(since, facts.cooldown_days)
        if today < available:
            raise RuleViolation(
                "reclaim_cooldown_days",
                "rule.cooldown",
                customer=facts.name,
                days=facts.cooldown_days,
                since=since,
                available=available,
            )
    if facts.held >= facts.cap:
        raise RuleViolation("max_held_per_rep", "rule.max_held", held=facts.held, cap=facts.cap)
    if facts.claimed_today >= facts.daily_limit:
        raise RuleViolation(
            "daily_claim_limit", "rule.daily_limit", count=facts.claimed_today, limit=facts.daily_limit
        )


def _request(
    session: Session, customer_id: int, facts: ClaimFacts, member: MemberView, reason: str, now: datetime
) -> int:
    if not customers.mark_pending(session, customer_id, member.id):
        raise Conflict("error.just_taken", customer=facts.name)
    request_id = requests.add_request(
        session, customer_id=customer_id, member_id=member.id, reason=reason, now=now
    )
    requested = event_row(
        customer_id, "claim_requested", member.id, member.id, now, reason=reason, request_id=request_id
    )
    events.add_events(session, [requested])
    queue_cards(session, request_id, member.team.id, now)
    return request_id


def queue_card_refreshes(session: Session, request_id: int, now: datetime) -> int:
    """Queue an in-place update of every delivered card of the request (after its decision or
    expiry), in the transaction of that change; each keyed by the card it updates."""
    refresh, ref = notices.CARD_REFRESH, notices.RequestRef(request_id)
    rows = [
        refresh.outgoing(
            ref,
            key=refresh.key(card.id or 0),
            team_id=card.team_id,
            recipient_id=card.recipient_id,
            platform=card.platform,
            refreshes_id=card.id,
        )
        for card in outbox.cards_to_refresh(session, notices.card_key_prefix(request_id))
    ]
    outbox.enqueue_many(session, rows, now=now)
    return len(rows)


def decide(
    services: Services, *, manager: MemberView, request_id: int, approve: bool, reason: str = ""
) -> DecisionOutcome:
    """Approve or reject a pending claim. The first decision wins; later ones are told who won.

    The managers of the team whose pool holds the customer decide, wherever the rep sits now.
    Approving a claim of a member who is no longer active cancels it instead (the rep is told, as
    of any decision) and says so."""
    if not manager.is_manager:
        raise Forbidden("error.managers_only", command="approve" if approve else "reject")
    reason = checked_text(reason, "reason")
    now = services.clock.now()
    with services.db.write() as session:
        request = requests.request(session, request_id)
        if request is None:
            raise NotFound("error.request_unknown", request=request_id)
        try:
            team_customer(session, request.customer_id, manager)
        except NotFound:
            raise NotFound("error.request_unknown", request=request_id) from None
        rep = load_member(session, request.member_id)
        inactive = approve and not rep.active
        if inactive:
            approve, reason = False, t(rep.team.locale, "error.member_inactive", member=rep.name)
        status = "approved" if approve else "rejected"
        if not requests.decide_request(
            session, request_id, status=status, by=manager.id, now=now, reason=reason
        ):
            raise _already_decided(session, request_id)
        if request.kind == "registration":
            about = registration.settle(session, request, manager_id=manager.id, approve=approve, now=now)
            status = status if approve else "register_rejected"
        elif customers.settle_pending(
            session, request.customer_id, request.member_id, approve=approve, now=now
        ):
            about = request.customer_id
        else:
            raise Conflict("error.request_stale", request=request_id)
        if status != "approved" or request.kind == "claim":  # an approved registration: "registered"
            _record_decision(
                session, request, status, manager.id, reason, now, team_id=rep.team.id, about=about
            )
        else:
            _tell_decision(session, request_id, request.member_id, now, team_id=rep.team.id)
        customer = customers.customer(session, about)
        assert customer is not None
    if inactive:  # after the commit: the cancellation stands, the manager reads why
        raise Conflict("error.request_cancelled_inactive", request=request_id, member=rep.name)
    return DecisionOutcome(request_id, about, customer.name, rep.name, approve)


def _record_decision(
    session: Session,
    request: ClaimRequest,
    status: str,
    by: int | None,
    reason: str,
    now: datetime,
    *,
    team_id: int,
    about: int | None = None,
) -> None:
    """What every decision leaves: the event (on ``about``, by default the request's customer),
    the cards updated in place, the rep told."""
    request_id = int(request.id or 0)
    event = event_row(
        about or request.customer_id, status, request.member_id, by, now, reason=reason, request_id=request_id
    )
    events.add_events(session, [event])
    _tell_decision(session, request_id, request.member_id, now, team_id=team_id)


def _tell_decision(session: Session, request_id: int, member_id: int, now: datetime, *, team_id: int) -> None:
    """The request's cards updated in place, and its rep told."""
    queue_card_refreshes(session, request_id, now)
    told = notices.CLAIM_DECIDED.outgoing(
        notices.RequestRef(request_id),
        key=notices.CLAIM_DECIDED.key(request_id),
        team_id=team_id,
        recipient_id=member_id,
    )
    outbox.enqueue_many(session, [told], now=now)


def cancel_requests_in_team(
    session: Session,
    *,
    member_id: int,
    team_id: int,
    new_team_id: int,
    reason: str,
    now: datetime,
    by: int | None = None,
) -> int:
    """Cancel the member's pending requests for the team's customers (the member left the team, or
    a manager ``by`` handed their book over); each rep is told like of any decision. How many were
    cancelled."""
    cancelled = 0
    for request in requests.pending_in_team(session, member_id, team_id):
        request_id = int(request.id or 0)
        if requests.decide_request(
            session, request_id, status="rejected", by=by, now=now, reason=reason
        ) and (
            request.kind == "registration"  # nothing is held on a customer for a registration
            or customers.settle_pending(session, request.customer_id, member_id, approve=False, now=now)
        ):
            kind = "register_rejected" if request.kind == "registration" else "rejected"
            _record_decision(session, request, kind, by, reason, now, team_id=new_team_id)
            cancelled += 1
    return cancelled


def _already_decided(session: Session, request_id: int) -> Conflict:
    request = requests.request(session, request_id)
    assert request is not None
    if request.status == "expired":
        return Conflict("error.request_expired", request=request_id)
    decider = members.member_names(session, {request.decided_by_id} if request.decided_by_id else set())
    return Conflict(
        "error.already_decided",
        request=request_id,
        status=request.status,
        by=decider.get(request.decided_by_id or 0, "?"),
    )
