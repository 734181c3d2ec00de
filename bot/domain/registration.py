"""Registration (报备): a rep enters a customer they found, after the duplicate check (查重).

One transaction per registration, under the team's registration lock (taken first), so two reps
registering the same new company at once are served one after the other: the second one's check
sees the first one's customer and is told it is already registered. The answer is one of:

* **new** — the customer is created, owned by the rep, with its recycle deadline (the holding cap
  and the pool's ``daily_register_limit`` apply);
* **in the pool** / **yours** / **a colleague's** — the same customer exists (same credit code or
  company key); nothing is created, the colleague is not disturbed, and their name, phone and
  contact are shown only where the pool shows contacts to everyone;
* **probably the same** — near matches, offered as choices with "register anyway", which files a
  registration request.

A registration request is a ``claim_request`` row of kind ``registration``: ``customer_id`` is the
customer it is probably the same as (so the managers' inbox and the claim cards find it in the
team), ``pool_id`` the pool it would enter and ``proposal`` the record as typed. The proposed
customer does not exist as a customer while the request waits: it cannot appear in the pool, be
found, claimed or assigned. It counts towards the rep's holding cap (as a pending claim does) and
its daily registrations. Approving creates it, owned by the rep, after checking again that nobody
registered the same customer meanwhile; rejecting leaves nothing but the history.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Literal

from sqlmodel import Session

from bot.domain import duplicates, matching
from bot.domain.calendar import calendar_of
from bot.domain.clock import day_bounds_utc, local_day
from bot.domain.context import Services, event_row
from bot.domain.errors import Conflict, Forbidden, NotFound, RuleViolation
from bot.domain.request_cards import queue_cards
from bot.domain.rules import PoolRules
from bot.domain.snapshots import REP, Deadline, MemberView
from bot.names import company_key, email_key, name_key, phone_key, search_key
from bot.storage import customers, events, members, teams
from bot.storage import registration as sql
from bot.storage.models import ClaimRequest, Pool, Team

Answer = Literal["new", "in_pool", "yours", "colleague", "requested_by_colleague", "probable", "requested"]
LIMITS = {"name": 200, "contact": 80, "phone": 40, "email": 200, "industry": 80, "region": 80, "size": 40}
MAX_CANDIDATES = 5
SEARCH_KEY_LENGTH = 800


@dataclass(frozen=True)
class NewRecord:
    """What the rep typed: ``/new <name> [phone:… contact:… email:… credit:… …]``."""

    name: str
    phone: str | None = None
    contact: str | None = None
    email: str | None = None
    credit: str | None = None
    industry: str | None = None
    region: str | None = None
    size: str | None = None
    priority: str = "B"
    pool: str | None = None


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    reason: str
    score: int


@dataclass(frozen=True)
class Registered:
    answer: Answer
    customer_id: int | None = None
    customer_name: str = ""
    reason: str = ""  # why it is the same: credit, name
    deadline: Deadline | None = None
    held: int = 0
    cap: int = 0
    since: date | None = None  # a colleague's: the local day it became theirs
    # shown only when the pool shows contacts to everyone
    owner_name: str | None = None
    phone: str | None = None
    contact: str | None = None
    candidates: tuple[Candidate, ...] = ()
    request_id: int | None = None


def checked(record: NewRecord) -> NewRecord:
    """The record stripped and validated; a :class:`RuleViolation` names the first bad field."""
    values = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in asdict(record).items()}
    name = str(values["name"] or "")
    if not company_key(name) or not name_key(name):
        raise RuleViolation("register_name", "reg.bad_name", name=name)
    for field, limit in LIMITS.items():
        if len(values.get(field) or "") > limit:
            raise RuleViolation("text_length", "reg.too_long", field=field, limit=limit)
    priority = str(values["priority"] or "B").upper()
    if priority not in ("A", "B", "C"):
        raise RuleViolation("register_priority", "reg.bad_priority", priority=values["priority"])
    credit = values["credit"]
    if credit is not None and (credit := matching.credit_code(str(credit))) is None:
        raise RuleViolation("credit_code", "reg.bad_credit", code=values["credit"])
    if values["email"] is not None and email_key(str(values["email"])) is None:
        raise RuleViolation("register_email", "reg.bad_email", email=values["email"])
    if values["phone"] is not None and phone_key(str(values["phone"])) is None:
        raise RuleViolation("register_phone", "reg.bad_phone", phone=values["phone"])
    return NewRecord(**{**values, "name": name, "priority": priority, "credit": credit})  # type: ignore[arg-type]


def register(
    services: Services, *, member: MemberView, record: NewRecord, anyway: bool = False
) -> Registered:
    """``/new``: the duplicate check, then the customer (or the request, or why not)."""
    if not member.active:
        raise Forbidden("error.member_inactive_self", member=member.name)
    if member.role != REP:
        raise Forbidden("error.reps_only", command="new")
    record = checked(record)
    now = services.clock.now()
    with services.db.write() as session:
        sql.lock_team(session, member.team.id)
        members.lock_member(session, member.id)
        pool = _pool(session, member.team.id, record.pool)
        rules, team = PoolRules.of(pool), teams.pool_and_team(session, rules_pool_id(pool))[1]
        item = probe_of(record)
        found = duplicates.match_batch(session, team.id or 0, [item], threshold=team.duplicate_threshold)[0]
        same = [f for f in found if f.match.verdict == "same"]
        if same:
            return _same(session, member, same[0])
        near = tuple(
            Candidate(f.customer.id, f.customer.name, f.match.reason, f.match.score)
            for f in found[:MAX_CANDIDATES]
        )
        if near and not anyway:
            return Registered("probable", customer_name=record.name, candidates=near)
        held = _check_limits(session, rules, team, member, now)
        if near:
            request_id = _request(session, member, record, pool, near[0].id, now)
            return Registered("requested", customer_name=record.name, request_id=request_id, candidates=near)
        customer_id = _create(session, record, rules.pool_id, member.id, now)
        row = customers.customer(session, customer_id)
        assert row is not None
        deadline = rules.deadline_of(row, calendar_of(team))
        return Registered(
            "new", customer_id, record.name, deadline=deadline, held=held + 1, cap=rules.max_held_per_rep
        )


def rules_pool_id(pool: Pool) -> int:
    assert pool.id is not None
    return pool.id


def probe_of(record: NewRecord) -> matching.Probe:
    return matching.probe(record.name, phone=record.phone, email=record.email, credit=record.credit)


def _pool(session: Session, team_id: int, name: str | None) -> Pool:
    """The pool named (one of the team's), or the team's first pool."""
    pools = teams.team_pools(session, team_id)
    if not pools:
        raise NotFound("reg.no_pool")
    if name is None:
        return pools[0]
    for pool in pools:
        if name_key(pool.name) == name_key(name):
            return pool
    raise NotFound("reg.unknown_pool", pool=name, pools=", ".join(p.name for p in pools))


def _same(session: Session, member: MemberView, found: duplicates.Found) -> Registered:
    """The customer exists already: where it is, told without a colleague's data unless the pool
    shows contacts to everyone."""
    row, reason = found.customer, found.match.reason
    base = {"customer_id": row.id, "customer_name": row.name, "reason": reason}
    if row.owner_id == member.id:
        return Registered("yours", **base)  # type: ignore[arg-type]
    if row.owner_id is None and row.pending_member_id is None:
        return Registered("in_pool", **base)  # type: ignore[arg-type]
    if row.owner_id is None:
        return Registered("requested_by_colleague", **base)  # type: ignore[arg-type]
    pool, team = teams.pool_and_team(session, row.pool_id)
    since = local_day(row.owned_since, team.timezone) if row.owned_since else None
    if pool.hide_contact_in_pool:
        return Registered("colleague", since=since, **base)  # type: ignore[arg-type]
    stored = customers.customer(session, row.id)
    owner = members.member_names(session, {row.owner_id}).get(row.owner_id)
    return Registered(
        "colleague",
        since=since,
        owner_name=owner,
        phone=stored.phone if stored else None,
        contact=stored.contact if stored else None,
        **base,  # type: ignore[arg-type]
    )


def _check_limits(session: Session, rules: PoolRules, team: Team, member: MemberView, now: datetime) -> int:
    """The holding cap (pending registrations count) and the pool's daily registration limit."""
    held = customers.held_count(session, member.id, rules.pool_id)
    held += sql.pending_registrations(session, member.id, rules.pool_id)
    if held >= rules.max_held_per_rep:
        raise RuleViolation("max_held_per_rep", "rule.max_held", held=held, cap=rules.max_held_per_rep)
    limit = teams.pool_and_team(session, rules.pool_id)[0].daily_register_limit
    if limit is not None:
        start, end = day_bounds_utc(local_day(now, team.timezone), team.timezone)
        made = sql.registrations_between(session, member.id, rules.pool_id, start, end)
        if made >= limit:
            raise RuleViolation("daily_register_limit", "reg.daily_limit", count=made, limit=limit)
    return held


def _create(
    session: Session,
    record: NewRecord,
    pool_id: int,
    member_id: int,
    now: datetime,
    *,
    actor_id: int | None = None,
    request_id: int | None = None,
) -> int:
    """Insert the customer owned by ``member_id`` and its ``registered`` event."""
    row = {
        "name": record.name,
        "name_key": name_key(record.name),
        "dup_key": company_key(record.name)[:200],
        "search_key": search_key(record.name)[:SEARCH_KEY_LENGTH],
        "contact": record.contact,
        "phone": record.phone,
        "phone_key": phone_key(record.phone),
        "email": record.email,
        "credit_code": record.credit,
        "industry": record.industry,
        "region": record.region,
        "size": record.size,
        "priority": record.priority,
        "stage": "new",
        "tags": "",
        "pool_id": pool_id,
        "owner_id": member_id,
        "owned_since": now,
        "last_touch_at": now,
        "locked": False,
        "created_at": now,
    }
    customer_id = sql.insert_customer(session, row)
    event = event_row(customer_id, "registered", member_id, actor_id or member_id, now, request_id=request_id)
    events.add_events(session, [event])
    return customer_id


def _request(
    session: Session, member: MemberView, record: NewRecord, pool: Pool, candidate_id: int, now: datetime
) -> int:
    """File the registration request (撞单) and queue its card for the team's managers."""
    request_id = sql.add_registration_request(
        session,
        candidate_id=candidate_id,
        member_id=member.id,
        pool_id=rules_pool_id(pool),
        proposal=asdict(record),
        now=now,
    )
    event = event_row(
        candidate_id,
        "register_requested",
        member.id,
        member.id,
        now,
        request_id=request_id,
        reason=record.name,
    )
    events.add_events(session, [event])
    queue_cards(session, request_id, member.team.id, now)
    return request_id


def settle(session: Session, request: ClaimRequest, *, manager_id: int, approve: bool, now: datetime) -> int:
    """A manager's decision on a registration request (already marked decided): on approval the
    customer is created for the rep, unless the same customer was registered meanwhile. The id
    of the customer the decision is about (the new one, or the one it was probably the same as)."""
    if not approve:
        return request.customer_id
    record = NewRecord(**(request.proposal or {}))  # type: ignore[arg-type]
    team_id = teams.pool_and_team(session, request.pool_id or 0)[1].id or 0
    sql.lock_team(session, team_id)
    found = duplicates.match_batch(session, team_id, [probe_of(record)], threshold=100, fuzzy=False)[0]
    if same := [f for f in found if f.match.verdict == "same"]:
        raise Conflict(
            "reg.approve_taken", request=request.id, customer=same[0].customer.name, id=same[0].customer.id
        )
    customer_id = _create(
        session,
        record,
        request.pool_id or 0,
        request.member_id,
        now,
        actor_id=manager_id,
        request_id=request.id,
    )
    sql.point_request_at(session, int(request.id or 0), customer_id)
    return customer_id
