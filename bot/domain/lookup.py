"""Reads: who is speaking, which customer a name means, the pool, a rep's book, a customer card."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process
from sqlmodel import Session

from bot.domain.context import Services, customer_view, member_view, rules_by_pool, team_customer
from bot.domain.errors import Ambiguous, Forbidden, Merged, NotFound
from bot.domain.priorities import priority_filter
from bot.domain.snapshots import (
    CustomerCard,
    CustomerView,
    EventView,
    FollowUpView,
    MemberView,
    RequestView,
    SearchPage,
)
from bot.names import as_id, name_key
from bot.storage import customers, followups, members, name_lookup, near, requests, teams
from bot.storage import events as event_log
from bot.storage import search as pool_search
from bot.storage.models import ClaimRequest, Customer

PAGE_SIZE = 10
COUNT_CAP = 10_000  # beyond this a search says "more than 10,000" instead of counting on
MAX_CHOICES = 5
FUZZY_FLOOR = 75  # rapidfuzz WRatio: a shared word scores ~90, single shared characters ~67
FUZZY_CLOSE = 5  # candidates within this many points of the best are all offered
HISTORY = 10


def member_for(services: Services, *, platform: str, user_id: str) -> MemberView:
    """The member behind a platform identity (console identities are handles)."""
    field = "handle" if platform == "console" else platform
    with services.db.read() as session:
        found = members.member_by_identity(session, field, user_id)
    if found is None:
        raise NotFound("error.member_unknown", who=user_id)
    member = member_view(*found)
    if not member.active:
        raise Forbidden("error.member_inactive_self", member=member.name)
    return member


def member_by_handle(services: Services, *, team_id: int, handle: str) -> MemberView:
    with services.db.read() as session:
        found = members.member_by_identity(session, "handle", handle.lstrip("@"))
    if found is None or found[1].id != team_id:
        raise NotFound("error.teammate_unknown", who=handle)
    return member_view(*found)


def resolve_customer(services: Services, *, member: MemberView, query: str, exact: bool = False) -> int:
    """A customer id from ``#12``, ``12``, the exact name (any case and width, punctuation aside),
    the exact pinyin or initials, or (unless ``exact``) a close fuzzy match.

    Raises :class:`Ambiguous` with the candidates when several customers fit equally well, and,
    with ``exact``, whenever only near matches were found: a command that changes something never
    acts on a guess, it offers the guess as a choice.
    """
    text = query.strip()
    if not text:
        raise NotFound("error.customer_missing")
    customer_id = as_id(text)
    with services.db.read() as session:
        if customer_id is not None:
            try:
                team_customer(session, customer_id, member)
                return customer_id
            except Merged:
                raise  # its id answers where it went
            except NotFound:
                pass  # not a customer of the team: the digits may be part of a name
        if text.startswith("#"):
            raise NotFound("error.customer_unknown", query=text)
        key = name_key(text)
        if not key:
            raise NotFound("error.customer_unknown", query=text)
        same = name_lookup.find_by_name_key(session, member.team.id, key) or name_lookup.find_by_pinyin(
            session, member.team.id, key
        )
        if same:
            return _only(text, same)
        candidates = list(name_lookup.find_like(session, member.team.id, key, limit=50))
        if not candidates:
            candidates = _fuzzy(session, member.team.id, key)
    if not candidates:
        raise NotFound("error.customer_unknown", query=text)
    if exact:
        closest = _scored(key, candidates)[:MAX_CHOICES]
        raise Ambiguous(text, [(int(c.id or 0), c.name) for _, c in closest], guess=True)
    return _pick(text, key, candidates)


def _only(text: str, same: Sequence[Customer]) -> int:
    """The one customer with exactly this name or pinyin; several such are offered as choices."""
    if len(same) == 1:
        return int(same[0].id or 0)
    shown = same[:MAX_CHOICES]
    raise Ambiguous(text, [(int(c.id or 0), c.name) for c in shown], total=len(same))


def _scored(key: str, candidates: list[Customer]) -> list[tuple[float, Customer]]:
    """The near matches with their fuzzy score, the closest first."""
    return sorted(
        ((fuzz.WRatio(key, f"{c.name_key} {c.search_key}"), c) for c in candidates),
        key=lambda pair: (-pair[0], pair[1].id or 0),
    )


def _fuzzy(session: Session, team_id: int, key: str) -> list[Customer]:
    rows = near.near_names(session, team_id, key)
    choices = {cid: f"{name} {extra}" for cid, name, extra in rows}
    ranked = process.extract(key, choices, scorer=fuzz.WRatio, limit=MAX_CHOICES, score_cutoff=FUZZY_FLOOR)
    ids = [int(cid) for _, _, cid in ranked]
    return list(customers.customers_by_ids(session, ids)) if ids else []


def _pick(text: str, key: str, candidates: list[Customer]) -> int:
    """For reading only: the closest near match, or the choices when several are about as close."""
    if len(candidates) == 1:
        return int(candidates[0].id or 0)
    scored = _scored(key, candidates)
    best = scored[0][0]
    close = [c for score, c in scored if best - score <= FUZZY_CLOSE]
    if len(close) == 1:
        return int(close[0].id or 0)
    raise Ambiguous(text, [(int(c.id or 0), c.name) for c in close[:MAX_CHOICES]], total=len(close))


def pool_filters(words: tuple[str, ...], options: Mapping[str, str]) -> pool_search.SearchFilters:
    """What ``/pool``'s words and ``industry: region: size: priority:`` options search for."""
    return pool_search.SearchFilters(
        words=words,
        industry=options.get("industry"),
        region=options.get("region"),
        size=options.get("size"),
        priority=priority_filter(options.get("priority")),
    )


def search(
    services: Services, *, member: MemberView, filters: pool_search.SearchFilters, page: int = 1
) -> SearchPage:
    page = max(page, 1)
    with services.db.read() as session:
        rows, total = pool_search.search_pool(
            session,
            member.team.id,
            filters,
            offset=(page - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
            count_cap=COUNT_CAP,
        )
        pools = rules_by_pool(session, {row.pool_id for row in rows})
        views = tuple(
            customer_view(session, row, viewer=member, names={}, pool=pools[row.pool_id]) for row in rows
        )
    capped = total > COUNT_CAP
    total = min(total, COUNT_CAP)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return SearchPage(customers=views, page=page, pages=pages, total=total, more=capped)


def mine(services: Services, *, member: MemberView) -> tuple[CustomerView, ...]:
    """The member's customers, most urgent first: soonest recycle, then oldest next follow-up."""
    with services.db.read() as session:
        rows = customers.customers_owned_by(session, member.id)
        next_dates = followups.latest_next_dates(session, [int(r.id or 0) for r in rows])
        names = {member.id: member.name}
        views = [
            customer_view(session, r, viewer=member, names=names, next_follow_up=next_dates.get(r.id or 0))
            for r in rows
        ]
    far = (9999, 12, 31)

    def urgency(view: CustomerView) -> tuple[object, ...]:
        deadline = view.deadline.day.timetuple()[:3] if view.deadline else far
        follow = view.next_follow_up.timetuple()[:3] if view.next_follow_up else far
        return (deadline, follow, view.id)

    return tuple(sorted(views, key=urgency))


def card(services: Services, *, member: MemberView, customer_id: int) -> CustomerCard:
    with services.db.read() as session:
        row, _, _ = team_customer(session, customer_id, member)
        follow_ups = followups.follow_ups_of(session, customer_id, HISTORY)
        events = event_log.events_of(session, customer_id, HISTORY)
        people = {f.member_id for f in follow_ups} | {
            i for e in events for i in (e.member_id, e.from_member_id, e.actor_id) if i
        }
        if row.owner_id:
            people.add(row.owner_id)
        names = members.member_names(session, people)
        next_dates = followups.latest_next_dates(session, [customer_id])
        view = customer_view(
            session,
            row,
            viewer=member,
            names=names,
            next_follow_up=next_dates.get(customer_id) if row.owner_id else None,
        )
        pending = requests.pending_request_for(session, customer_id)
        pools = teams.pool_names_by_id(session) if any(e.to_pool_id for e in events) else {}
    return CustomerCard(
        customer=view,
        follow_ups=tuple(
            FollowUpView(f.at, names.get(f.member_id, "?"), f.kind, f.note, f.next_date, f.permalink)
            for f in follow_ups
        ),
        events=tuple(
            EventView(
                e.at,
                e.kind,
                names.get(e.member_id or 0),
                names.get(e.from_member_id or 0),
                names.get(e.actor_id or 0),
                e.rule,
                e.reason,
                pools.get(e.to_pool_id) if e.to_pool_id else None,
            )
            for e in events
        ),
        pending_request_id=pending.id if pending else None,
    )


def request_view(services: Services, *, request_id: int) -> RequestView | None:
    with services.db.read() as session:
        request = requests.request(session, request_id)
        if request is None:
            return None
        row = customers.customer(session, request.customer_id)
        names = members.member_names(session, {request.member_id, request.decided_by_id or 0})
        rep = members.member_and_team(session, request.member_id)
    zone = ZoneInfo(rep[1].timezone) if rep else UTC
    view = RequestView(
        id=int(request.id or 0),
        customer_id=request.customer_id,
        customer_name=row.name if row else "?",
        member_id=request.member_id,
        member_name=names.get(request.member_id, "?"),
        reason=request.reason,
        status=request.status,
        decided_by_name=names.get(request.decided_by_id or 0),
        decision_reason=request.decision_reason,
        decided_at=request.decided_at.astimezone(zone) if request.decided_at else None,
    )
    return _as_registration(view, request, row) if request.kind == "registration" else view


def split_customer(services: Services, *, member: MemberView, words: tuple[str, ...]) -> tuple[str, int]:
    """How many leading ``words`` name the customer: the longest run that is an exact name, else 1.

    Lets ``/claim Acme Corp warm lead`` mean the customer "Acme Corp" with reason "warm lead"
    without quotes, when such a customer exists.
    """
    if not words:
        return "", 0
    with services.db.read() as session:
        for count in range(min(len(words), 6), 1, -1):
            text = " ".join(words[:count])
            if name_lookup.find_by_name_key(session, member.team.id, name_key(text)):
                return text, count
    return words[0], 1


def holdings(services: Services, *, member_id: int) -> int:
    with services.db.read() as session:
        return customers.held_count(session, member_id)


def customer_name(services: Services, *, customer_id: int) -> str | None:
    with services.db.read() as session:
        row = customers.customer(session, customer_id)
        return row.name if row else None


COMPARED = ("name", "phone", "contact", "email", "credit", "industry", "region", "size")


def _as_registration(view: RequestView, request: ClaimRequest, row: Customer | None) -> RequestView:
    """A registration request: the proposed record and, while pending, the customer it is
    probably the same as, field by field (the manager sees both; nothing is hidden from them)."""
    proposal = {k: str(v) for k, v in (request.proposal or {}).items() if v}
    stored = {"credit": row.credit_code} if row else {}
    existing = tuple((f, str(stored.get(f) or getattr(row, f, "") or "—")) for f in COMPARED) if row else ()
    return replace(
        view,
        customer_name=proposal.get("name", "?"),
        kind="registration",
        proposed=tuple((f, proposal.get(f, "—")) for f in COMPARED),
        existing=existing if request.status == "pending" else (),
    )
