"""What users type is kept as typed: only a command's own option keys are options, and the text is
normalised once at the edge (digits, ``#``, ``:`` and ``/`` of any width; invisible characters
dropped; control characters refused)."""

from __future__ import annotations

import pytest
from helpers import add_one, member, own, owner_of

from bot.domain import lookup
from bot.domain.context import Services
from bot.handlers.console.chat import ConsoleChat


def notes(services: Services, customer_id: int) -> list[str]:
    card = lookup.card(services, member=member(services, "alice"), customer_id=customer_id)
    return [f.note for f in card.follow_ups]


@pytest.mark.parametrize(
    "note",
    ["talked to the region:East office", "会议纪要 地区:华东 规模:大", "price: 12k, next step: demo"],
)
def test_a_note_keeps_key_value_text_the_command_does_not_take(services: Services, note: str) -> None:
    acme = own(services, "alice", "Acme Corp")
    out = ConsoleChat(services, handle="alice").say(f"/followup #{acme} {note} kind:visit")
    assert "Follow-up recorded on Acme Corp." in out
    assert notes(services, acme) == [note]


def test_full_width_digits_hash_colon_and_slash_mean_the_ascii_ones(services: Services) -> None:
    acme = add_one(services, "Acme Corp")
    wide = "".join(chr(ord("０") + int(d)) for d in str(acme))
    out = ConsoleChat(services, handle="alice").say(f"／认领 ＃{wide}")
    assert "Acme Corp is yours" in out
    assert owner_of(services.db, acme) == member(services, "alice").id


def test_zero_width_characters_and_a_bom_are_dropped(services: Services) -> None:
    acme = add_one(services, "Acme Corp")
    out = ConsoleChat(services, handle="alice").say(f"\ufeff/claim\u200b #{acme}\u200d")
    assert "Acme Corp is yours" in out


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x1b[31m"])
def test_a_control_character_is_refused_and_changes_nothing(services: Services, bad: str) -> None:
    acme = own(services, "alice", "Acme Corp")
    out = ConsoleChat(services, handle="alice").say(f"/followup #{acme} called{bad} back")
    assert "control character" in out and "nothing was changed" in out
    assert notes(services, acme) == []


@pytest.mark.parametrize("when", ["-1", "+3", "7", "2026-11-01"])
def test_a_next_date_that_is_no_day_from_today_on_is_refused(services: Services, when: str) -> None:
    acme = own(services, "alice", "Acme Corp")
    out = ConsoleChat(services, handle="alice").say(f"/followup #{acme} called next:{when}")
    assert f"I can't read “{when}” as a day from today on" in out
    assert notes(services, acme) == []


def test_line_breaks_and_tabs_are_not_control_characters_to_refuse(services: Services) -> None:
    acme = own(services, "alice", "Acme Corp")
    ConsoleChat(services, handle="alice").say(f"/followup #{acme} line one\tcol\nline two")
    assert notes(services, acme) == ["line one col line two"]
