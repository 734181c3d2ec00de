"""The real ``Bot`` driven with random Unicode for every command, role and team: no answer is an
internal error, a refusal changes nothing, and no command of one team's member changes another
team's rows. A fixed example budget (derandomised) keeps it the same run in CI."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import Snapshot, add, add_west_team, member, own, pool_id, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.context import Services
from bot.handlers.commands import Bot
from bot.handlers.table import COMMANDS
from bot.messages import Actor, Command

EXAMPLES = 120
SPEAKERS = ("alice", "bob", "maria", "walt", "wendy")  # east rep, rep, manager; west rep, manager
INTERNAL = ("Something went wrong on our side", "出了点问题")

words = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)  # utf-8: no lone surrogates
references = st.sampled_from(
    ("#1", "#2", "#3", "#4", "#99", "Acme Corp", "West One", "acme", "1", "alice", "bob")
)
options = st.sampled_from(
    ("", "next:明天", "kind:visit", "priority:A", "page:2", "region:East", "pool:west-main")
)


@st.composite
def command_lines(draw: st.DrawFn) -> str:
    word = draw(st.sampled_from(sorted(COMMANDS.words)))
    parts = [f"/{word}", *draw(st.lists(st.one_of(references, words, options), max_size=4))]
    return " ".join(parts)


def west_rows(before: Snapshot, west_customers: set[int]) -> tuple[Any, ...]:
    """Everything of the west team's customers in a snapshot."""
    return (
        tuple(c for c in before.customers if c[0] in west_customers),
        tuple(e for e in before.events if e[1] in west_customers),
        tuple(r for r in before.requests if r[1] in west_customers),
        tuple(f for f in before.follow_ups if f[1] in west_customers),
    )


@pytest.fixture
def teams(services: Services) -> set[int]:
    """East (conftest) and west, each with customers in the pool and owned; the west ids."""
    add_west_team(services)
    add(services, "Acme Corp", "Acme Ltd")
    own(services, "alice", "Globex")
    west = add(services, "West One", "West Two", pool="west-main")
    own(services, "walt", "West Owned", pool="west-main")
    west_pool = pool_id(services.db, "west-main")
    return {c[0] for c in snapshot(services.db).customers if c[8] == west_pool} | set(west)


@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(line=command_lines(), speaker=st.sampled_from(SPEAKERS))
def test_random_commands_never_fail_inside_change_nothing_when_refused_and_stay_in_their_team(
    services: Services, teams: set[int], line: str, speaker: str
) -> None:
    bot = Bot(services)
    before = snapshot(services.db)
    reply = bot.handle(Command(Actor("console", speaker), line))
    after = snapshot(services.db)
    shown = reply.message.summary + " ".join(getattr(b, "text", "") for b in reply.message.blocks)
    assert not any(text in shown for text in INTERNAL), (line, speaker, shown)
    if reply.refused:
        assert after == before, (line, speaker, shown)
    if member(services, speaker).team.name == "east":
        assert west_rows(after, teams) == west_rows(before, teams), (line, speaker, shown)
