"""A command that changes anything never acts on a guess: only ``#id``, the exact name (any case or
width) or the exact pinyin or initials; a near match is offered as a numbered choice and acts only
when chosen. Reading commands may still show the closest match."""

from __future__ import annotations

import pytest
from helpers import add, add_one, add_west_team, event_kinds, member, own, owner_of

from bot.domain.context import Services
from bot.handlers.commands import Bot
from bot.handlers.console.chat import ConsoleChat
from bot.messages import Actor, Command
from bot.storage import near


def say(services: Services, handle: str, text: str) -> str:
    return ConsoleChat(services, handle=handle).say(text)


def test_a_near_name_is_offered_and_claims_nothing_until_chosen(services: Services) -> None:
    northwind = add_one(services, "Northwind Traders")
    chat = ConsoleChat(services, handle="alice")
    out = chat.say('/claim "Southwind Traders" met at the fair')
    assert f"No customer is called “Southwind Traders”. Did you mean #{northwind} Northwind Traders?" in out
    assert owner_of(services.db, northwind) is None
    assert "Northwind Traders is yours" in chat.say("1")
    assert owner_of(services.db, northwind) == member(services, "alice").id


def test_a_near_name_releases_nothing_and_starts_no_cooldown(services: Services) -> None:
    northwind = own(services, "alice", "Northwind Traders")
    out = say(services, "alice", '/release "Eastwind Traders"')
    assert "Did you mean" in out
    assert owner_of(services.db, northwind) == member(services, "alice").id
    assert "released" not in event_kinds(services.db, northwind)


def test_a_near_name_assigns_nothing(services: Services) -> None:
    contoso = add_one(services, "Contoso")
    out = say(services, "maria", "/assign Contosa bob")
    assert "Did you mean" in out and owner_of(services.db, contoso) is None


def test_postgresql_offers_the_near_name_however_many_customers_come_before_it(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL finds near names through the trigram index across the whole team; the first
    ``NAME_SCAN_LIMIT`` customers, all SQLite scores, would not hold this one."""
    if services.db.is_sqlite:
        pytest.skip("SQLite scores the team's first NAME_SCAN_LIMIT names")
    monkeypatch.setattr(near, "NAME_SCAN_LIMIT", 5)
    add(services, *(f"Filler Company {n}" for n in range(20)))
    northwind = add_one(services, "Northwind Traders")
    out = say(services, "alice", '/claim "Northwnd Traders"')
    assert f"Did you mean #{northwind} Northwind Traders?" in out and owner_of(services.db, northwind) is None


def test_a_chinese_name_typed_with_a_wrong_character_is_offered_and_claims_nothing(
    services: Services,
) -> None:
    yunfan = add_one(services, "杭州云帆科技有限公司")
    add_one(services, "杭州云海贸易有限公司")

    out = say(services, "alice", "/claim 杭州云帆科学有限公司")

    assert f"#{yunfan} 杭州云帆科技有限公司" in out and owner_of(services.db, yunfan) is None


def test_a_name_in_another_teams_pool_is_never_taken_for_a_near_one_here(services: Services) -> None:
    add_west_team(services)
    east = add_one(services, "East One")
    west = add_one(services, "West One", pool="west-main")
    out = say(services, "alice", '/claim "West One"')
    assert owner_of(services.db, east) is None and owner_of(services.db, west) is None
    typed_back = out.replace("“West One”", "").replace("/pool West One", "")  # the rep's own words
    assert "West One" not in typed_back  # the west customer is not even named


@pytest.mark.parametrize(
    "reference",
    [
        "杭州云帆科技有限公司",
        "hangzhouyunfankejiyouxiangongsi",
        "HZYFKJYXGS",
        '"Hangzhou Yunfan Keji Youxian Gongsi"',
    ],
)
def test_an_exact_name_pinyin_or_initials_acts_at_once(services: Services, reference: str) -> None:
    yunfan = add_one(services, "杭州云帆科技有限公司")
    assert "is yours" in say(services, "alice", f"/claim {reference}")
    assert owner_of(services.db, yunfan) == member(services, "alice").id


def test_an_exact_name_ignores_case_and_width(services: Services) -> None:
    acme = add_one(services, "Acme Corp")
    assert "Acme Corp is yours" in say(services, "alice", '/claim "ＡＣＭＥ ｃｏｒｐ"')
    assert owner_of(services.db, acme) == member(services, "alice").id


def test_two_customers_with_the_same_exact_name_are_both_offered(services: Services) -> None:
    first, second = add_one(services, "Acme Corp"), add_one(services, "ACME corp.")
    out = say(services, "alice", '/claim "acme corp"')
    assert "2 customers match" in out and f"#{first}" in out and f"#{second}" in out
    assert owner_of(services.db, first) is None and owner_of(services.db, second) is None


def test_reading_commands_still_show_the_closest_match(services: Services) -> None:
    add_one(services, "Northwind Traders")
    assert "== Northwind Traders" in say(services, "alice", "/customer Northwnd")


def test_a_priority_edit_on_the_card_needs_an_exact_reference(services: Services) -> None:
    northwind = add_one(services, "Northwind Traders")
    out = say(services, "maria", "/customer Northwnd priority:A")
    assert "Did you mean" in out and "priority" not in out.split("Did you mean")[0].lower()
    assert "now priority A" not in out
    assert event_kinds(services.db, northwind) == ["imported"]


def test_the_choice_buttons_carry_only_their_number_not_what_was_typed(services: Services) -> None:
    add_one(services, "Northwind Traders")
    note = "x" * 1900  # a long note: it stays on the server, not in the buttons
    reply = Bot(services).handle(Command(Actor("console", "alice"), f'/claim "Southwind Traders" {note}'))
    assert [(b.action_id, b.value) for b in reply.message.buttons] == [("choice.pick", "1")]
    assert reply.choices and reply.choices[0].endswith(note)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('/as ""', "Usage: /as <handle>"),
        ("/assign #1 nobody", "Your team has no member nobody."),
        ("/pool page:100000", "There is no page 100000: the last is 1."),
    ],
)
def test_small_mistakes_get_the_right_answer(services: Services, text: str, expected: str) -> None:
    add_one(services, "Acme Corp")
    out = say(services, "maria", text)
    assert expected in out and "Ask an admin" not in out
