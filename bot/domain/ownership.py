"""Release, assign, transfer, lock/unlock and won: every change of hands after a claim."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.domain import notices, releases
from bot.domain.context import Services, checked_text, event_row, load_member, rules_for, team_customer
from bot.domain.errors import Conflict, Forbidden, NotFound, RuleViolation
from bot.domain.releases import require_owner_or_manager
from bot.domain.snapshots import REP, MemberView
from bot.i18n import t
from bot.storage import customers, events, members, outbox, requests


@dataclass(frozen=True)
class Changed:
    customer_id: int
    customer_name: str


@dataclass(frozen=True)
class Released:
    customer_id: int
    customer_name: str
    pool_name: str  # where it went: its own pool, or the other pool asked for
    reason: str  # the pool's configured reason it was given for ("" for none)


@dataclass(frozen=True)
class Transferred:
    count: int
    from_name: str
    to_name: str


def _require_manager(actor: MemberView, command: str) -> None:
    if not actor.is_manager:
        raise Forbidden("error.managers_only", command=command)


def release(
    services: Services,
    *,
    member: MemberView,
    customer_id: int,
    reason: str = "",
    to_pool: str | None = None,
) -> Released:
    """The owner gives a customer back to the pool, and its cooldown starts today; a manager may
    release a rep's customer too, recorded as the manager's act, with no cooldown for the rep, who
    is told. A won customer goes back to stage new, and its event says so.

    In a pool with ``release_reasons`` the reason must be one of them, named exactly
    (:func:`bot.domain.releases.pick_reason`); ``to_pool`` sends it to another pool of the team
    that the pool's ``release_to`` allows."""
    reason = checked_text(reason, "reason")
    now = services.clock.now()
    with services.db.write() as session:
        row, rules, team = team_customer(session, customer_id, member)
        require_owner_or_manager(session, row, member)
        owner_id, was_won = row.owner_id, row.won_at is not None
        assert owner_id is not None and row.id is not None
        chosen = releases.pick_reason(rules, reason, customer=row.name)
        reason = chosen or ("" if rules.release_reasons else reason)
        target = releases.target_pool(session, rules, team.id or 0, to_pool)
        to_pool_id = target.id if target is not None else None
        if not customers.give_back(session, row.id, owner_id, to_pool_id=to_pool_id):
            raise Conflict("error.changed_meanwhile", customer=row.name)
        recorded = "; ".join(filter(None, (reason, t(team.locale, "event.won_reset") if was_won else "")))
        event = event_row(row.id, "released", owner_id, member.id, now, reason=recorded)
        events.add_events(session, [{**event, "release_reason": chosen, "to_pool_id": to_pool_id}])
        pool_name = target.name if target is not None else rules.pool_name
        if owner_id != member.id:
            taken = notices.TakenAway("released", member.name, row.name, reason=reason)
            _tell_taken(session, owner_id, member.team.id, now, taken, row.id)
        return Released(row.id, row.name, pool_name, chosen or "")


def _tell_taken(
    session: Session, owner_id: int, team_id: int, now: datetime, taken: notices.TakenAway, subject: int
) -> None:
    """The member whose book a manager changed hears what and where (in the same transaction)."""
    kind = notices.TAKEN_AWAY
    told = kind.outgoing(
        taken, key=kind.key(taken.change, owner_id, subject, now), team_id=team_id, recipient_id=owner_id
    )
    outbox.enqueue_many(session, [told], now=now)


def assign(services: Services, *, manager: MemberView, customer_id: int, to_member_id: int) -> Changed:
    """A manager gives a customer (from the pool or from another rep) to ``to_member_id``."""
    _require_manager(manager, "assign")
    now = services.clock.now()
    with services.db.write() as session:
        target = load_member(session, to_member_id)
        _check_assignee(session, manager, target)
        members.lock_member(session, target.id)
        row, rules, _ = team_customer(session, customer_id, manager)
        assert row.id is not None
        if row.owner_id == target.id:
            raise Conflict("error.already_owner", customer=row.name, member=target.name)
        if row.pending_member_id is not None:
            request = requests.pending_request_for(session, row.id)
            raise Conflict(
                "error.pending_decide_first", customer=row.name, request=request.id if request else "?"
            )
        held = customers.held_count(session, target.id, row.pool_id)
        cap = rules.cap_for(members.own_cap(session, target.id))
        if row.won_at is None and held >= cap:
            raise RuleViolation(
                "max_held_per_rep", "rule.max_held_other", member=target.name, held=held, cap=cap
            )
        # read before the UPDATE: it synchronises ``row``, whose owner_id then is the target
        from_owner = row.owner_id
        if not customers.reassign(session, row.id, from_owner, target.id, now):
            raise Conflict("error.changed_meanwhile", customer=row.name)
        events.add_events(
            session,
            [
                event_row(
                    row.id,
                    "assigned",
                    target.id,
                    manager.id,
                    now,
                    from_member_id=from_owner,
                )
            ],
        )
        told = notices.ASSIGNED.outgoing(
            notices.Assigned(row.id, manager.name),
            key=notices.ASSIGNED.key(row.id, target.id, now),
            team_id=target.team.id,
            recipient_id=target.id,
        )
        outbox.enqueue_many(session, [told], now=now)
        if from_owner is not None:
            taken = notices.TakenAway("assigned", manager.name, row.name, to=target.name)
            _tell_taken(session, from_owner, target.team.id, now, taken, row.id)
        return Changed(row.id, row.name)


def _check_assignee(session: Session, manager: MemberView, target: MemberView) -> None:
    if target.team.id != manager.team.id:
        raise NotFound("error.member_unknown", who=target.handle)
    if not target.active:
        raise Conflict("error.member_inactive", member=target.name)
    if target.role != REP:  # reps own customers: only they get reminders and warnings
        raise Conflict("error.assign_reps_only", member=target.name, role=target.role)


def transfer(
    services: Services, *, manager: MemberView, from_member_id: int, to_member_id: int
) -> Transferred:
    """Move a rep's book in the manager's team's pools to another member in one statement (e.g.
    when the rep leaves, or moved to another team and still holds this team's customers)."""
    _require_manager(manager, "transfer")
    now = services.clock.now()
    with services.db.write() as session:
        source = load_member(session, from_member_id)
        target = load_member(session, to_member_id)
        _check_assignee(session, manager, target)
        if source.id == target.id:
            raise Conflict("error.same_member", member=source.name)
        # in id order: two opposite transfers at once must not wait on each other (deadlock)
        for member_id in sorted((source.id, target.id)):
            members.lock_member(session, member_id)
        ids = [cid for cid, _ in customers.book_of(session, source.id, manager.team.id)]
        if not ids:
            raise Conflict("error.empty_book", member=source.name)
        _check_room_for_book(session, target, ids)
        moved = customers.move_book(session, ids, source.id, target.id, now)
        events.add_events(
            session,
            [
                event_row(cid, "transferred", target.id, manager.id, now, from_member_id=source.id)
                for cid in moved
            ],
        )
        told = notices.TRANSFERRED.outgoing(
            notices.Transferred(len(moved), source.name, manager.name),
            key=notices.TRANSFERRED.key(source.id, target.id, now),
            team_id=target.team.id,
            recipient_id=target.id,
        )
        outbox.enqueue_many(session, [told], now=now)
        taken = notices.TakenAway("transferred", manager.name, count=len(moved), to=target.name)
        _tell_taken(session, source.id, target.team.id, now, taken, target.id)
        return Transferred(len(moved), source.name, target.name)


def _check_room_for_book(session: Session, target: MemberView, ids: list[int]) -> None:
    """The target must stay within the holding cap of each pool the book comes from."""
    incoming: Counter[int] = Counter(
        row.pool_id for row in customers.customers_by_ids(session, ids) if row.won_at is None
    )
    own_cap = members.own_cap(session, target.id)
    for pool_id, count in sorted(incoming.items()):
        rules, _ = rules_for(session, pool_id)
        held = customers.held_count(session, target.id, pool_id)
        if held + count > rules.cap_for(own_cap):
            raise RuleViolation(
                "max_held_per_rep",
                "rule.transfer_cap",
                member=target.name,
                held=held,
                incoming=count,
                cap=rules.cap_for(own_cap),
                pool=rules.pool_name,
            )


def set_locked(services: Services, *, manager: MemberView, customer_id: int, locked: bool) -> Changed:
    """Lock a key account (never recycled) or unlock it."""
    _require_manager(manager, "lock" if locked else "unlock")
    now = services.clock.now()
    with services.db.write() as session:
        row, _, _ = team_customer(session, customer_id, manager)
        assert row.id is not None
        if row.owner_id is None:
            raise Conflict("error.lock_needs_owner", customer=row.name)
        if row.locked == locked:
            raise Conflict("error.already_locked" if locked else "error.not_locked", customer=row.name)
        if not customers.set_flags(session, row.id, row.owner_id, locked=locked):
            raise Conflict("error.changed_meanwhile", customer=row.name)
        kind = "locked" if locked else "unlocked"
        events.add_events(session, [event_row(row.id, kind, row.owner_id, manager.id, now)])
        return Changed(row.id, row.name)


def mark_won(services: Services, *, member: MemberView, customer_id: int) -> Changed:
    """The owner (or a manager) records the deal: the customer is never recycled again."""
    now = services.clock.now()
    with services.db.write() as session:
        row, _, _ = team_customer(session, customer_id, member)
        require_owner_or_manager(session, row, member)
        assert row.id is not None
        if row.won_at is not None:
            raise Conflict("error.already_won", customer=row.name)
        if not customers.set_flags(session, row.id, row.owner_id, won_at=now, stage="won"):
            raise Conflict("error.changed_meanwhile", customer=row.name)
        events.add_events(session, [event_row(row.id, "won", row.owner_id, member.id, now)])
        return Changed(row.id, row.name)
