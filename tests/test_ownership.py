"""Release, assign, transfer, lock/unlock and won: who may, what the history says, who is told."""

from __future__ import annotations

import pytest
from helpers import (
    add,
    add_east_member,
    add_one,
    add_west_team,
    customer_row,
    events_of,
    member,
    member_any,
    notifications,
    owner_of,
    snapshot,
)

from bot.domain import lookup
from bot.domain.claims import claim
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.errors import Conflict, Forbidden, NotFound, RuleViolation
from bot.domain.ownership import assign, mark_won, release, set_locked, transfer


def _give(services: Services, handle: str, *names: str, pool: str = "east-main") -> list[int]:
    """Customers handed to ``handle`` by the manager (no daily limit involved)."""
    maria, target = member(services, "maria"), member(services, handle)
    ids = add(services, *names, pool=pool)
    for cid in ids:
        assign(services, manager=maria, customer_id=cid, to_member_id=target.id)
    return ids


# ---- release -------------------------------------------------------------------------------------


def test_release_gives_back_with_the_reason(services: Services) -> None:
    alice = member(services, "alice")
    cid = add_one(services, "Acme")
    claim(services, member=alice, customer_id=cid)
    changed = release(services, member=alice, customer_id=cid, reason="no budget this year")
    assert (changed.customer_id, changed.customer_name) == (cid, "Acme")
    row = customer_row(services.db, cid)
    assert (row.owner_id, row.owned_since, row.last_touch_at) == (None, None, None)
    released = events_of(services.db, cid)[-1]
    assert (released.kind, released.member_id, released.actor_id, released.reason) == (
        "released",
        alice.id,
        alice.id,
        "no budget this year",
    )
    assert lookup.mine(services, member=alice) == ()


def test_only_the_owner_or_a_manager_releases(services: Services) -> None:
    alice, bob, maria = member(services, "alice"), member(services, "bob"), member(services, "maria")
    cid, pool_customer = add(services, "Acme", "Pooled")
    claim(services, member=alice, customer_id=cid)
    before = snapshot(services.db)
    with pytest.raises(Forbidden) as err:
        release(services, member=bob, customer_id=cid)
    assert err.value.key == "error.not_owner"
    assert err.value.params == {"customer": "Acme", "owner": "Alice"}
    with pytest.raises(Conflict) as in_pool:
        release(services, member=alice, customer_id=pool_customer)
    assert in_pool.value.key == "error.in_pool"
    with pytest.raises(RuleViolation) as too_long:
        release(services, member=alice, customer_id=cid, reason="y" * 501)
    assert too_long.value.rule == "text_length"
    assert snapshot(services.db) == before
    release(services, member=maria, customer_id=cid, reason="cleanup")
    released = events_of(services.db, cid)[-1]
    assert (released.kind, released.member_id, released.actor_id) == ("released", alice.id, maria.id)
    assert owner_of(services.db, cid) is None


# ---- assign --------------------------------------------------------------------------------------


def test_assign_from_the_pool_tells_the_assignee(services: Services) -> None:
    bob, maria = member(services, "bob"), member(services, "maria")
    cid = add_one(services, "Acme")
    changed = assign(services, manager=maria, customer_id=cid, to_member_id=bob.id)
    assert changed.customer_id == cid
    row = customer_row(services.db, cid)
    assert (row.owner_id, row.owned_since) == (bob.id, services.clock.now())
    assigned = events_of(services.db, cid)[-1]
    assert (assigned.kind, assigned.member_id, assigned.from_member_id, assigned.actor_id) == (
        "assigned",
        bob.id,
        None,
        maria.id,
    )
    [told] = notifications(services.db, kind="assigned")
    assert told.recipient_id == bob.id
    assert told.payload == {"customer_id": cid, "by": "Maria"}


def test_assign_from_another_rep_names_the_former_owner(services: Services) -> None:
    alice, bob, maria = member(services, "alice"), member(services, "bob"), member(services, "maria")
    cid = add_one(services, "Acme")
    claim(services, member=alice, customer_id=cid)
    assign(services, manager=maria, customer_id=cid, to_member_id=bob.id)
    assert owner_of(services.db, cid) == bob.id
    assigned = events_of(services.db, cid)[-1]
    assert (assigned.kind, assigned.member_id, assigned.from_member_id) == ("assigned", bob.id, alice.id)
    assert [n.recipient_id for n in notifications(services.db, kind="assigned")] == [bob.id]
    history = lookup.card(services, member=maria, customer_id=cid).events
    assert (history[0].kind, history[0].member_name, history[0].from_member_name, history[0].actor_name) == (
        "assigned",
        "Bob",
        "Alice",
        "Maria",
    )
    with pytest.raises(Conflict) as again:
        assign(services, manager=maria, customer_id=cid, to_member_id=bob.id)
    assert again.value.key == "error.already_owner"


def test_assign_respects_the_cap(services: Services) -> None:
    bob, maria = member(services, "bob"), member(services, "maria")
    _give(services, "bob", "B1", "B2", "B3")
    cid = add_one(services, "Acme")
    before = snapshot(services.db)
    with pytest.raises(RuleViolation) as err:
        assign(services, manager=maria, customer_id=cid, to_member_id=bob.id)
    assert err.value.rule == "max_held_per_rep"
    assert err.value.key == "rule.max_held_other"
    assert err.value.params == {"member": "Bob", "held": 3, "cap": 3}
    assert snapshot(services.db) == before


def test_assign_is_refused_for_reps_inactive_members_other_teams_and_pending(services: Services) -> None:
    add_west_team(services)
    alice, bob, maria = member(services, "alice"), member(services, "bob"), member(services, "maria")
    carol, walt = member_any(services.db, "carol"), member_any(services.db, "walt")
    cid = add_one(services, "Acme")
    vip = add_one(services, "Big Bank", pool="east-vip")
    request_id = claim(services, member=alice, customer_id=vip).request_id
    west = add_one(services, "Westwind", pool="west-main")
    before = snapshot(services.db)
    with pytest.raises(Forbidden) as rep:
        assign(services, manager=bob, customer_id=cid, to_member_id=bob.id)
    assert rep.value.key == "error.managers_only"
    with pytest.raises(Conflict) as inactive:
        assign(services, manager=maria, customer_id=cid, to_member_id=carol.id)
    assert (inactive.value.key, inactive.value.params) == ("error.member_inactive", {"member": "Carol"})
    with pytest.raises(NotFound):
        assign(services, manager=maria, customer_id=cid, to_member_id=walt.id)
    with pytest.raises(NotFound):
        assign(services, manager=maria, customer_id=west, to_member_id=bob.id)
    with pytest.raises(Conflict) as pending:
        assign(services, manager=maria, customer_id=vip, to_member_id=bob.id)
    assert pending.value.key == "error.pending_decide_first"
    assert pending.value.params == {"customer": "Big Bank", "request": request_id}
    assert snapshot(services.db) == before


# ---- transfer ------------------------------------------------------------------------------------


def test_transfer_moves_the_whole_book_with_an_event_each(services: Services) -> None:
    alice, bob, maria = member(services, "alice"), member(services, "bob"), member(services, "maria")
    ids = _give(services, "alice", "A1", "A2", "A3")
    moved = transfer(services, manager=maria, from_member_id=alice.id, to_member_id=bob.id)
    assert (moved.count, moved.from_name, moved.to_name) == (3, "Alice", "Bob")
    assert [owner_of(services.db, cid) for cid in ids] == [bob.id] * 3
    for cid in ids:
        last = events_of(services.db, cid)[-1]
        assert (last.kind, last.member_id, last.from_member_id, last.actor_id) == (
            "transferred",
            bob.id,
            alice.id,
            maria.id,
        )
    [told] = notifications(services.db, kind="transferred")
    assert told.recipient_id == bob.id
    assert told.payload == {"count": 3, "from": "Alice", "by": "Maria"}
    assert lookup.mine(services, member=alice) == ()
    assert sorted(v.id for v in lookup.mine(services, member=bob)) == ids


def test_transfer_from_an_inactive_rep(services: Services) -> None:
    bob, maria = member(services, "bob"), member(services, "maria")
    ids = _give(services, "alice", "A1", "A2")
    alice = member(services, "alice")
    # alice leaves the company: her book still goes to bob
    add_east_member(services, "alice", "Alice", active=False)
    moved = transfer(services, manager=maria, from_member_id=alice.id, to_member_id=bob.id)
    assert moved.count == 2
    assert [owner_of(services.db, cid) for cid in ids] == [bob.id, bob.id]


def test_transfer_refuses_when_the_target_would_exceed_the_cap(services: Services) -> None:
    alice, bob, maria = member(services, "alice"), member(services, "bob"), member(services, "maria")
    ids = _give(services, "alice", "A1", "A2", "A3")
    _give(services, "bob", "B1")
    before = snapshot(services.db)
    with pytest.raises(RuleViolation) as err:
        transfer(services, manager=maria, from_member_id=alice.id, to_member_id=bob.id)
    assert err.value.rule == "max_held_per_rep"
    assert err.value.key == "rule.transfer_cap"
    assert err.value.params == {"member": "Bob", "held": 1, "incoming": 3, "cap": 3, "pool": "east-main"}
    assert snapshot(services.db) == before
    # a won customer does not count: 1 held + 2 active incoming fits
    mark_won(services, member=alice, customer_id=ids[0])
    assert transfer(services, manager=maria, from_member_id=alice.id, to_member_id=bob.id).count == 3


def test_transfer_refusals(services: Services) -> None:
    alice, bob, maria = member(services, "alice"), member(services, "bob"), member(services, "maria")
    carol = member_any(services.db, "carol")
    _give(services, "alice", "A1")
    before = snapshot(services.db)
    with pytest.raises(Forbidden) as rep:
        transfer(services, manager=bob, from_member_id=alice.id, to_member_id=bob.id)
    assert rep.value.key == "error.managers_only"
    with pytest.raises(Conflict) as empty:
        transfer(services, manager=maria, from_member_id=bob.id, to_member_id=alice.id)
    assert (empty.value.key, empty.value.params) == ("error.empty_book", {"member": "Bob"})
    with pytest.raises(Conflict) as same:
        transfer(services, manager=maria, from_member_id=alice.id, to_member_id=alice.id)
    assert same.value.key == "error.same_member"
    with pytest.raises(Conflict) as inactive:
        transfer(services, manager=maria, from_member_id=alice.id, to_member_id=carol.id)
    assert inactive.value.key == "error.member_inactive"
    assert snapshot(services.db) == before


# ---- lock / unlock -------------------------------------------------------------------------------


def test_lock_and_unlock_by_managers_only(services: Services, clock: FakeClock) -> None:
    alice, maria = member(services, "alice"), member(services, "maria")
    cid, pooled = add(services, "Key Account", "Pooled", priority="A")
    claim(services, member=alice, customer_id=cid)
    before = snapshot(services.db)
    with pytest.raises(Forbidden) as rep:
        set_locked(services, manager=alice, customer_id=cid, locked=True)
    assert rep.value.key == "error.managers_only"
    with pytest.raises(Conflict) as no_owner:
        set_locked(services, manager=maria, customer_id=pooled, locked=True)
    assert no_owner.value.key == "error.lock_needs_owner"
    with pytest.raises(Conflict) as not_locked:
        set_locked(services, manager=maria, customer_id=cid, locked=False)
    assert not_locked.value.key == "error.not_locked"
    assert snapshot(services.db) == before

    set_locked(services, manager=maria, customer_id=cid, locked=True)
    view = lookup.card(services, member=alice, customer_id=cid).customer
    assert view.locked and view.deadline is None  # never recycled
    locked = events_of(services.db, cid)[-1]
    assert (locked.kind, locked.member_id, locked.actor_id) == ("locked", alice.id, maria.id)
    with pytest.raises(Conflict) as twice:
        set_locked(services, manager=maria, customer_id=cid, locked=True)
    assert twice.value.key == "error.already_locked"

    clock.advance(days=2)
    set_locked(services, manager=maria, customer_id=cid, locked=False)
    view = lookup.card(services, member=alice, customer_id=cid).customer
    assert not view.locked and view.deadline is not None
    assert [e.kind for e in events_of(services.db, cid)][-2:] == ["locked", "unlocked"]
    assert owner_of(services.db, cid) == alice.id


# ---- won -----------------------------------------------------------------------------------------


def test_owner_marks_won(services: Services) -> None:
    alice, bob = member(services, "alice"), member(services, "bob")
    cid = add_one(services, "Acme")
    claim(services, member=alice, customer_id=cid)
    before = snapshot(services.db)
    with pytest.raises(Forbidden) as other:
        mark_won(services, member=bob, customer_id=cid)
    assert other.value.key == "error.not_owner"
    assert other.value.params == {"customer": "Acme", "owner": "Alice"}
    assert snapshot(services.db) == before
    mark_won(services, member=alice, customer_id=cid)
    row = customer_row(services.db, cid)
    assert (row.owner_id, row.stage, row.won_at) == (alice.id, "won", services.clock.now())
    won = events_of(services.db, cid)[-1]
    assert (won.kind, won.member_id, won.actor_id) == ("won", alice.id, alice.id)
    view = lookup.card(services, member=alice, customer_id=cid).customer
    assert view.won and view.deadline is None
    with pytest.raises(Conflict) as twice:
        mark_won(services, member=alice, customer_id=cid)
    assert twice.value.key == "error.already_won"


def test_manager_marks_won_and_won_customers_free_a_slot(services: Services) -> None:
    bob, maria = member(services, "bob"), member(services, "maria")
    ids = _give(services, "bob", "B1", "B2", "B3")
    extra, pooled = add(services, "Extra", "Pooled")
    with pytest.raises(Conflict) as in_pool:
        mark_won(services, member=maria, customer_id=pooled)
    assert in_pool.value.key == "error.in_pool"
    mark_won(services, member=maria, customer_id=ids[0])
    won = events_of(services.db, ids[0])[-1]
    assert (won.kind, won.member_id, won.actor_id) == ("won", bob.id, maria.id)
    # bob is at 2 active customers now: one more fits, by claim or by assignment
    claim(services, member=bob, customer_id=extra)
    assert owner_of(services.db, extra) == bob.id
    with pytest.raises(RuleViolation) as full:
        assign(services, manager=maria, customer_id=pooled, to_member_id=bob.id)
    assert full.value.params == {"member": "Bob", "held": 3, "cap": 3}
