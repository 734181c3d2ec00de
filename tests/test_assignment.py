"""Automatic assignment: each strategy, the skips, the explanation, the notices, the console."""

from __future__ import annotations

import contextlib
import random
import threading
from collections import Counter
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest
from conftest import TEAM_CONFIG
from helpers import add, event_kinds, events_of, member, notifications, owner_of, ownership_invariants

from bot.config import PoolbotConfig
from bot.domain import assignment
from bot.domain.assignment import AutoOutcome
from bot.domain.catalog import NewCustomer
from bot.domain.claims import claim
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.errors import DomainError, Forbidden
from bot.domain.notices import AUTO_ASSIGNED
from bot.domain.ownership import assign, mark_won
from bot.domain.recycling import recycle
from bot.domain.setup import sync_config
from bot.handlers.console.chat import ConsoleChat
from bot.handlers.notices.ownership import auto_assigned
from bot.importer import import_file
from bot.storage import assignment as sql
from bot.storage.assignment import Filters

EXTRA_REPS = [
    {"handle": "dan", "name": "Dan", "team": "east", "role": "rep"},
    {"handle": "erin", "name": "Erin", "team": "east", "role": "rep"},
]


def configure(services: Services, cap: int = 3, **settings: Any) -> None:
    """Team east plus Dan and Erin; east-main with the cap and ``[pools.assignment]`` given."""
    raw = deepcopy(TEAM_CONFIG)
    raw["members"] = [*raw["members"], *EXTRA_REPS]
    raw["pools"][0] = {**raw["pools"][0], "max_held_per_rep": cap, "daily_claim_limit": 100}
    if settings:
        raw["pools"][0]["assignment"] = settings
    config = PoolbotConfig.model_validate(raw)
    sync_config(services.db, config)
    assignment.sync_settings(services.db, config)


def run(services: Services, count: int = 1000, seed: int = 7, **filters: str) -> AutoOutcome:
    return assignment.auto_assign(
        services,
        manager=member(services, "maria"),
        team_id=member(services, "maria").team.id,
        filters=Filters(**filters),
        count=count,
        rng=random.Random(seed),
    )


def received(outcome: AutoOutcome) -> Counter[str]:
    return Counter(a.member_name for a in outcome.assigned)


def test_round_robin_is_fair_over_many_runs_and_takes_turns_in_order(services: Services) -> None:
    configure(services, cap=100, strategy="round_robin")
    add(services, *[f"Lead {i}" for i in range(40)])
    order = [run(services, count=1).assigned[0].member_name for _ in range(40)]
    assert Counter(order) == {"Alice": 10, "Bob": 10, "Dan": 10, "Erin": 10}
    assert order[:8] == ["Alice", "Bob", "Dan", "Erin"] * 2  # the turn survives between runs
    assert "round-robin turn; 1 of 100 held" in events_of(services.db, 1)[-1].reason


def test_inactive_and_full_members_are_skipped(services: Services) -> None:
    configure(services, cap=3, strategy="round_robin", members=["alice", "carol", "bob"])
    alice = member(services, "alice")
    for cid in add(services, "Held 1", "Held 2", "Held 3"):
        assign(services, manager=member(services, "maria"), customer_id=cid, to_member_id=alice.id)
    add(services, "New 1", "New 2", "New 3", "New 4")
    outcome = run(services)
    assert received(outcome) == {"Bob": 3}  # Carol is inactive, Alice at her cap
    assert [item.reason for item in outcome.left] == ["full"]


def test_least_loaded_gives_to_the_most_free_capacity_and_says_why(services: Services) -> None:
    configure(services, cap=5, strategy="least_loaded")
    alice = member(services, "alice")
    for cid in add(services, "Old 1", "Old 2", "Old 3"):
        assign(services, manager=member(services, "maria"), customer_id=cid, to_member_id=alice.id)
    add(services, *[f"New {i}" for i in range(9)])
    outcome = run(services)
    # Bob, Dan, Erin get 3 each before Alice (3 held) has as much room as they do; then ties
    assert received(outcome) == {"Bob": 3, "Dan": 3, "Erin": 3}
    assert "most free capacity; 1 of 5 held" in outcome.assigned[0].reason


def test_rules_route_by_region_and_industry_with_a_fallback(services: Services) -> None:
    configure(
        services,
        cap=10,
        strategy="rules",
        rules=[
            {"region": "East", "members": ["alice"]},
            {"industry": "manufacturing", "size": "50-200", "members": ["bob", "dan"]},
        ],
        fallback=["erin"],
    )
    east = add(services, "Shanghai Steel", region="east")
    made = add(services, "Ningbo Tools", industry="Manufacturing", size="50-200")
    other = add(services, "Corner Shop", industry="retail")
    outcome = run(services)
    owners = {a.customer_id: (a.member_name, a.reason) for a in outcome.assigned}
    assert owners[east[0]] == ("Alice", "region east; most free capacity; 1 of 10 held")
    assert owners[made[0]][0] in ("Bob", "Dan")
    assert owners[made[0]][1].startswith("industry Manufacturing, size 50-200; most free capacity")
    assert owners[other[0]] == ("Erin", "no rule matched: fallback group; most free capacity; 1 of 10 held")


def test_rules_without_fallback_leave_unmatched_customers_in_the_pool(services: Services) -> None:
    configure(services, strategy="rules", rules=[{"priority": "A", "members": ["bob"]}], fallback=[])
    (vip,) = add(services, "Big Fish", priority="A")
    (small,) = add(services, "Small Fry", priority="C")
    outcome = run(services)
    assert [(a.customer_id, a.member_name) for a in outcome.assigned] == [(vip, "Bob")]
    assert [(u.customer_id, u.reason) for u in outcome.left] == [(small, "no_rule")]
    assert owner_of(services.db, small) is None


def test_smart_weighs_by_win_rate_in_the_segment_with_a_floor_for_newcomers(services: Services) -> None:
    configure(services, cap=1000, strategy="smart", members=["alice", "bob"], smart_floor=0.1)
    maria, alice = member(services, "maria"), member(services, "alice")
    segment = {"industry": "manufacturing", "size": "50-200"}
    for cid in add(services, "Won 1", "Won 2", "Won 3", **segment):
        assign(services, manager=maria, customer_id=cid, to_member_id=alice.id)
        mark_won(services, member=alice, customer_id=cid)
    add(services, *[f"Plant {i}" for i in range(220)], **segment)
    outcome = run(services)
    got = received(outcome)
    assert got["Alice"] + got["Bob"] == 220
    assert 170 <= got["Alice"] <= 215 and got["Bob"] >= 5  # 100% vs the 10% floor: about 10 to 1
    reasons = {a.member_name: a.reason for a in outcome.assigned}
    assert "win rate 100% in manufacturing · 50-200" in reasons["Alice"]
    assert "no history in manufacturing · 50-200: weighted at the 10% floor" in reasons["Bob"]


def test_every_assignment_leaves_an_event_and_one_notice_per_assignee(services: Services) -> None:
    configure(services, cap=10, strategy="round_robin", members=["alice", "bob"])
    ids = add(services, *[f"Lead {i}" for i in range(5)])
    run(services)
    for cid in ids:
        (event,) = [e for e in events_of(services.db, cid) if e.kind == "assigned"]
        assert event.actor_id == member(services, "maria").id and "round-robin turn" in event.reason
    notices = notifications(services.db, kind=AUTO_ASSIGNED.name)
    assert Counter(n.recipient_id for n in notices) == Counter(
        [member(services, h).id for h in ("alice", "bob")]
    )
    alice_notice = next(n for n in notices if n.recipient_id == member(services, "alice").id)
    message = auto_assigned(services, AUTO_ASSIGNED.read(alice_notice.payload), "en")
    assert "Maria assigned you 3 customers:" in message.summary
    assert "• Lead 0: round-robin turn; 1 of 10 held" in str(message.blocks[1])


def test_only_managers_run_it_and_filters_narrow_it(services: Services) -> None:
    configure(services, cap=10)
    add(services, "East One", region="East")
    add(services, "West One", region="West")
    with pytest.raises(Forbidden):
        assignment.auto_assign(services, manager=member(services, "alice"), team_id=1)
    outcome = run(services, region="east")
    assert [a.customer_name for a in outcome.assigned] == ["East One"]


def test_the_console_runs_it_with_a_count_and_filters(services: Services) -> None:
    configure(services, cap=10, strategy="round_robin", members=["alice", "bob"])
    add(services, *[NewCustomer(f"Lead {i}", region="East") for i in range(5)])
    add(services, "Elsewhere", region="West")
    chat = ConsoleChat(services, handle="maria")
    out = chat.say("/assign auto 3 region:East")
    assert "Assigned 3 of 3 customers" in out
    assert "Alice" in out and "Bob" in out
    assert "#1 Lead 0 → Alice: round-robin turn; 1 of 10 held" in out
    assert "Assigned 2 of 2 customers" in chat.say("/assign auto region:east")
    assert "No pool customer matches" in chat.say("/assign auto region:east")
    assert "The count is a number" in chat.say("/assign auto lots")
    assert "Only managers can /assign" in ConsoleChat(services, handle="alice").say("/assign auto")


def test_concurrent_runs_never_exceed_the_cap_nor_assign_twice(services: Services) -> None:
    """Six runs at once (and a rep claiming meanwhile) against the real database."""
    configure(services, cap=4, strategy="least_loaded")
    ids = add(services, *[f"Race {i}" for i in range(40)])
    barrier = threading.Barrier(7, timeout=120)
    outcomes: list[AutoOutcome] = []
    errors: list[BaseException] = []

    def auto(seed: int) -> None:
        barrier.wait()
        try:
            outcomes.append(run(services, count=10, seed=seed))
        except BaseException as exc:  # reported below, so the test names the failure
            errors.append(exc)

    def claimer() -> None:
        barrier.wait()
        for cid in ids[-3:]:
            with contextlib.suppress(DomainError):  # a lost race or the cap: both fine here
                claim(services, member=member(services, "alice"), customer_id=cid)

    threads = [threading.Thread(target=auto, args=(seed,)) for seed in range(6)]
    threads.append(threading.Thread(target=claimer))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with services.db.read() as session:
        assert ownership_invariants(session) == []
    assigned = [a.customer_id for outcome in outcomes for a in outcome.assigned]
    assert len(assigned) == len(set(assigned))  # no customer assigned twice
    owned = [cid for cid in ids if owner_of(services.db, cid) is not None]
    assert len(owned) == 16  # four reps, four each: the cap, exactly


def test_an_import_of_500_is_spread_at_once_when_the_pool_says_on_import(
    services: Services, tmp_path: Path
) -> None:
    configure(services, cap=200, strategy="round_robin", on_import=True)
    rows = "\n".join(f"Company {i},East,A" for i in range(500))
    path = tmp_path / "customers.csv"
    path.write_text(f"name,region,priority\n{rows}\n", encoding="utf-8")
    report = import_file(services.db, services.clock, path, pool_name="east-main")
    assert (report.imported, report.assigned) == (500, 500)
    assert "500 customers assigned automatically" in "\n".join(report.lines())
    with services.db.read() as session:
        held = sql.held_by(session, 1)
    assert sorted(held.values()) == [125, 125, 125, 125]
    (event,) = [e for e in events_of(services.db, 1) if e.kind == "assigned"]
    assert event.actor_id is None and event.reason == "round-robin turn; 1 of 200 held"
    notices = notifications(services.db, kind=AUTO_ASSIGNED.name)
    assert len(notices) == 4 and {n.payload["count"] for n in notices} == {125}
    assert notices[0].payload["by"] == "poolbot"


def test_recycled_customers_go_to_another_rep_when_the_pool_says_on_recycle(
    services: Services, clock: FakeClock
) -> None:
    configure(services, cap=10, strategy="least_loaded", members=["alice", "bob"], on_recycle=True)
    (cid,) = add(services, "Neglected", priority="A")
    claim(services, member=member(services, "alice"), customer_id=cid)
    clock.advance(days=7)
    report = recycle(services)
    assert report.reassigned == 1
    assert owner_of(services.db, cid) == member(services, "bob").id  # Alice is in her cooldown
    assert event_kinds(services.db, cid)[-2:] == ["recycled", "assigned"]


def test_without_on_recycle_recycled_customers_stay_in_the_pool(services: Services, clock: FakeClock) -> None:
    configure(services, cap=10, strategy="least_loaded")
    (cid,) = add(services, "Neglected", priority="A")
    claim(services, member=member(services, "alice"), customer_id=cid)
    clock.advance(days=7)
    assert recycle(services).reassigned == 0 and owner_of(services.db, cid) is None


def test_a_manager_sets_the_priority_and_the_deadline_follows(services: Services) -> None:
    (cid,) = add(services, "Slow Burner", priority="C")
    claim(services, member=member(services, "alice"), customer_id=cid)
    out = ConsoleChat(services, handle="maria").say("/customer Slow Burner priority:a")
    assert "Slow Burner is now priority A (7 days without a touch)." in out
    assert "back to the pool on 11-30: last touch 11-23, rule 7 days for priority A" in out
    assert "already priority A" in ConsoleChat(services, handle="maria").say("/customer #1 priority:A")
    assert "Only managers" in ConsoleChat(services, handle="alice").say("/customer #1 priority:B")
    assert "Priority is A, B or C" in ConsoleChat(services, handle="maria").say("/customer #1 priority:Z")


def test_on_recycle_never_hands_a_customer_back_to_its_former_owner_even_without_cooldown(
    services: Services, clock: FakeClock
) -> None:
    raw = deepcopy(TEAM_CONFIG)
    raw["pools"][0] = {
        **raw["pools"][0],
        "max_held_per_rep": 10,
        "daily_claim_limit": 100,
        "reclaim_cooldown_days": 0,
        "assignment": {"strategy": "least_loaded", "members": ["alice", "bob"], "on_recycle": True},
    }
    config = PoolbotConfig.model_validate(raw)
    sync_config(services.db, config)
    assignment.sync_settings(services.db, config)
    alice, bob = member(services, "alice"), member(services, "bob")
    (neglected,) = add(services, "Neglected", priority="A")
    claim(services, member=alice, customer_id=neglected)
    clock.advance(days=3)
    for cid in add(services, "Bob 1", "Bob 2", priority="C"):
        claim(services, member=bob, customer_id=cid)
    clock.advance(days=4)  # Neglected is due; after the recycle Alice holds 0, Bob 2: she has more room
    report = recycle(services)
    assert [c.customer_id for c in report.customers] == [neglected] and report.reassigned == 1
    assert owner_of(services.db, neglected) == bob.id
    assert event_kinds(services.db, neglected)[-2:] == ["recycled", "assigned"]


def test_on_recycle_leaves_it_in_the_pool_when_only_the_former_owner_could_take_it(
    services: Services, clock: FakeClock
) -> None:
    raw = deepcopy(TEAM_CONFIG)
    raw["pools"][0] = {
        **raw["pools"][0],
        "reclaim_cooldown_days": 0,
        "assignment": {"strategy": "round_robin", "members": ["alice"], "on_recycle": True},
    }
    config = PoolbotConfig.model_validate(raw)
    sync_config(services.db, config)
    assignment.sync_settings(services.db, config)
    (neglected,) = add(services, "Neglected", priority="A")
    claim(services, member=member(services, "alice"), customer_id=neglected)
    clock.advance(days=7)
    assert recycle(services).reassigned == 0
    assert owner_of(services.db, neglected) is None
    claim(services, member=member(services, "alice"), customer_id=neglected)  # no cooldown: she may claim it
    assert owner_of(services.db, neglected) == member(services, "alice").id


def test_chinese_priority_words_work_in_assign_auto_and_customer_edits(services: Services) -> None:
    configure(services, cap=10, strategy="round_robin", members=["alice", "bob"])
    add(services, "Big Fish", priority="A")
    add(services, "Small Fry", priority="C")
    chat = ConsoleChat(services, handle="maria")
    out = chat.say("/assign auto priority:高")
    assert "Assigned 1 of 1 customers" in out and "Big Fish" in out and "Small Fry" not in out
    said = {word: chat.say(f"/customer Small Fry 优先级:{word}") for word in ("高", "中", "Ａ", "低")}
    assert "Small Fry is now priority A (7 days without a touch)." in said["高"]
    assert "Small Fry is now priority B (15 days without a touch)." in said["中"]
    assert (
        "Small Fry is now priority A (7 days without a touch)." in said["Ａ"]
    )  # full-width, as typed in Chinese
    assert "Small Fry is now priority C (30 days without a touch)." in said["低"]
    assert "Priority is A, B or C" in chat.say("/customer #2 priority:最高")
    assert "No pool customer matches" in chat.say("/assign auto priority:Z")
    assert "Assigned 1 of 1 customers" in chat.say("/assign auto 优先级:低")
