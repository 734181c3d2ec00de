"""Claiming: every pool rule refuses with the right rule and numbers, and a refusal changes nothing."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from helpers import (
    add,
    add_east_member,
    add_one,
    add_west_team,
    customer_row,
    event_kinds,
    events_of,
    member,
    member_any,
    notifications,
    owner_of,
    requests,
    snapshot,
)

from bot.domain import lookup
from bot.domain.claims import claim, decide
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.errors import Conflict, Forbidden, NotFound, RuleViolation
from bot.domain.ownership import release
from bot.storage.search import SearchFilters


def test_claim_makes_the_rep_owner_and_logs_it(services: Services) -> None:
    alice = member(services, "alice")
    cid = add_one(services, "Acme Trading")
    outcome = claim(services, member=alice, customer_id=cid, reason="met at the fair")
    assert (outcome.customer_id, outcome.customer_name, outcome.request_id) == (cid, "Acme Trading", None)
    assert (outcome.held, outcome.cap) == (1, 3)
    row = customer_row(services.db, cid)
    assert row.owner_id == alice.id
    assert row.owned_since == services.clock.now() == row.last_touch_at
    claimed = events_of(services.db, cid)[-1]
    assert (claimed.kind, claimed.member_id, claimed.actor_id, claimed.reason) == (
        "claimed",
        alice.id,
        alice.id,
        "met at the fair",
    )


def test_unknown_customer_is_not_found(services: Services) -> None:
    alice = member(services, "alice")
    with pytest.raises(NotFound) as err:
        claim(services, member=alice, customer_id=4242)
    assert err.value.key == "error.customer_unknown"


# ---- max_held_per_rep ----------------------------------------------------------------------------


def test_cap_refuses_the_fourth_customer(services: Services, clock: FakeClock) -> None:
    alice = member(services, "alice")
    ids = add(services, "C1", "C2", "C3", "C4")
    claim(services, member=alice, customer_id=ids[0])
    claim(services, member=alice, customer_id=ids[1])
    clock.advance(days=1)  # the daily limit is 2
    assert claim(services, member=alice, customer_id=ids[2]).held == 3
    before = snapshot(services.db)
    with pytest.raises(RuleViolation) as err:
        claim(services, member=alice, customer_id=ids[3])
    assert err.value.rule == "max_held_per_rep"
    assert err.value.key == "rule.max_held"
    assert err.value.params == {"held": 3, "cap": 3}
    assert snapshot(services.db) == before
    assert owner_of(services.db, ids[3]) is None


def test_pending_requests_count_toward_the_cap(services: Services) -> None:
    alice = member(services, "alice")
    vip = add(services, "V1", "V2", "V3", "V4", pool="east-vip")
    main = add_one(services, "M1")
    for cid in vip[:3]:
        assert claim(services, member=alice, customer_id=cid).request_id is not None
    before = snapshot(services.db)
    with pytest.raises(RuleViolation) as err:
        claim(services, member=alice, customer_id=vip[3])
    assert err.value.rule == "max_held_per_rep"
    assert err.value.params == {"held": 3, "cap": 3}
    assert snapshot(services.db) == before
    # caps and daily limits are rules of a pool: east-main still has room
    assert claim(services, member=alice, customer_id=main).request_id is None
    # a rejection frees the slot again
    maria = member(services, "maria")
    decide(services, manager=maria, request_id=requests(services.db)[0].id or 0, approve=False)
    assert claim(services, member=alice, customer_id=vip[3]).request_id is not None


def test_won_customers_do_not_count_toward_the_cap(services: Services, clock: FakeClock) -> None:
    from bot.domain.ownership import mark_won

    alice = member(services, "alice")
    ids = add(services, "C1", "C2", "C3", "C4")
    claim(services, member=alice, customer_id=ids[0])
    claim(services, member=alice, customer_id=ids[1])
    clock.advance(days=1)
    claim(services, member=alice, customer_id=ids[2])
    mark_won(services, member=alice, customer_id=ids[0])
    assert claim(services, member=alice, customer_id=ids[3]).held == 3
    assert owner_of(services.db, ids[3]) == alice.id


# ---- daily_claim_limit ---------------------------------------------------------------------------


def test_daily_limit_refuses_the_third_claim_of_the_day(services: Services) -> None:
    alice = member(services, "alice")
    ids = add(services, "C1", "C2", "C3")
    claim(services, member=alice, customer_id=ids[0])
    claim(services, member=alice, customer_id=ids[1])
    before = snapshot(services.db)
    with pytest.raises(RuleViolation) as err:
        claim(services, member=alice, customer_id=ids[2])
    assert err.value.rule == "daily_claim_limit"
    assert err.value.key == "rule.daily_limit"
    assert err.value.params == {"count": 2, "limit": 2}
    assert snapshot(services.db) == before


def test_a_released_claim_still_counts_for_the_day(services: Services) -> None:
    alice = member(services, "alice")
    ids = add(services, "C1", "C2", "C3")
    claim(services, member=alice, customer_id=ids[0])
    release(services, member=alice, customer_id=ids[0], reason="wrong industry")
    claim(services, member=alice, customer_id=ids[1])
    before = snapshot(services.db)
    with pytest.raises(RuleViolation) as err:
        claim(services, member=alice, customer_id=ids[2])
    assert err.value.rule == "daily_claim_limit"
    assert err.value.params == {"count": 2, "limit": 2}
    assert snapshot(services.db) == before


def test_daily_limit_is_per_pool_and_requests_count(services: Services) -> None:
    bob, maria = member(services, "bob"), member(services, "maria")
    main = add(services, "M1", "M2", "M3")
    vip = add(services, "V1", "V2", "V3", "V4", "V5", "V6", pool="east-vip")
    for cid in vip[:5]:  # five requests, each rejected: the cap frees up, the day's count does not
        request_id = claim(services, member=bob, customer_id=cid).request_id
        decide(services, manager=maria, request_id=request_id or 0, approve=False)
    with pytest.raises(RuleViolation) as err:
        claim(services, member=bob, customer_id=vip[5])
    assert err.value.rule == "daily_claim_limit"
    assert err.value.params == {"count": 5, "limit": 5}
    # east-main has its own limit of 2, untouched by the requests in east-vip
    claim(services, member=bob, customer_id=main[0])
    claim(services, member=bob, customer_id=main[1])
    with pytest.raises(RuleViolation) as err:
        claim(services, member=bob, customer_id=main[2])
    assert err.value.params == {"count": 2, "limit": 2}


def test_daily_limit_resets_at_local_midnight_not_utc(services: Services, clock: FakeClock) -> None:
    alice = member(services, "alice")
    ids = add(services, "C1", "C2", "C3", "C4")
    clock.advance(hours=13, minutes=30)  # Monday 23:30 in Shanghai, 15:30 UTC
    claim(services, member=alice, customer_id=ids[0])
    release(services, member=alice, customer_id=ids[0])
    claim(services, member=alice, customer_id=ids[1])
    with pytest.raises(RuleViolation) as err:
        claim(services, member=alice, customer_id=ids[2])
    assert err.value.rule == "daily_claim_limit"
    clock.advance(hours=1)  # Tuesday 00:30 in Shanghai, still Monday in UTC
    claim(services, member=alice, customer_id=ids[2])
    assert owner_of(services.db, ids[2]) == alice.id


def test_daily_limit_counts_one_local_day_across_utc_midnight(services: Services, clock: FakeClock) -> None:
    alice = member(services, "alice")
    ids = add(services, "C1", "C2", "C3")
    clock.advance(hours=21, minutes=30)  # Tuesday 07:30 in Shanghai = Monday 23:30 UTC
    claim(services, member=alice, customer_id=ids[0])
    claim(services, member=alice, customer_id=ids[1])
    clock.advance(hours=1)  # Tuesday 08:30 in Shanghai = Tuesday 00:30 UTC: the same local day
    before = snapshot(services.db)
    with pytest.raises(RuleViolation) as err:
        claim(services, member=alice, customer_id=ids[2])
    assert err.value.rule == "daily_claim_limit"
    assert err.value.params == {"count": 2, "limit": 2}
    assert snapshot(services.db) == before


# ---- reclaim_cooldown_days -----------------------------------------------------------------------


def test_cooldown_refuses_until_the_exact_day_it_ends(services: Services, clock: FakeClock) -> None:
    alice, bob = member(services, "alice"), member(services, "bob")
    cid, other = add(services, "Acme", "Other")
    claim(services, member=alice, customer_id=cid)
    release(services, member=alice, customer_id=cid, reason="no budget")  # Monday 2026-11-23
    clock.advance(days=6, hours=13, minutes=59)  # Sunday 2026-11-29 23:59 local: still cooling down
    before = snapshot(services.db)
    with pytest.raises(RuleViolation) as err:
        claim(services, member=alice, customer_id=cid)
    assert err.value.rule == "reclaim_cooldown_days"
    assert err.value.key == "rule.cooldown"
    assert err.value.params == {
        "customer": "Acme",
        "days": 7,
        "since": date(2026, 11, 23),
        "available": date(2026, 11, 30),
    }
    assert snapshot(services.db) == before
    # the cooldown is the releasing rep's only: bob may claim another customer released by alice
    claim(services, member=alice, customer_id=other)
    release(services, member=alice, customer_id=other)
    claim(services, member=bob, customer_id=other)
    clock.advance(minutes=1)  # Monday 2026-11-30 00:00 local: the first day it is allowed
    claim(services, member=alice, customer_id=cid)
    assert owner_of(services.db, cid) == alice.id


def test_cooldown_on_the_day_of_release(services: Services) -> None:
    alice = member(services, "alice")
    cid = add_one(services, "Acme")
    claim(services, member=alice, customer_id=cid)
    release(services, member=alice, customer_id=cid)
    with pytest.raises(RuleViolation) as err:
        claim(services, member=alice, customer_id=cid)
    assert err.value.rule == "reclaim_cooldown_days"
    assert err.value.params["available"] == date(2026, 11, 30)
    assert owner_of(services.db, cid) is None


# ---- claim_requires_approval ---------------------------------------------------------------------


def test_approval_pool_makes_a_pending_request_and_tells_every_manager(services: Services) -> None:
    add_east_member(services, "mike", "Mike", role="manager")
    add_east_member(services, "olga", "Olga", role="manager", active=False)
    alice = member(services, "alice")
    maria, mike = member(services, "maria"), member(services, "mike")
    cid = add_one(services, "Big Bank", pool="east-vip")
    outcome = claim(services, member=alice, customer_id=cid, reason="my cousin works there")
    assert outcome.request_id is not None
    row = customer_row(services.db, cid)
    assert (row.owner_id, row.pending_member_id) == (None, alice.id)
    [request] = requests(services.db)
    assert (request.id, request.customer_id, request.member_id, request.status, request.reason) == (
        outcome.request_id,
        cid,
        alice.id,
        "pending",
        "my cousin works there",
    )
    assert event_kinds(services.db, cid) == ["imported", "claim_requested"]
    cards = notifications(services.db, kind="claim_request")
    assert Counter(n.recipient_id for n in cards) == Counter([maria.id, mike.id])  # not inactive olga
    assert all(n.payload == {"request_id": outcome.request_id} for n in cards)


def test_approve_makes_the_rep_owner(services: Services) -> None:
    alice, maria = member(services, "alice"), member(services, "maria")
    cid = add_one(services, "Big Bank", pool="east-vip")
    request_id = claim(services, member=alice, customer_id=cid).request_id
    assert request_id is not None
    outcome = decide(services, manager=maria, request_id=request_id, approve=True, reason="go")
    assert (outcome.approved, outcome.member_name, outcome.customer_id) == (True, "Alice", cid)
    row = customer_row(services.db, cid)
    assert (row.owner_id, row.pending_member_id) == (alice.id, None)
    assert row.owned_since == services.clock.now()
    [request] = requests(services.db)
    assert (request.status, request.decided_by_id) == ("approved", maria.id)
    approved = events_of(services.db, cid)[-1]
    assert (approved.kind, approved.member_id, approved.actor_id, approved.request_id) == (
        "approved",
        alice.id,
        maria.id,
        request_id,
    )
    [told] = notifications(services.db, kind="claim_decided")
    assert told.recipient_id == alice.id


def test_reject_puts_the_customer_back_in_the_pool(services: Services) -> None:
    alice, bob, maria = member(services, "alice"), member(services, "bob"), member(services, "maria")
    cid = add_one(services, "Big Bank", pool="east-vip")
    request_id = claim(services, member=alice, customer_id=cid).request_id
    assert request_id is not None
    decide(services, manager=maria, request_id=request_id, approve=False, reason="bob's territory")
    row = customer_row(services.db, cid)
    assert (row.owner_id, row.pending_member_id) == (None, None)
    rejected = events_of(services.db, cid)[-1]
    assert (rejected.kind, rejected.member_id, rejected.reason) == ("rejected", alice.id, "bob's territory")
    assert requests(services.db)[0].status == "rejected"
    assert notifications(services.db, kind="claim_decided")[0].recipient_id == alice.id
    # back in the pool: another rep may ask for it, and a rejection is no cooldown
    assert claim(services, member=bob, customer_id=cid).request_id is not None


def test_first_decision_wins_and_the_second_is_told_who_decided(services: Services) -> None:
    add_east_member(services, "mike", "Mike", role="manager")
    alice, maria, mike = member(services, "alice"), member(services, "maria"), member(services, "mike")
    cid = add_one(services, "Big Bank", pool="east-vip")
    request_id = claim(services, member=alice, customer_id=cid).request_id
    assert request_id is not None
    decide(services, manager=maria, request_id=request_id, approve=True)
    before = snapshot(services.db)
    for approve in (False, True):
        with pytest.raises(Conflict) as err:
            decide(services, manager=mike, request_id=request_id, approve=approve)
        assert err.value.key == "error.already_decided"
        assert err.value.params == {"request": request_id, "status": "approved", "by": "Maria"}
    assert snapshot(services.db) == before
    assert owner_of(services.db, cid) == alice.id


def test_only_managers_decide(services: Services) -> None:
    alice, bob = member(services, "alice"), member(services, "bob")
    cid = add_one(services, "Big Bank", pool="east-vip")
    request_id = claim(services, member=alice, customer_id=cid).request_id
    assert request_id is not None
    before = snapshot(services.db)
    with pytest.raises(Forbidden) as err:
        decide(services, manager=bob, request_id=request_id, approve=True)
    assert err.value.key == "error.managers_only"
    assert snapshot(services.db) == before
    with pytest.raises(NotFound) as not_found:
        decide(services, manager=member(services, "maria"), request_id=999, approve=True)
    assert not_found.value.key == "error.request_unknown"


def test_a_manager_of_another_team_cannot_decide(services: Services) -> None:
    add_west_team(services)
    alice, wendy = member(services, "alice"), member_any(services.db, "wendy")
    cid = add_one(services, "Big Bank", pool="east-vip")
    request_id = claim(services, member=alice, customer_id=cid).request_id
    assert request_id is not None
    before = snapshot(services.db)
    with pytest.raises(NotFound) as err:
        decide(services, manager=wendy, request_id=request_id, approve=True)
    assert (err.value.key, err.value.params) == ("error.request_unknown", {"request": request_id})
    assert snapshot(services.db) == before


def test_a_pending_customer_cannot_be_claimed_again(services: Services) -> None:
    alice, bob = member(services, "alice"), member(services, "bob")
    cid = add_one(services, "Big Bank", pool="east-vip")
    claim(services, member=alice, customer_id=cid)
    before = snapshot(services.db)
    with pytest.raises(Conflict) as mine:
        claim(services, member=alice, customer_id=cid)
    assert mine.value.key == "error.already_requested"
    with pytest.raises(Conflict) as theirs:
        claim(services, member=bob, customer_id=cid)
    assert theirs.value.key == "error.pending_for_other"
    assert snapshot(services.db) == before


# ---- who may claim what --------------------------------------------------------------------------


def test_managers_cannot_claim(services: Services) -> None:
    maria = member(services, "maria")
    cid = add_one(services, "Acme")
    before = snapshot(services.db)
    with pytest.raises(Forbidden) as err:
        claim(services, member=maria, customer_id=cid)
    assert err.value.key == "error.reps_only"
    assert snapshot(services.db) == before


def test_inactive_member_is_refused(services: Services) -> None:
    cid = add_one(services, "Acme")
    with pytest.raises(Forbidden) as who:
        member(services, "carol")
    assert who.value.key == "error.member_inactive_self"
    carol = member_any(services.db, "carol")
    before = snapshot(services.db)
    with pytest.raises(Forbidden) as err:
        claim(services, member=carol, customer_id=cid)
    assert err.value.key == "error.member_inactive_self"
    assert err.value.params == {"member": "Carol"}
    assert snapshot(services.db) == before


def test_another_teams_customer_is_invisible(services: Services) -> None:
    add_west_team(services)
    alice = member(services, "alice")
    west = add_one(services, "Westwind Corp", pool="west-main")
    before = snapshot(services.db)
    with pytest.raises(NotFound) as err:
        claim(services, member=alice, customer_id=west)
    assert err.value.key == "error.customer_unknown"
    for query in (f"#{west}", "Westwind Corp", "westwind"):
        with pytest.raises(NotFound):
            lookup.resolve_customer(services, member=alice, query=query)
    with pytest.raises(NotFound):
        lookup.card(services, member=alice, customer_id=west)
    assert lookup.search(services, member=alice, filters=SearchFilters(words=("westwind",))).total == 0
    assert snapshot(services.db) == before


def test_another_reps_customer_is_refused_with_the_owners_name(services: Services) -> None:
    alice, bob = member(services, "alice"), member(services, "bob")
    cid = add_one(services, "Acme")
    claim(services, member=alice, customer_id=cid)
    before = snapshot(services.db)
    with pytest.raises(Conflict) as err:
        claim(services, member=bob, customer_id=cid)
    assert err.value.key == "error.owned_by_other"
    assert err.value.params == {"customer": "Acme", "owner": "Alice"}
    with pytest.raises(Conflict) as again:
        claim(services, member=alice, customer_id=cid)
    assert again.value.key == "error.already_yours"
    assert snapshot(services.db) == before


def test_a_too_long_reason_is_refused(services: Services) -> None:
    alice = member(services, "alice")
    cid = add_one(services, "Acme")
    before = snapshot(services.db)
    with pytest.raises(RuleViolation) as err:
        claim(services, member=alice, customer_id=cid, reason="x" * 501)
    assert err.value.rule == "text_length"
    assert err.value.params == {"what": "reason", "limit": 500, "length": 501}
    assert snapshot(services.db) == before
    claim(services, member=alice, customer_id=cid, reason="x" * 500)
    assert owner_of(services.db, cid) == alice.id
