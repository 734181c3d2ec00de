"""Handover (离职交接): a member's whole book in one team's pools, previewed, then spread by each
pool's assignment strategy, put back in the pool (no cooldown for anyone) or given to one member,
in one transaction.

Only the managers of the team whose pools hold the customers act on them (an admin from the shell
acts for any team). The members concerned are locked first, in id order, as claims, assignments
and transfers lock them, so the caps the plan (:mod:`bot.domain.handover_plan`) respects hold at
commit; customers move in set-based UPDATEs on the departing member still owning them. What no
receiver has room for stays with the member and is listed. Each moved customer gets a
``handed_over`` event (its history and follow-ups stay with it), each receiver one notice, the
departing member one notice, and their pending claim requests are cancelled (each told).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel import Session

from bot.domain import notices
from bot.domain.claims import cancel_requests_in_team
from bot.domain.context import Services, event_row, load_member, member_view
from bot.domain.errors import Conflict, Forbidden, NotFound
from bot.domain.handover_plan import Move, Planned, Stay, by_strategy, to_member, to_pool
from bot.domain.snapshots import REP, MemberView
from bot.i18n import t
from bot.storage import events, members, outbox, teams
from bot.storage import handover as sql
from bot.storage.assignment import lock_active_reps
from bot.storage.models import Team
from bot.storage.sql import CHUNK, chunks

AUTO: Literal["auto"] = "auto"
POOL: Literal["pool"] = "pool"
Target = Literal["auto", "pool"] | int  # an int: the receiving member's id
Progress = Callable[[int, int], None]  # (customers moved so far, customers to move)
NOTICE_LINES = 20  # customers named in a receiver's notice; the count covers the rest


@dataclass(frozen=True)
class Preview:
    member: MemberView
    pools: tuple[tuple[str, int], ...]  # (pool, customers owned there)
    pending: tuple[tuple[int, str], ...]  # (request, customer) waiting for a manager

    @property
    def total(self) -> int:
        return sum(count for _, count in self.pools)


@dataclass(frozen=True)
class Line:
    """One customer of the report: moved to ``to_name`` (the pool's name for the pool), or stayed."""

    customer_id: int
    customer_name: str
    to_name: str | None  # None: it stays with the member
    reason: str
    to_id: int | None = None  # the receiving member (None: the pool, or it stayed)


@dataclass(frozen=True)
class Outcome:
    member_name: str
    moved: tuple[Line, ...]
    stayed: tuple[Line, ...]
    cancelled: int  # pending claim requests cancelled

    def per_receiver(self) -> list[tuple[str, int]]:
        """(receiver, customers received), most first."""
        counts = Counter(line.to_name or "" for line in self.moved)
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def find_member(
    services: Services, *, manager: MemberView, handle: str, command: str = "handover"
) -> MemberView:
    """The member ``handle`` as the manager may hand them over (or ``/transfer`` their book): of
    the manager's team, or holding customers of its pools still (a member the config moved to
    another team). ``command`` names what a non-manager is refused."""
    _authorise(manager, manager.team.id, command)
    with services.db.read() as session:
        found = members.member_by_identity(session, "handle", handle.lstrip("@"))
        if found is not None:
            view = member_view(*found)
            if view.team.id == manager.team.id or sql.holds_anything(session, view.id, manager.team.id):
                return view
    raise NotFound("error.teammate_unknown", who=handle)


def find_any(services: Services, *, handle: str) -> tuple[MemberView, list[int]]:
    """The member ``handle`` in any team, and the teams whose pools hold their customers or claims
    (an admin's handover from the shell acts in each)."""
    with services.db.read() as session:
        found = members.member_by_identity(session, "handle", handle.lstrip("@"))
        if found is None:
            raise NotFound("error.member_unknown", who=handle)
        view = member_view(*found)
        return view, sql.teams_holding(session, view.id)


def preview(
    services: Services, *, manager: MemberView | None, team_id: int, member_id: int, to: Target = AUTO
) -> Preview:
    """What a handover would move: the member's customers per pool and pending requests. A
    receiver who could not receive is refused here already, as the handover itself would."""
    _authorise(manager, team_id)
    with services.db.read() as session:
        source = load_member(session, member_id)
        if isinstance(to, int):
            _receiver(session, to, team_id, source)
        pools = sql.counts_per_pool(session, member_id, team_id)
        pending = sql.pending_requests(session, member_id, team_id)
    if not pools and not pending:
        raise Conflict("error.empty_book", member=source.name)
    return Preview(source, tuple(pools), tuple(pending))


def hand_over(
    services: Services,
    *,
    manager: MemberView | None,
    team_id: int,
    member_id: int,
    to: Target,
    progress: Progress | None = None,
    rng: random.Random | None = None,
) -> Outcome:
    """Hand the member's book in the team's pools over to ``to``. ``manager`` None: an admin from
    the shell. Refused, with nothing changed, when the member holds nothing there or the receiver
    cannot receive."""
    _authorise(manager, team_id)
    now = services.clock.now()
    with services.db.write() as session:
        source = load_member(session, member_id)
        team = teams.team(session, team_id)
        assert team is not None and team.id is not None
        target = _receiver(session, to, team_id, source) if isinstance(to, int) else None
        by_id = manager.id if manager else None
        planned, cancelled = _plan(
            session, team, source, (to, target, by_id), now, rng or random.SystemRandom()
        )
        by = manager.name if manager else t(team.locale, "handover.the_admin")
        moved, stayed = _apply(session, planned, source, manager, now, progress, team.locale)
        _notify(session, team.id, source, by, moved, now)
        return Outcome(source.name, tuple(moved), tuple(stayed), cancelled)


def _authorise(manager: MemberView | None, team_id: int, command: str = "handover") -> None:
    if manager is None:
        return
    if not manager.is_manager:
        raise Forbidden("error.managers_only", command=command)
    if manager.team.id != team_id:
        raise NotFound("error.teammate_unknown", who="?")


def _receiver(session: Session, to_id: int, team_id: int, source: MemberView) -> MemberView:
    target = load_member(session, to_id)
    if target.team.id != team_id:
        raise NotFound("error.teammate_unknown", who=target.handle)
    if target.id == source.id:
        raise Conflict("error.same_member", member=source.name)
    if not target.active:
        raise Conflict("error.member_inactive", member=target.name)
    if target.role != REP:
        raise Conflict("error.assign_reps_only", member=target.name, role=target.role)
    return target


def _plan(
    session: Session,
    team: Team,
    source: MemberView,
    where: tuple[Target, MemberView | None, int | None],
    now: datetime,
    rng: random.Random,
) -> tuple[list[Planned], int]:
    """Lock who is concerned (in id order), read the book, cancel the pending requests, plan.
    ``where``: the target, the receiving member (for a member target) and the acting manager."""
    assert team.id is not None
    to, target, by_id = where
    reps = lock_active_reps(session, team.id, also=[source.id]) if to == AUTO else []
    if to != AUTO:
        for member_id in sorted({source.id} | ({target.id} if target else set())):
            members.lock_member(session, member_id)
    book = sql.book(session, source.id, team.id)
    if not book and not sql.pending_requests(session, source.id, team.id):
        raise Conflict("error.empty_book", member=source.name)
    reason = t(team.locale, "handover.request_cancelled", member=source.name)
    cancelled = cancel_requests_in_team(
        session,
        member_id=source.id,
        team_id=team.id,
        new_team_id=source.team.id,
        reason=reason,
        now=now,
        by=by_id,
    )
    if target is not None:
        return to_member(session, book, target, team.locale), cancelled
    if to == POOL:
        return to_pool(book, team.locale), cancelled
    planned = by_strategy(
        session,
        team_id=team.id,
        book=book,
        reps=reps,
        source_id=source.id,
        rng=rng,
        locale=team.locale,
        now=now,
    )
    return planned, cancelled


def _apply(
    session: Session,
    planned: list[Planned],
    source: MemberView,
    manager: MemberView | None,
    now: datetime,
    progress: Progress | None,
    locale: str,
) -> tuple[list[Line], list[Line]]:
    """Move each receiver's customers in chunks, with their events; the report's lines."""
    by_receiver: dict[int | None, list[Move]] = defaultdict(list)
    for item in planned:
        if isinstance(item, Move):
            by_receiver[item.to_id].append(item)
    total, done = sum(len(moves) for moves in by_receiver.values()), 0
    moved_ids: set[int] = set()
    actor = manager.id if manager else None
    for to_id, moves in sorted(by_receiver.items(), key=lambda kv: kv[0] or 0):
        for chunk in chunks(moves, CHUNK):
            ids = [m.customer.id for m in chunk]
            if to_id is None:
                taken = set(sql.to_pool(session, ids, source.id))
            else:
                taken = set(sql.move(session, ids, source.id, to_id, now))
            rows = [
                event_row(
                    m.customer.id, "handed_over", to_id, actor, now, from_member_id=source.id, reason=m.reason
                )
                for m in chunk
                if m.customer.id in taken
            ]
            events.add_events(session, rows)
            moved_ids.update(taken)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    return _lines(planned, moved_ids, locale)


def _lines(planned: list[Planned], moved_ids: set[int], locale: str) -> tuple[list[Line], list[Line]]:
    moved: list[Line] = []
    stayed: list[Line] = []
    for item in planned:
        customer = item.customer
        if isinstance(item, Stay):
            stayed.append(Line(customer.id, customer.name, None, item.reason))
        elif customer.id in moved_ids:
            moved.append(Line(customer.id, customer.name, item.to_name, item.reason, item.to_id))
        else:  # released or recycled while the handover ran
            stayed.append(Line(customer.id, customer.name, None, t(locale, "handover.left_changed")))
    return moved, stayed


def _notify(
    session: Session, team_id: int, source: MemberView, by: str, moved: list[Line], now: datetime
) -> None:
    """One notice per receiver (not per customer), and one to the member whose book it was."""
    if not moved:
        return
    per_receiver: dict[int, list[Line]] = defaultdict(list)
    for line in moved:
        if line.to_id is not None:
            per_receiver[line.to_id].append(line)
    kind = notices.HANDED_OVER
    rows = [
        kind.outgoing(
            notices.HandedOver(
                source.name,
                by,
                len(lines),
                tuple((x.customer_id, x.customer_name) for x in lines[:NOTICE_LINES]),
            ),
            key=kind.key(source.id, receiver, now),
            team_id=team_id,
            recipient_id=receiver,
        )
        for receiver, lines in sorted(per_receiver.items())
    ]
    counts = Counter(line.to_name or "" for line in moved)
    where = ", ".join(
        f"{name} {count}" for name, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    taken = notices.TakenAway("handed_over", by, count=len(moved), to=where)
    told = notices.TAKEN_AWAY
    rows.append(
        told.outgoing(
            taken,
            key=told.key("handed_over", source.id, team_id, now),
            team_id=team_id,
            recipient_id=source.id,
        )
    )
    outbox.enqueue_many(session, rows, now=now)
