"""Shared test helpers: members, customers, and snapshots of what a user could observe."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session, col

from bot.config import PoolbotConfig
from bot.domain import lookup
from bot.domain.catalog import NewCustomer, add_customers
from bot.domain.context import Services, load_member
from bot.domain.setup import sync_config
from bot.domain.snapshots import MemberView
from bot.storage.customers import customer
from bot.storage.engine import Database
from bot.storage.models import (
    ClaimRequest,
    Customer,
    FollowUp,
    Member,
    Notification,
    OwnershipEvent,
    Pool,
)
from bot.storage.teams import pool_by_name

OWNING_KINDS = (  # member None: the pool
    "claimed",
    "approved",
    "assigned",
    "transferred",
    "registered",
    "merged",
    "handed_over",
)
RETURNING_KINDS = ("released", "recycled")


def member(services: Services, handle: str) -> MemberView:
    """The member as a chat handler would get it (inactive members are refused here)."""
    return lookup.member_for(services, platform="console", user_id=handle)


def member_any(db: Database, handle: str) -> MemberView:
    """The member's view straight from the database, active or not."""
    with db.read() as session:
        row = session.execute(select(Member).where(col(Member.handle) == handle)).scalars().one()
        assert row.id is not None
        return load_member(session, row.id)


def pool_id(db: Database, name: str) -> int:
    with db.read() as session:
        pool = pool_by_name(session, name)
        assert pool is not None and pool.id is not None
        return pool.id


def add(services: Services, *names: str | NewCustomer, pool: str = "east-main", **fields: Any) -> list[int]:
    """Add customers to ``pool`` through the catalog; plain names get ``fields`` (priority etc.)."""
    items = [n if isinstance(n, NewCustomer) else NewCustomer(name=n, **fields) for n in names]
    pid = pool_id(services.db, pool)
    with services.db.write() as session:
        return add_customers(session, pool_id=pid, customers=items, now=services.clock.now())


def add_one(services: Services, name: str, pool: str = "east-main", **fields: Any) -> int:
    return add(services, name, pool=pool, **fields)[0]


WEST_CONFIG = {
    "teams": [{"name": "west", "timezone": "America/Los_Angeles", "locale": "en"}],
    "members": [
        {"handle": "walt", "name": "Walt", "team": "west", "role": "rep"},
        {"handle": "wendy", "name": "Wendy", "team": "west", "role": "manager"},
    ],
    "pools": [{"name": "west-main", "team": "west", "hide_contact_in_pool": False}],
}


def add_west_team(services: Services) -> None:
    """A second team (upserted next to 'east'): its customers must stay invisible to east."""
    sync_config(services.db, PoolbotConfig.model_validate(WEST_CONFIG))


def add_east_member(
    services: Services, handle: str, name: str, role: str = "rep", active: bool = True
) -> None:
    """One more member of team 'east' (the team row is upserted with its conftest settings)."""
    sync_config(
        services.db,
        PoolbotConfig.model_validate(
            {
                "teams": [{"name": "east", "timezone": "Asia/Shanghai", "locale": "en"}],
                "members": [{"handle": handle, "name": name, "team": "east", "role": role, "active": active}],
            }
        ),
    )


# ---- what a user could observe -------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    customers: tuple[tuple[Any, ...], ...]
    events: tuple[tuple[Any, ...], ...]
    requests: tuple[tuple[Any, ...], ...]
    notifications: tuple[tuple[Any, ...], ...]
    follow_ups: tuple[tuple[Any, ...], ...]


def snapshot(db: Database) -> Snapshot:
    """Everything a refused command must leave unchanged."""
    with db.read() as session:
        customers = session.execute(
            select(
                col(Customer.id),
                col(Customer.owner_id),
                col(Customer.pending_member_id),
                col(Customer.owned_since),
                col(Customer.last_touch_at),
                col(Customer.won_at),
                col(Customer.locked),
                col(Customer.stage),
                col(Customer.pool_id),
            ).order_by(col(Customer.id))
        ).all()
        events = session.execute(
            select(
                col(OwnershipEvent.id),
                col(OwnershipEvent.customer_id),
                col(OwnershipEvent.kind),
                col(OwnershipEvent.member_id),
                col(OwnershipEvent.from_member_id),
                col(OwnershipEvent.actor_id),
                col(OwnershipEvent.request_id),
            ).order_by(col(OwnershipEvent.id))
        ).all()
        requests = session.execute(
            select(
                col(ClaimRequest.id),
                col(ClaimRequest.customer_id),
                col(ClaimRequest.member_id),
                col(ClaimRequest.status),
                col(ClaimRequest.decided_by_id),
            ).order_by(col(ClaimRequest.id))
        ).all()
        notifications = session.execute(
            select(
                col(Notification.id),
                col(Notification.key),
                col(Notification.recipient_id),
                col(Notification.kind),
            ).order_by(col(Notification.id))
        ).all()
        follow_ups = session.execute(
            select(col(FollowUp.id), col(FollowUp.customer_id), col(FollowUp.member_id)).order_by(
                col(FollowUp.id)
            )
        ).all()
    return Snapshot(
        tuple(map(tuple, customers)),
        tuple(map(tuple, events)),
        tuple(map(tuple, requests)),
        tuple(map(tuple, notifications)),
        tuple(map(tuple, follow_ups)),
    )


def customer_row(db: Database, customer_id: int) -> Customer:
    with db.read() as session:
        row = customer(session, customer_id)
        assert row is not None
        return row


def owner_of(db: Database, customer_id: int) -> int | None:
    return customer_row(db, customer_id).owner_id


def events_of(db: Database, customer_id: int) -> list[OwnershipEvent]:
    with db.read() as session:
        return list(
            session.execute(
                select(OwnershipEvent)
                .where(col(OwnershipEvent.customer_id) == customer_id)
                .order_by(col(OwnershipEvent.id))
            ).scalars()
        )


def event_kinds(db: Database, customer_id: int) -> list[str]:
    return [e.kind for e in events_of(db, customer_id)]


def notifications(db: Database, *, kind: str | None = None) -> list[Notification]:
    with db.read() as session:
        stmt = select(Notification).order_by(col(Notification.id))
        if kind is not None:
            stmt = stmt.where(col(Notification.kind) == kind)
        return list(session.execute(stmt).scalars())


def requests(db: Database) -> list[ClaimRequest]:
    with db.read() as session:
        return list(session.execute(select(ClaimRequest).order_by(col(ClaimRequest.id))).scalars())


# ---- invariants (race and property tests) --------------------------------------------------------


def ownership_invariants(session: Session) -> list[str]:
    """Every broken invariant of the ownership state, as readable strings (empty when sound)."""
    problems: list[str] = []
    customers = list(session.execute(select(Customer).order_by(col(Customer.id))).scalars())
    owners = {c.id: c.owner_id for c in customers}
    caps = {p.id: p.max_held_per_rep for p in session.execute(select(Pool)).scalars()}
    own_caps = {m.id: m.max_held for m in session.execute(select(Member)).scalars()}

    # replaying the event log gives exactly the current owners
    replay: dict[int, int | None] = {c.id: None for c in customers if c.id is not None}
    for event in session.execute(select(OwnershipEvent).order_by(col(OwnershipEvent.id))).scalars():
        if event.kind in OWNING_KINDS:
            replay[event.customer_id] = event.member_id
        elif event.kind in RETURNING_KINDS:
            replay[event.customer_id] = None
    for cid, owner in owners.items():
        assert cid is not None
        if replay.get(cid) != owner:
            problems.append(f"customer {cid}: owner {owner} but the event log says {replay.get(cid)}")
        row = next(c for c in customers if c.id == cid)
        if row.owner_id is not None and row.pending_member_id is not None:
            problems.append(
                f"customer {cid}: owned by {row.owner_id} and pending for {row.pending_member_id}"
            )

    # the cap: active (not won) owned + pending, per member and pool (caps are per pool)
    held: Counter[tuple[int, int]] = Counter()
    for c in customers:
        if c.owner_id is not None and c.won_at is None:
            held[(c.owner_id, c.pool_id)] += 1
        if c.pending_member_id is not None:
            held[(c.pending_member_id, c.pool_id)] += 1
    for (member_id, pool_id), count in held.items():
        cap = own_caps.get(member_id) or caps[pool_id]
        if count > cap:
            problems.append(f"member {member_id} holds {count} in pool {pool_id} > cap {cap}")

    # pending_member_id <-> pending claim requests
    pending = list(
        session.execute(select(ClaimRequest).where(col(ClaimRequest.status) == "pending")).scalars()
    )
    per_customer = Counter(r.customer_id for r in pending)
    for cid, count in per_customer.items():
        if count > 1:
            problems.append(f"customer {cid}: {count} pending requests")
    by_customer = {r.customer_id: r.member_id for r in pending}
    for c in customers:
        if by_customer.get(c.id) != c.pending_member_id:
            problems.append(
                f"customer {c.id}: pending_member_id {c.pending_member_id} but pending request for "
                f"{by_customer.get(c.id)}"
            )
    return problems


def local(zone: ZoneInfo, day: date, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """A wall-clock moment in ``zone`` (the scheduler tests think in local days)."""
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=zone)


def own(services: Services, handle: str, name: str, *, priority: str = "C", pool: str = "east-main") -> int:
    """A new pool customer, claimed by ``handle`` now."""
    from bot.domain.claims import claim

    cid = add_one(services, name, pool=pool, priority=priority)
    claim(services, member=member(services, handle), customer_id=cid)
    return cid
