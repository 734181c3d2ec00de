"""Random sequences of commands by random members never break the ownership invariants.

A hypothesis state machine claims, releases, decides, assigns, transfers, wins, locks, follows up
and lets days pass, on a fresh database per example (SQLite and PostgreSQL). After every step:

- replaying the ownership_event log in id order gives exactly the current owners;
- nobody holds more than the cap (active owned + pending); no customer is owned and pending;
- pending_member_id matches the pending claim_request rows, one at most per customer;
- no claim was let through past the daily limit (local days) or within the reclaim cooldown;
- a refused command (a DomainError) changed nothing.
"""

from __future__ import annotations

import itertools
import shutil
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers import add, member_any, ownership_invariants, snapshot
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import select, text
from sqlmodel import Session, SQLModel, col

from bot.config import PoolbotConfig
from bot.domain import claims, followups, ownership
from bot.domain.catalog import NewCustomer
from bot.domain.clock import FakeClock, local_day
from bot.domain.context import Services
from bot.domain.errors import DomainError
from bot.domain.setup import sync_config
from bot.domain.snapshots import FOLLOW_UP_KINDS, MemberView
from bot.storage.engine import Database
from bot.storage.models import ClaimRequest, Customer, OwnershipEvent, Pool

HANDLES = ("maria", "alice", "bob", "dan", "carol")  # carol is inactive, maria the manager
MAIN = [NewCustomer(f"Main {i}", priority="ABC"[i % 3]) for i in range(6)]
VIP = [NewCustomer(f"Vip {i}", priority="A") for i in range(3)]
TZ = "Asia/Shanghai"
SETTINGS = settings(
    max_examples=30,
    stateful_step_count=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

World = tuple[Services, dict[str, MemberView], list[int]]


def _config(base: PoolbotConfig) -> PoolbotConfig:
    """The conftest team plus a third rep, with tighter limits so that every rule bites often."""
    raw = base.model_dump(mode="json")
    raw["members"].append({"handle": "dan", "name": "Dan", "team": "east", "role": "rep"})
    for pool in raw["pools"]:
        pool.update(max_held_per_rep=2, daily_claim_limit=2, reclaim_cooldown_days=3)
    return PoolbotConfig.model_validate(raw)


def _populate(db: Database, config: PoolbotConfig, clock: FakeClock) -> World:
    sync_config(db, config)
    services = Services(db=db, clock=clock)
    ids = add(services, *MAIN) + add(services, *VIP, pool="east-vip")
    return services, {h: member_any(db, h) for h in HANDLES}, ids


def _rules_check(session: Session) -> list[str]:
    """The daily limit and the cooldown, checked against the whole event log (local days)."""
    problems: list[str] = []
    pools = {p.id: p for p in session.execute(select(Pool)).scalars()}
    pool_of = dict(session.execute(select(col(Customer.id), col(Customer.pool_id))).all())
    per_day: Counter[tuple[int | None, int, date]] = Counter()  # member, pool, local day
    given_back: dict[tuple[int | None, int], date] = {}
    for e in session.execute(select(OwnershipEvent).order_by(col(OwnershipEvent.id))).scalars():
        day = local_day(e.at, TZ)
        pool = pools[pool_of[e.customer_id]]
        if e.kind in ("claimed", "claim_requested"):
            if per_day[(e.member_id, pool.id, day)] >= pool.daily_claim_limit:
                problems.append(f"event {e.id}: claim past the daily limit of member {e.member_id}")
            per_day[(e.member_id, pool.id, day)] += 1
            back = given_back.get((e.member_id, e.customer_id))
            if back is not None and day < back + timedelta(days=pool.reclaim_cooldown_days):
                problems.append(f"event {e.id}: reclaimed on {day}, given back on {back}")
        elif e.kind in ("released", "recycled"):
            given_back[(e.member_id, e.customer_id)] = day
    return problems


class PoolMachine(RuleBasedStateMachine):
    def __init__(self, world: Callable[[], World]) -> None:
        super().__init__()
        self.services, self.members, self.customers = world()
        assert isinstance(self.services.clock, FakeClock)
        self.clock = self.services.clock

    def _run(self, action: Callable[..., Any], **kwargs: Any) -> None:
        before = snapshot(self.services.db)
        try:
            action(self.services, **kwargs)
        except DomainError as exc:
            event(f"refused {exc.key}")
            assert snapshot(self.services.db) == before, f"{exc.key} {exc.params} changed the database"
        else:
            event(f"done {action.__name__}")

    def _pending_request_ids(self) -> list[int]:
        with self.services.db.read() as session:
            return [
                i
                for i in session.scalars(
                    select(col(ClaimRequest.id))
                    .where(col(ClaimRequest.status) == "pending")
                    .order_by(col(ClaimRequest.id))
                )
                if i is not None  # a primary key: never None once stored
            ]

    def _request_ids(self) -> list[int]:
        with self.services.db.read() as session:
            ids = session.scalars(select(col(ClaimRequest.id)).order_by(col(ClaimRequest.id)))
            return [i for i in ids if i is not None]

    def _owned(self) -> list[tuple[int, int]]:
        with self.services.db.read() as session:
            rows = session.execute(
                select(col(Customer.id), col(Customer.owner_id))
                .where(col(Customer.owner_id).is_not(None))
                .order_by(col(Customer.id))
            ).all()
        return [(int(r[0]), int(r[1])) for r in rows]

    def _actor_and_customer(self, who: str, c: int, by_owner: bool) -> tuple[MemberView, int]:
        """Usually the owner acting on an owned customer; otherwise anybody on any customer."""
        owned = self._owned()
        if by_owner and owned:
            cid, owner_id = owned[c % len(owned)]
            return next(m for m in self.members.values() if m.id == owner_id), cid
        return self.members[who], self.customers[c]

    who = st.sampled_from(HANDLES)
    rep = st.sampled_from(["alice", "bob", "dan"] * 3 + ["maria", "carol"])
    manager = st.sampled_from(["maria"] * 6 + ["alice", "carol"])
    index = st.integers(min_value=0, max_value=len(MAIN) + len(VIP) - 1)
    mostly = st.sampled_from([True, True, True, False])

    @rule(who=rep, c=index, reason=st.sampled_from(["", "lead", "", "x" * 501]))
    def claim(self, who: str, c: int, reason: str) -> None:
        self._run(claims.claim, member=self.members[who], customer_id=self.customers[c], reason=reason)

    @rule(who=rep, c=index)
    def claim_again(self, who: str, c: int) -> None:
        """Claims are the busiest command: a second rule doubles their share of the steps."""
        self._run(claims.claim, member=self.members[who], customer_id=self.customers[c])

    @rule(who=manager, pick=st.integers(min_value=0, max_value=20), approve=st.booleans(), pending=mostly)
    def decide(self, who: str, pick: int, approve: bool, pending: bool) -> None:
        ids = self._pending_request_ids() if pending else self._request_ids()
        request_id = ids[pick % len(ids)] if ids else 999
        self._run(claims.decide, manager=self.members[who], request_id=request_id, approve=approve)

    @rule(who=who, c=index, by_owner=mostly)
    def release(self, who: str, c: int, by_owner: bool) -> None:
        actor, cid = self._actor_and_customer(who, c, by_owner)
        self._run(ownership.release, member=actor, customer_id=cid, reason="done")

    @rule(who=manager, c=index, to=rep)
    def assign(self, who: str, c: int, to: str) -> None:
        self._run(
            ownership.assign,
            manager=self.members[who],
            customer_id=self.customers[c],
            to_member_id=self.members[to].id,
        )

    @rule(who=manager, source=who, c=index, of_owner=mostly, to=rep)
    def transfer(self, who: str, source: str, c: int, of_owner: bool, to: str) -> None:
        owner, _ = self._actor_and_customer(source, c, of_owner)
        self._run(
            ownership.transfer,
            manager=self.members[who],
            from_member_id=owner.id,
            to_member_id=self.members[to].id,
        )

    @rule(who=who, c=index, by_owner=mostly)
    def won(self, who: str, c: int, by_owner: bool) -> None:
        actor, cid = self._actor_and_customer(who, c, by_owner)
        self._run(ownership.mark_won, member=actor, customer_id=cid)

    @rule(who=manager, c=index, locked=st.booleans(), owned=mostly)
    def lock(self, who: str, c: int, locked: bool, owned: bool) -> None:
        _, cid = self._actor_and_customer(who, c, owned)
        self._run(ownership.set_locked, manager=self.members[who], customer_id=cid, locked=locked)

    @rule(
        who=who,
        c=index,
        by_owner=mostly,
        kind=st.sampled_from([*FOLLOW_UP_KINDS, "fax"]),
        next_in=st.none() | st.integers(min_value=-2, max_value=10),
    )
    def follow_up(self, who: str, c: int, by_owner: bool, kind: str, next_in: int | None) -> None:
        actor, cid = self._actor_and_customer(who, c, by_owner)
        today = local_day(self.clock.now(), TZ)
        next_date = None if next_in is None else today + timedelta(days=next_in)
        self._run(
            followups.follow_up, member=actor, customer_id=cid, note="touch", kind=kind, next_date=next_date
        )

    @rule(days=st.sampled_from([0, 0, 1, 1, 2, 7, 8]), hours=st.integers(min_value=0, max_value=23))
    def advance(self, days: int, hours: int) -> None:
        self.clock.advance(days=days, hours=hours)

    @invariant()
    def sound(self) -> None:
        with self.services.db.read() as session:
            assert ownership_invariants(session) == []
            assert _rules_check(session) == []

    def teardown(self) -> None:
        if self.services.db.is_sqlite:
            self.services.db.dispose()


def _bound(world: Callable[[], World]) -> type[PoolMachine]:
    """``PoolMachine`` bound to ``world``: hypothesis builds each machine from a class, without arguments."""

    class Bound(PoolMachine):
        def __init__(self) -> None:
            super().__init__(world)

    return Bound


@pytest.mark.slow  # about 10-15 s per database on a 2-core machine
def test_random_commands_keep_the_invariants(
    database_url: str, config: PoolbotConfig, clock: FakeClock, tmp_path: Path
) -> None:
    start = clock.now()  # every example starts on Monday 2026-11-23 10:00 in Shanghai
    full = _config(config)
    counter = itertools.count()
    if database_url.startswith("sqlite"):
        template = Path(database_url.removeprefix("sqlite:///"))

        def world() -> World:
            path = tmp_path / f"example-{next(counter)}.db"
            shutil.copyfile(template, path)  # the migrated, empty schema
            return _populate(Database.from_url(f"sqlite:///{path}"), full, FakeClock(start))

        run_state_machine_as_test(_bound(world), settings=SETTINGS)
        return

    db = Database.from_url(database_url)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    try:

        def world() -> World:
            with db.write() as session:
                session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            return _populate(db, full, FakeClock(start))

        run_state_machine_as_test(_bound(world), settings=SETTINGS)
    finally:
        db.dispose()
