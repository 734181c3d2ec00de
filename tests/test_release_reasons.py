"""Releases that say why and where: a pool's reasons (by number or exact words, a near word offered
as a choice) and its other pools, on the console, in the history, the report and the export."""

from __future__ import annotations

import copy
import csv
import io
import threading
from typing import Any

import pytest
from conftest import TEAM_CONFIG
from helpers import (
    customer_row,
    events_of,
    member,
    notifications,
    own,
    owner_of,
    ownership_invariants,
    pool_id,
    requests,
)

from bot.config import PoolbotConfig
from bot.domain.context import Services
from bot.domain.errors import DomainError
from bot.domain.ownership import release
from bot.domain.snapshots import MemberView
from bot.exporter import export_csv
from bot.handlers.console.chat import ConsoleChat

REASONS = ["Price too high", "No budget this year", "Wrong contact"]


def reasons_config(**main: Any) -> dict[str, Any]:
    """The test team, its main pool with three release reasons (required) that may go to east-vip."""
    raw = copy.deepcopy(TEAM_CONFIG)
    pool = {"release_reasons": REASONS, "release_reason_required": True, "release_to": ["east-vip"]}
    raw["pools"][0].update({**pool, **main})
    return raw


@pytest.fixture
def config() -> PoolbotConfig:
    return PoolbotConfig.model_validate(reasons_config())


@pytest.fixture
def chat(services: Services) -> ConsoleChat:
    return ConsoleChat(services, handle="alice")


def test_a_bare_release_offers_the_reasons_and_a_number_picks(services: Services, chat: ConsoleChat) -> None:
    cid = own(services, "alice", "Acme Corp")
    asked = chat.say(f"/release #{cid}")
    assert "Why does Acme Corp go back to the pool? Pool east-main asks for a reason:" in asked
    assert "[1) Price too high: 1]" in asked and "[3) Wrong contact: 3]" in asked
    assert owner_of(services.db, cid) is not None  # nothing happens until a reason is picked
    done = chat.say("2")
    assert "Acme Corp is back in the pool. Reason: No budget this year." in done
    assert owner_of(services.db, cid) is None
    released = events_of(services.db, cid)[-1]
    assert (released.kind, released.release_reason, released.reason) == (
        "released",
        "No budget this year",
        "No budget this year",
    )


@pytest.mark.parametrize("typed", ["1", "#1", "price too high", "PRICE   Too High", "Ｐｒｉｃｅ too high"])
def test_a_typed_reason_by_number_or_exact_words(services: Services, chat: ConsoleChat, typed: str) -> None:
    cid = own(services, "alice", "Acme Corp")
    assert "Reason: Price too high." in chat.say(f"/release #{cid} {typed}")
    assert events_of(services.db, cid)[-1].release_reason == "Price too high"


def test_a_near_word_is_offered_not_taken(services: Services, chat: ConsoleChat) -> None:
    cid = own(services, "alice", "Acme Corp")
    near = chat.say(f"/release #{cid} budget")
    assert "“budget” is not a release reason of pool east-main. Did you mean:" in near
    assert "[1) No budget this year: 1]" in near and "Price too high" not in near
    assert owner_of(services.db, cid) is not None
    assert "Reason: No budget this year." in chat.say("1")


def test_unknown_words_or_number_offer_every_reason(services: Services, chat: ConsoleChat) -> None:
    cid = own(services, "alice", "Acme Corp")
    unknown = chat.say(f"/release #{cid} moved abroad")
    assert "“moved abroad” is not a release reason of pool east-main. Pick one for Acme Corp:" in unknown
    assert all(reason in unknown for reason in REASONS)
    assert "Pool east-main has 3 release reasons, not 7. Pick one:" in chat.say(f"/release #{cid} 7")
    assert owner_of(services.db, cid) is not None
    assert [e.kind for e in events_of(services.db, cid)][-1] == "claimed"


def test_not_required_a_bare_release_goes_through(services: Services) -> None:
    from bot.domain.setup import sync_config

    sync_config(services.db, PoolbotConfig.model_validate(reasons_config(release_reason_required=False)))
    chat = ConsoleChat(services, handle="alice")
    cid = own(services, "alice", "Acme Corp")
    assert chat.say(f"/release #{cid}") == "Acme Corp is back in the pool."
    assert events_of(services.db, cid)[-1].release_reason is None


def test_release_to_another_pool_of_the_team(services: Services, chat: ConsoleChat) -> None:
    cid = own(services, "alice", "Acme Corp")
    done = chat.say(f"/release #{cid} 3 pool:east-vip")
    assert "Acme Corp is back in the pool, now in pool east-vip. Reason: Wrong contact." in done
    assert customer_row(services.db, cid).pool_id == pool_id(services.db, "east-vip")
    assert events_of(services.db, cid)[-1].to_pool_id == pool_id(services.db, "east-vip")
    card = chat.say(f"/customer #{cid}")
    assert "released by Alice — “Wrong contact” → pool east-vip" in card


def test_the_choice_keeps_the_pool_asked_for(services: Services, chat: ConsoleChat) -> None:
    cid = own(services, "alice", "Acme Corp")
    chat.say(f"/release #{cid} 池:east-vip")
    assert "now in pool east-vip" in chat.say("1")


def test_a_pool_not_allowed_or_unknown_is_one_refusal(services: Services, chat: ConsoleChat) -> None:
    from helpers import add_west_team

    add_west_team(services)
    cid = own(services, "alice", "Acme Corp")
    assert chat.say(f"/release #{cid} 1 pool:west-main") == (
        "Your team has no pool called “west-main”; it may go to: east-vip."
    )
    assert chat.say(f"/release #{cid} 1 pool:nowhere") == (
        "Your team has no pool called “nowhere”; it may go to: east-vip."
    )
    assert owner_of(services.db, cid) is not None
    vip = own(services, "alice", "Contoso", pool="east-vip")
    chat.say("/as maria")
    chat.say(f"/approve {requests(services.db)[-1].id}")
    chat.say("/as alice")
    assert chat.say(f"/release #{vip} pool:east-main") == (
        "Pool east-vip releases only to itself, not to east-main."
    )


def test_a_managers_release_with_a_reason_is_told_to_the_rep(services: Services, chat: ConsoleChat) -> None:
    cid = own(services, "alice", "Acme Corp")
    chat.say("/as maria")
    assert "Reason: Price too high." in chat.say(f"/release #{cid} 1 pool:east-vip")
    told = chat.say("/as alice")
    assert "Maria gave Acme Corp back to the pool (Price too high)" in told
    assert [n.kind for n in notifications(services.db, kind="taken_away")] == ["taken_away"]


def test_report_counts_releases_per_reason(services: Services, chat: ConsoleChat) -> None:
    for handle, name, reason in (("alice", "A1", "1"), ("alice", "A2", "2"), ("bob", "B1", "1")):
        cid = own(services, handle, name)
        chat.say(f"/as {handle}")
        chat.say(f"/release #{cid} {reason}")
    chat.say("/as maria")
    report = chat.say("/report")
    assert "Releases by reason: Price too high 2 · No budget this year 1" in report


def test_export_has_the_last_release_reason(services: Services, chat: ConsoleChat) -> None:
    cid = own(services, "alice", "Acme Corp")
    chat.say(f"/release #{cid} 2")
    kept = own(services, "alice", "Globex")
    out = io.StringIO()
    export_csv(services.db, out)
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}
    assert rows[str(cid)]["last_release_reason"] == "No budget this year"
    assert rows[str(kept)]["last_release_reason"] == ""


@pytest.mark.parametrize(
    ("main", "problem"),
    [
        ({"release_reasons": ["x" * 76]}, "at most 75 characters"),
        ({"release_reasons": [f"r{i}" for i in range(21)]}, "at most 20 items"),
        ({"release_reasons": ["  "]}, "should match pattern"),
        ({"release_reasons": ["Price", "price"]}, "'price' appears twice"),
        ({"release_reasons": ["12"]}, "a reason is words"),
        ({"release_reasons": [], "release_reason_required": True}, "needs a release_reasons list"),
        ({"release_to": ["west-main"]}, "no pool 'west-main' in team 'east'"),
        ({"release_to": ["east-main"]}, "is this pool itself"),
    ],
)
def test_the_pool_keys_are_validated(main: dict[str, Any], problem: str) -> None:
    raw = copy.deepcopy(TEAM_CONFIG)
    raw["pools"][0].update(main)
    raw["teams"].append({"name": "west"})
    raw["pools"].append({"name": "west-main", "team": "west"})
    with pytest.raises(ValueError, match=problem):
        PoolbotConfig.model_validate(raw)


def _race(services: Services, cid: int, owner: MemberView) -> dict[str, str]:
    """The owner sends ``cid`` to east-vip while Maria releases it to its own pool, in two threads
    started together; what each was told (the pool it went to, or the refusal)."""
    barrier = threading.Barrier(2, timeout=60)
    outcomes: dict[str, str] = {}

    def go(who: str, actor: MemberView, to_pool: str | None) -> None:
        barrier.wait()
        try:
            outcomes[who] = release(
                services, member=actor, customer_id=cid, reason="1", to_pool=to_pool
            ).pool_name
        except DomainError as exc:
            outcomes[who] = exc.key

    threads = [
        threading.Thread(target=go, args=("owner", owner, "east-vip")),
        threading.Thread(target=go, args=("manager", member(services, "maria"), None)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_owner_and_manager_releasing_at_once_release_it_once(services: Services) -> None:
    """One release, one event, and the customer is in the winner's pool, in every round."""
    for round_ in range(4):
        handle = "alice" if round_ % 2 else "bob"
        cid = own(services, handle, f"Race {round_}")
        outcomes = _race(services, cid, member(services, handle))
        won = [pool for pool in outcomes.values() if pool in ("east-vip", "east-main")]
        assert len(won) == 1, outcomes
        assert set(outcomes.values()) - set(won) <= {"error.changed_meanwhile", "error.in_pool"}
        assert [e.kind for e in events_of(services.db, cid)].count("released") == 1
        assert customer_row(services.db, cid).pool_id == pool_id(services.db, won[0])
    with services.db.read() as session:
        assert ownership_invariants(session) == []
