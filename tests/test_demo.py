"""The demo: a team anyone can try in a minute, the same every time, loaded once."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from bot.demo import BOOKS, DemoError, demo_customers, load_demo
from bot.domain.claims import claim
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.errors import RuleViolation
from bot.domain.lookup import member_for, resolve_customer
from bot.names import duplicate_key, phone_key
from bot.storage.engine import Database
from bot.storage.models import Customer, Member, OwnershipEvent, Pool
from bot.storage.teams import pool_by_name


def demo_rows(db: Database) -> list[tuple[Customer, str]]:
    with db.read() as session:
        rows = session.execute(
            select(Customer, col(Pool.name))
            .join(Pool, col(Pool.id) == col(Customer.pool_id))
            .order_by(col(Customer.id))
        ).all()
    return [(row[0], row[1]) for row in rows]


def test_demo_loads_a_team_two_pools_and_about_200_customers(db: Database, clock: FakeClock) -> None:
    report = load_demo(db, clock)

    rows = demo_rows(db)
    assert report.added == report.total == len(rows) == 200
    pools = Counter(pool for _, pool in rows)
    assert set(pools) == {"demo-main", "demo-key-accounts"}
    assert pools["demo-main"] > pools["demo-key-accounts"] > 0
    by_name = {customer.name: pool for customer, pool in rows}
    assert by_name["杭州云帆科技有限公司"] == "demo-main"
    assert by_name["Northwind Traders"] == "demo-main"
    assert by_name["Contoso Ltd"] == "demo-key-accounts"
    customers = [customer for customer, _ in rows]
    assert len({duplicate_key(c.name) for c in customers}) == 200
    assert len({phone_key(c.phone) for c in customers}) == 200
    assert all(c.phone and c.phone.startswith("13") and len(c.phone) == 11 for c in customers)
    assert {c.priority for c in customers} == {"A", "B", "C"}
    assert {c.size for c in customers} == {"1-10", "11-50", "51-200", "201-1000", "1000+"}
    assert any(c.search_key for c in customers) and any(not c.search_key for c in customers)
    # everything is in the pool but bob's and chen's small books, played out over the past weeks
    owners = Counter(c.owner_id for c in customers if c.owner_id is not None)
    assert sum(owners.values()) == len(BOOKS) and len(owners) == 2
    assert all(c.last_touch_at is not None for c in customers if c.owner_id is not None)
    with db.read() as session:
        imported = session.execute(
            select(func.count()).select_from(OwnershipEvent).where(col(OwnershipEvent.kind) == "imported")
        ).scalar()
    assert imported == 200
    assert report.lines()[0] == "Demo data loaded: 200 customers added to pools demo-main, demo-key-accounts."


def test_demo_pools_and_members_have_the_documented_rules(db: Database, clock: FakeClock) -> None:
    load_demo(db, clock)

    with db.read() as session:
        main = pool_by_name(session, "demo-main")
        key = pool_by_name(session, "demo-key-accounts")
        members = {m.handle: (m.name, m.role) for m in session.execute(select(Member)).scalars()}
    assert main is not None and key is not None
    assert (main.claim_requires_approval, main.max_held_per_rep, main.daily_claim_limit) == (False, 5, 3)
    assert (main.reclaim_cooldown_days, main.warn_days, main.hide_contact_in_pool) == (7, 3, True)
    assert (main.recycle_days_a, main.recycle_days_b, main.recycle_days_c) == (7, 15, 30)
    assert (key.claim_requires_approval, key.max_held_per_rep, key.daily_claim_limit) == (True, 5, 3)
    assert members == {
        "maria": ("Maria Chen", "manager"),
        "alice": ("Alice Wang", "rep"),
        "bob": ("Bob Li", "rep"),
        "chen": ("陈静", "rep"),
        "admin": ("Admin", "admin"),
    }


def test_a_new_user_can_walk_through_the_rules(db: Database, clock: FakeClock) -> None:
    load_demo(db, clock)
    services = Services(db=db, clock=clock)
    alice = member_for(services, platform="console", user_id="alice")

    yunfan = resolve_customer(services, member=alice, query="云帆")
    assert claim(services, member=alice, customer_id=yunfan).request_id is None
    contoso = resolve_customer(services, member=alice, query="Contoso Ltd")
    assert claim(services, member=alice, customer_id=contoso).request_id is not None
    northwind = resolve_customer(services, member=alice, query="northwind traders")
    claim(services, member=alice, customer_id=northwind)
    with db.read() as session:
        main = pool_by_name(session, "demo-main")
        assert main is not None
        free = (
            col(Customer.owner_id).is_(None),
            col(Customer.pending_member_id).is_(None),
            col(Customer.pool_id) == main.id,
        )
        third, fourth = session.execute(select(col(Customer.id)).where(*free).limit(2)).scalars().all()
    claim(services, member=alice, customer_id=third)  # the request in the key-account pool is not counted
    with pytest.raises(RuleViolation) as refused:
        claim(services, member=alice, customer_id=fourth)
    assert refused.value.rule == "daily_claim_limit"
    assert refused.value.params == {"count": 3, "limit": 3}


def test_loading_the_demo_twice_adds_nothing(db: Database, clock: FakeClock) -> None:
    load_demo(db, clock)
    before = [(c.id, c.name, c.phone, pool) for c, pool in demo_rows(db)]

    again = load_demo(db, clock)

    assert (again.added, again.total) == (0, 200)
    assert again.lines()[0].startswith("Demo data already loaded: nothing added")
    assert [(c.id, c.name, c.phone, pool) for c, pool in demo_rows(db)] == before


def test_demo_data_is_the_same_every_time() -> None:
    assert demo_customers() == demo_customers()


def test_demo_refuses_to_take_over_members_of_another_team(services: Services) -> None:
    # the test team "east" already has maria, alice and bob
    with pytest.raises(DemoError) as refused:
        load_demo(services.db, services.clock)

    assert "alice (team east)" in str(refused.value)
    assert member_for(services, platform="console", user_id="alice").team.name == "east"
    assert demo_rows(services.db) == []
