"""Caps per person: a member's ``max_held`` replaces the pool's ``max_held_per_rep`` for that member,
in what claims say and refuse (under races too), in assignments by hand and by strategy."""

from __future__ import annotations

import copy
import threading
from typing import Any

import pytest
from conftest import TEAM_CONFIG
from helpers import add, member, ownership_invariants

from bot.config import PoolbotConfig
from bot.domain.assignment import auto_assign
from bot.domain.claims import claim
from bot.domain.context import Services
from bot.domain.errors import DomainError, RuleViolation
from bot.domain.ownership import assign
from bot.handlers.console.chat import ConsoleChat
from bot.storage.engine import Database


def caps_config(alice: int | None = 1, bob: int | None = 5) -> dict[str, Any]:
    """The conftest team with Alice a junior (1) and Bob a senior (5); the pool's cap stays 3."""
    data = copy.deepcopy(TEAM_CONFIG)
    for handle, cap in (("alice", alice), ("bob", bob)):
        if cap is not None:
            next(m for m in data["members"] if m["handle"] == handle)["max_held"] = cap
    data["pools"][0]["daily_claim_limit"] = 20
    return data


@pytest.fixture
def config() -> PoolbotConfig:
    return PoolbotConfig.model_validate(caps_config())


def test_a_junior_reads_and_meets_their_own_cap_not_the_pools(services: Services) -> None:
    add(services, "Acme Corp", "Globex")
    chat = ConsoleChat(services, handle="alice")
    assert "Acme Corp is yours (1 of 1 held)" in chat.say('/claim "Acme Corp"')
    assert "You hold 1 of 1 customers" in chat.say("/claim Globex")


def test_a_senior_holds_more_than_the_pools_cap(services: Services) -> None:
    ids = add(services, *(f"Customer {n}" for n in range(6)))
    chat = ConsoleChat(services, handle="bob")
    for n in range(4):
        assert f"({n + 1} of 5 held)" in chat.say(f"/claim #{ids[n]}")
    maria = member(services, "maria")
    assign(services, manager=maria, customer_id=ids[4], to_member_id=member(services, "bob").id)
    with pytest.raises(RuleViolation) as refused:
        assign(services, manager=maria, customer_id=ids[5], to_member_id=member(services, "bob").id)
    assert (refused.value.key, refused.value.params["cap"]) == ("rule.max_held_other", 5)


def test_auto_assignment_fills_each_member_up_to_their_own_cap(services: Services) -> None:
    add(services, *(f"Customer {n}" for n in range(8)))
    outcome = auto_assign(
        services, manager=member(services, "maria"), team_id=member(services, "maria").team.id
    )
    assert dict(outcome.per_member()) == {"Bob": 5, "Alice": 1}
    assert [u.reason for u in outcome.left] == ["full", "full"]
    reasons = {a.member_name: a.reason for a in outcome.assigned}
    assert "1 of 1 held" in reasons["Alice"] and "5 of 5 held" in reasons["Bob"]


def test_the_config_without_max_held_gives_the_pools_cap_back(services: Services, db: Database) -> None:
    from bot.domain.setup import sync_config

    sync_config(db, PoolbotConfig.model_validate(caps_config(alice=None, bob=None)))
    add(services, "Acme Corp")
    assert "(1 of 3 held)" in ConsoleChat(services, handle="alice").say('/claim "Acme Corp"')


def test_racing_claims_never_take_a_member_past_their_own_cap(services: Services, db: Database) -> None:
    ids = add(services, *(f"Race {n}" for n in range(8)))
    alice = member(services, "alice")
    barrier = threading.Barrier(len(ids))
    results: list[str] = []

    def attempt(customer_id: int) -> None:
        barrier.wait(timeout=60)
        try:
            claim(services, member=alice, customer_id=customer_id)
            results.append("claimed")
        except DomainError as exc:
            results.append(exc.key)

    threads = [threading.Thread(target=attempt, args=(cid,)) for cid in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["claimed"] + ["rule.max_held"] * 7
    with db.read() as session:
        assert ownership_invariants(session) == []


def test_a_transfer_respects_the_receivers_own_cap(services: Services) -> None:
    from bot.domain.ownership import transfer

    ids = add(services, *(f"Customer {n}" for n in range(6)))
    maria, alice, bob = (member(services, h) for h in ("maria", "alice", "bob"))
    for cid in ids[:5]:
        assign(services, manager=maria, customer_id=cid, to_member_id=bob.id)
    claim(services, member=alice, customer_id=ids[5])
    with pytest.raises(RuleViolation) as refused:
        transfer(services, manager=maria, from_member_id=alice.id, to_member_id=bob.id)
    assert refused.value.key == "rule.transfer_cap" and refused.value.params["cap"] == 5
