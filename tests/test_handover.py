"""Handover (离职交接): a departing member's book previewed, then spread by each pool's strategy, put
back in the pool or given to one member, within everyone's cap, on both databases; what the
receivers, the departing member and the manager read; the card when the config makes someone
inactive."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from conftest import TEAM_CONFIG
from helpers import add, events_of, member, notifications, requests, snapshot

from bot.config import PoolbotConfig
from bot.domain.claims import claim
from bot.domain.context import Services
from bot.domain.followups import follow_up
from bot.domain.handover import hand_over
from bot.domain.outbox import OutboxItem
from bot.domain.ownership import assign
from bot.handlers.console.chat import ConsoleChat
from bot.handlers.console.render import render_text
from bot.handlers.notices import render
from bot.handlers.table import COMMANDS
from bot.storage.engine import Database
from bot.storage.models import Customer

# Alice leaves; Bob (a junior, 2) and Dave (3) take over; the pool's own cap is 10
MEMBERS: list[dict[str, Any]] = [
    {"handle": "maria", "name": "Maria", "team": "east", "role": "manager", "slack": "UMARIA"},
    {"handle": "alice", "name": "Alice", "team": "east", "role": "rep", "slack": "UALICE"},
    {"handle": "bob", "name": "Bob", "team": "east", "role": "rep", "max_held": 2},
    {"handle": "dave", "name": "Dave", "team": "east", "role": "rep", "max_held": 3},
]


def handover_config(**alice: Any) -> dict[str, Any]:
    data = copy.deepcopy(TEAM_CONFIG)
    data["members"] = copy.deepcopy(MEMBERS)
    data["members"][1].update(alice)
    data["pools"][0].update(max_held_per_rep=10, daily_claim_limit=50)
    return data


@pytest.fixture
def config() -> PoolbotConfig:
    return PoolbotConfig.model_validate(handover_config())


def alices_book(services: Services, count: int, pool: str = "east-main") -> list[int]:
    """``count`` customers of ``pool`` that Maria assigned to Alice."""
    ids = add(services, *(f"Customer {pool} {n:04d}" for n in range(count)), pool=pool)
    maria, alice = member(services, "maria"), member(services, "alice")
    for cid in ids:
        assign(services, manager=maria, customer_id=cid, to_member_id=alice.id)
    return ids


def owners(db: Database, ids: list[int]) -> dict[int, int | None]:
    with db.read() as session:
        return {cid: session.get(Customer, cid).owner_id for cid in ids}  # type: ignore[union-attr]


def read(services: Services, kind: str, handle: str) -> list[str]:
    """What ``handle`` reads of the notices of ``kind`` (the whole message, as the console shows)."""
    who = member(services, handle).id
    rows = [r for r in notifications(services.db, kind=kind) if r.recipient_id == who]
    return [
        render_text(render(services, OutboxItem(r.id or 0, r.kind, dict(r.payload), r.recipient_id), "en"))
        for r in rows
    ]


def test_the_preview_shows_the_book_and_pending_requests_and_changes_nothing(services: Services) -> None:
    alices_book(services, 3)
    vip = add(services, "Contoso Ltd", pool="east-vip")[0]
    claim(services, member=member(services, "alice"), customer_id=vip)
    before = snapshot(services.db)
    out = ConsoleChat(services, handle="maria").say("/交接 alice")
    assert "Handover of Alice's book: 3 customers" in out
    assert "east-main  3" in out and "1 pending claim requests will be cancelled: #1 Contoso Ltd" in out
    assert "[Confirm handover: /handover alice auto confirm]" in out
    assert snapshot(services.db) == before


def test_auto_spreads_by_strategy_within_each_cap_and_lists_what_stays(services: Services) -> None:
    ids = alices_book(services, 6)
    follow_up(services, member=member(services, "alice"), customer_id=ids[0], note="met the CFO")
    out = ConsoleChat(services, handle="maria").say("/handover alice auto confirm")
    assert "Handed over Alice's book: 5 of 6 customers moved" in out
    assert "Dave  3" in out and "Bob   2" in out
    assert "1 stay with Alice:" in out and "everyone in its group is at the cap or in its cooldown" in out
    held = [owner for owner in owners(services.db, ids).values()]
    bob, dave, alice = (member(services, h).id for h in ("bob", "dave", "alice"))
    assert (held.count(bob), held.count(dave), held.count(alice)) == (2, 3, 1)
    # one notice per receiver, however many customers
    [to_bob] = read(services, "handed_over", "bob")
    assert "Maria handed over 2 of Alice's customers to you:" in to_bob
    assert len(read(services, "handed_over", "dave")) == 1
    [told] = read(services, "taken_away", "alice")
    assert "Maria handed over your 5 customers: Dave 3, Bob 2." in told
    # the first customers moved (the last one found everyone full); history and follow-ups stay
    assert owners(services.db, ids)[ids[-1]] == alice
    [event] = [e for e in events_of(services.db, ids[0]) if e.kind == "handed_over"]
    assert (event.from_member_id, event.actor_id) == (alice, member(services, "maria").id)
    assert "most free capacity" in event.reason
    card = ConsoleChat(services, handle="maria").say(f"/customer #{ids[0]}")
    assert "met the CFO" in card and "claimed by Alice" not in card and "assigned to Alice by Maria" in card


def test_pool_puts_everything_back_with_no_cooldown_for_anyone(services: Services) -> None:
    ids = alices_book(services, 3)
    out = ConsoleChat(services, handle="maria").say("/handover alice pool confirm")
    assert "Handed over Alice's book: 3 of 3 customers moved" in out and "→ the pool" in out
    assert set(owners(services.db, ids).values()) == {None}
    [event] = [e for e in events_of(services.db, ids[0]) if e.kind == "handed_over"]
    assert (event.member_id, event.from_member_id) == (None, member(services, "alice").id)
    claim(services, member=member(services, "alice"), customer_id=ids[0])  # no cooldown
    card = ConsoleChat(services, handle="maria").say(f"/customer #{ids[1]}")
    assert "handed over from Alice to the pool by Maria" in card
    assert read(services, "handed_over", "bob") == []


def test_to_one_member_stops_at_their_cap_and_says_why_the_rest_stays(services: Services) -> None:
    ids = alices_book(services, 4)
    out = ConsoleChat(services, handle="maria").say("/handover alice bob confirm")
    assert "Handed over Alice's book: 2 of 4 customers moved" in out
    assert out.count("Bob holds 2 of 2 in east-main") == 2
    held = list(owners(services.db, ids).values())
    assert held.count(member(services, "bob").id) == 2 and held.count(member(services, "alice").id) == 2


def test_the_pending_requests_are_cancelled_and_the_rep_is_told(services: Services) -> None:
    alices_book(services, 1)
    vip = add(services, "Contoso Ltd", pool="east-vip")[0]
    claim(services, member=member(services, "alice"), customer_id=vip)
    out = ConsoleChat(services, handle="maria").say("/handover alice pool confirm")
    assert "1 pending claim requests cancelled" in out
    [request] = requests(services.db)
    assert request.status == "rejected" and request.decided_by_id == member(services, "maria").id
    assert "Alice's book was handed over" in request.decision_reason
    assert [n.recipient_id for n in notifications(services.db, kind="claim_decided")] == [
        member(services, "alice").id
    ]
    assert owners(services.db, [vip]) == {vip: None}


def test_only_the_managers_of_the_customers_team_may_hand_over(services: Services) -> None:
    from helpers import add_west_team

    alices_book(services, 1)
    before = snapshot(services.db)
    assert "Only managers can /handover" in ConsoleChat(services, handle="bob").say(
        "/handover alice pool confirm"
    )
    add_west_team(services)
    assert "Your team has no member alice" in ConsoleChat(services, handle="wendy").say(
        "/handover alice pool confirm"
    )
    assert snapshot(services.db) == before


def test_bad_input_is_one_line_and_changes_nothing(services: Services) -> None:
    alices_book(services, 1)
    before = snapshot(services.db)
    chat = ConsoleChat(services, handle="maria")
    assert "Your team has no member nobody" in chat.say("/handover nobody")
    assert "Your team has no member zed" in chat.say("/handover alice zed confirm")
    assert "Both sides are Alice" in chat.say("/handover alice alice confirm")
    assert "Maria's role is manager: only reps own customers" in chat.say("/handover alice maria")
    assert "Usage: /handover" in chat.say("/handover alice pool yes")
    assert "Dave owns no customers" in chat.say("/handover dave")
    assert snapshot(services.db) == before


def test_the_confirm_button_is_the_typed_twin() -> None:
    assert COMMANDS.twin("handover.confirm", "alice auto confirm") == "/handover alice auto confirm"
    assert COMMANDS.twin("handover.preview", "alice pool") == "/handover alice pool"


def test_a_book_of_thousands_moves_in_one_handover(services: Services, db: Database) -> None:
    ids = add(services, *(f"Big {n:05d}" for n in range(1_200)))
    alice = member(services, "alice")
    with db.write() as session:  # a big book, set up directly (assigning 1,200 one by one is slow)
        for cid in ids:
            row = session.get(Customer, cid)
            assert row is not None
            row.owner_id, row.owned_since, row.last_touch_at = (
                alice.id,
                services.clock.now(),
                services.clock.now(),
            )
    seen: list[tuple[int, int]] = []
    outcome = hand_over(
        services,
        manager=member(services, "maria"),
        team_id=alice.team.id,
        member_id=alice.id,
        to="pool",
        progress=lambda done, total: seen.append((done, total)),
    )
    assert len(outcome.moved) == 1_200 and outcome.stayed == ()
    assert seen[-1] == (1_200, 1_200) and len(seen) == 3  # chunks of 500
    assert set(owners(db, ids).values()) == {None}
