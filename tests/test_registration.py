"""Registration (报备) from chat: each answer of /new, on SQLite and PostgreSQL, and the race."""

from __future__ import annotations

import copy
import threading

import pytest
from conftest import TEAM_CONFIG
from helpers import add_one, customer_row, event_kinds, member, owner_of, requests, snapshot
from pydantic import ValidationError

from bot.config import PoolbotConfig
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.errors import Conflict
from bot.domain.registration import NewRecord, register
from bot.domain.setup import sync_config
from bot.handlers.console.chat import ConsoleChat

VALID_CREDIT = "91350100M000100Y43"


def test_a_new_customer_is_registered_to_the_rep_with_its_deadline(services: Services) -> None:
    alice = ConsoleChat(services, handle="alice")
    out = alice.say(f"/new 杭州云帆科技有限公司 phone:0571-88886666 contact:王总 credit:{VALID_CREDIT}")
    assert "is registered to you (1 of 3 held)" in out
    assert "goes back to the pool on 12-" in out or "goes back to the pool on 01-" in out
    customer_id = int(out.split("#")[1].split()[0])
    assert owner_of(services.db, customer_id) == member(services, "alice").id
    assert event_kinds(services.db, customer_id) == ["registered"]
    assert customer_row(services.db, customer_id).credit_code == VALID_CREDIT


def test_the_chinese_alias_registers_too(services: Services) -> None:
    assert "is registered to you" in ConsoleChat(services, handle="alice").say("报备 北方贸易")


def test_a_customer_in_the_pool_is_offered_to_claim_and_nothing_is_created(services: Services) -> None:
    pool_id = add_one(services, "杭州云帆科技有限公司")
    before = snapshot(services.db)
    out = ConsoleChat(services, handle="alice").say("/new （中国）杭州云帆科技 有限公司")
    assert f"#{pool_id} 杭州云帆科技有限公司 is in the pool (same name): claim it instead" in out
    assert f"/claim #{pool_id}" in out  # the Claim button's typed twin
    assert snapshot(services.db) == before


def test_a_colleagues_customer_is_named_without_their_data_and_they_are_not_told(services: Services) -> None:
    bob = ConsoleChat(services, handle="bob")
    bob.say("/new Northwind Traders Ltd phone:13812345678 contact:Nancy")
    before = snapshot(services.db)
    out = ConsoleChat(services, handle="alice").say("/new northwind traders")
    assert "Northwind Traders Ltd was already registered by a colleague on" in out
    assert "Bob" not in out and "13812345678" not in out and "Nancy" not in out
    assert snapshot(services.db) == before
    assert bob.notifications() == ""


def test_a_pool_that_shows_contacts_names_the_colleague(services: Services) -> None:
    west = {
        "teams": [{"name": "west", "timezone": "America/Los_Angeles", "locale": "en"}],
        "members": [
            {"handle": "walt", "name": "Walt", "team": "west"},
            {"handle": "wanda", "name": "Wanda", "team": "west"},
        ],
        "pools": [{"name": "west-main", "team": "west", "hide_contact_in_pool": False}],  # shown to all
    }
    sync_config(services.db, PoolbotConfig.model_validate(west))
    ConsoleChat(services, handle="walt").say("/new Fabrikam phone:13900001111 contact:Fiona")

    out = ConsoleChat(services, handle="wanda").say("/new Fabrikam Inc.")

    assert "already registered by a colleague" in out
    assert "Owner: Walt; phone 13900001111; contact Fiona." in out
    assert "already yours" in ConsoleChat(services, handle="walt").say("/new Fabrikam Inc.")


def test_a_near_match_offers_choices_and_register_anyway_goes_to_a_manager(services: Services) -> None:
    existing = add_one(services, "杭州云帆科技有限公司")
    alice = ConsoleChat(services, handle="alice")
    out = alice.say("/new 云帆科技 phone:13700001111")
    assert "probably a customer we already have" in out
    assert f"1) #{existing} 杭州云帆科技有限公司 (similar name, 99%)" in out
    assert "2) Register anyway" in out
    before_customers = snapshot(services.db)
    out = alice.say("2")
    assert "Registration request #" in out and f"looks like #{existing}" in out
    assert [r.kind for r in requests(services.db)] == ["registration"]
    assert snapshot(services.db).customers == before_customers.customers  # nothing in the pool meanwhile
    maria = ConsoleChat(services, handle="maria")
    card = maria.notifications()
    assert "Registration request" in card and "云帆科技 | 杭州云帆科技有限公司" in card
    request_id = requests(services.db)[0].id
    out = maria.say(f"/approve {request_id}")
    assert "approved" in out.lower()
    told = alice.notifications()
    assert "Your registration of 云帆科技 was approved by Maria" in told
    new_id = int(told.split("#")[1].split()[0])
    assert owner_of(services.db, new_id) == member(services, "alice").id
    assert "already approved by Maria" in ConsoleChat(services, handle="maria").say(f"/reject {request_id}")


def test_a_rejected_registration_creates_nothing(services: Services) -> None:
    existing = add_one(services, "Contoso Ltd", phone="021-5555 6666")
    alice = ConsoleChat(services, handle="alice")
    assert "probably" in alice.say("/new Contoso Holdings phone:+86-21-5555-6666")
    alice.say("2")
    request_id = requests(services.db)[0].id
    ConsoleChat(services, handle="maria").say(f"/reject {request_id} same company")
    assert "was rejected by Maria. same company" in alice.notifications()
    assert "register_rejected" in event_kinds(services.db, existing)
    assert len(snapshot(services.db).customers) == 1


def test_bad_input_is_one_line_and_changes_nothing(services: Services) -> None:
    alice = ConsoleChat(services, handle="alice")
    before = snapshot(services.db)
    assert "not a valid unified social credit code" in alice.say("/new Acme credit:91350100M000100Y44")
    assert "is not one of A, B, C" in alice.say("/new Acme priority:Z")
    assert "Your team has no pool nowhere" in alice.say("/new Acme pool:nowhere")
    assert "Only reps can /new" in ConsoleChat(services, handle="maria").say("/new Acme")
    assert snapshot(services.db) == before


def test_the_same_credit_code_is_the_same_customer_whatever_the_name(services: Services) -> None:
    alice = ConsoleChat(services, handle="alice")
    alice.say(f"/new Acme credit:{VALID_CREDIT}")
    assert "(same credit code)" in alice.say(f"/new Totally Different credit:{VALID_CREDIT.lower()}")


def test_the_holding_cap_and_the_daily_register_limit_apply(services: Services) -> None:
    alice = ConsoleChat(services, handle="alice")
    for name in ("One Co", "Two Co", "Three Co"):
        assert "registered to you" in alice.say(f"/new {name}")
    assert "You hold 3 of 3" in alice.say("/new Four Co")


def test_two_reps_registering_the_same_new_company_at_once_get_one_owner(services: Services) -> None:
    results: dict[str, str] = {}
    barrier = threading.Barrier(2)

    def run(handle: str) -> None:
        rep = member(services, handle)
        barrier.wait()
        try:
            done = register(services, member=rep, record=NewRecord(name="Race Condition Inc"))
            results[handle] = done.answer
        except Conflict as exc:
            results[handle] = exc.key

    threads = [threading.Thread(target=run, args=(h,)) for h in ("alice", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == ["colleague", "new"]
    assert len(snapshot(services.db).customers) == 1


def test_the_pools_daily_register_limit_counts_registrations_and_requests(
    services: Services, clock: FakeClock
) -> None:
    data = copy.deepcopy(TEAM_CONFIG)
    data["pools"][0].update({"daily_register_limit": 2, "max_held_per_rep": 10})
    sync_config(services.db, PoolbotConfig.model_validate(data))
    add_one(services, "Contoso Ltd")
    alice = ConsoleChat(services, handle="alice")
    assert "registered to you" in alice.say("/new One Co")
    assert "Registration request" in alice.say("/new Contoso Holdings anyway:yes")
    before = snapshot(services.db)
    assert "You registered 2 customers today; the pool's limit is 2" in alice.say("/new Three Co")
    assert snapshot(services.db) == before
    clock.advance(days=1)
    assert "registered to you" in alice.say("/new Three Co")


@pytest.mark.parametrize(
    ("where", "key", "value"),
    [
        ("pools", "daily_register_limit", 0),
        ("teams", "duplicate_threshold", 30),
        ("teams", "duplicate_threshold", 101),
    ],
)
def test_registration_config_keys_are_validated(where: str, key: str, value: int) -> None:
    data = copy.deepcopy(TEAM_CONFIG)
    data[where][0][key] = value
    with pytest.raises(ValidationError, match=key):
        PoolbotConfig.model_validate(data)
