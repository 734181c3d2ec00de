"""A claim decided by three statements (bot.storage.claiming): the answers a rep gets stay those of
one query per rule, including the cases the single SELECT has to get right on its own, and
migration 0011 gives the rules' counts their indexes on both databases."""

from __future__ import annotations

from dataclasses import replace

import pytest
from helpers import add, add_one, event_kinds, member, owner_of
from sqlalchemy import inspect

from bot.domain.claims import claim
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.errors import Merged, RuleViolation
from bot.domain.merging import merge
from bot.storage import claiming, migrate
from bot.storage.engine import make_engine

RULE_INDEXES = {
    "ix_customer_pending_pool": ["pending_member_id", "pool_id"],
    "ix_customer_owner_pool": ["owner_id", "pool_id", "won_at"],
}


def test_a_customer_taken_meanwhile_is_not_taken_again_and_logs_no_claim(services: Services) -> None:
    """The conditional UPDATE decides: when another rep got the customer between the rules'
    SELECT and the UPDATE, the claim takes nothing and writes no event (on PostgreSQL the event is
    the same statement's INSERT, from the UPDATE's rows)."""
    alice, bob = member(services, "alice"), member(services, "bob")
    cid = add_one(services, "Acme")
    claim(services, member=bob, customer_id=cid)
    before = event_kinds(services.db, cid)
    with services.db.write() as session:
        assert not claiming.take(session.connection(), cid, alice.id, services.clock.now(), "late")
    assert owner_of(services.db, cid) == bob.id
    assert event_kinds(services.db, cid) == before


def test_a_claim_of_a_merged_customer_says_where_it_went(services: Services) -> None:
    alice, maria = member(services, "alice"), member(services, "maria")
    keep, other = add(services, "Acme Ltd", "Acme Limited")
    merge(services, manager=maria, keep_id=keep, other_id=other)
    with pytest.raises(Merged) as err:
        claim(services, member=alice, customer_id=other)
    assert err.value.key == "reg.merged_into"
    assert err.value.params["into"] == keep


def test_the_daily_limit_counts_in_the_pool_teams_day_when_the_reps_view_is_stale(
    services: Services, clock: FakeClock
) -> None:
    """The SELECT counts the day's claims in the day of the rep's team as its view says; when the
    team's time zone has changed since (the view is older), the count is read again in the team's."""
    alice = member(services, "alice")
    ids = add(services, "C1", "C2", "C3")
    claim(services, member=alice, customer_id=ids[0])  # 10:00 in Shanghai, 18:00 the day before in LA
    claim(services, member=alice, customer_id=ids[1])
    clock.advance(hours=7)  # 17:00 in Shanghai (the same day), 01:00 in LA (the next)
    stale = replace(alice, team=replace(alice.team, timezone="America/Los_Angeles"))
    with pytest.raises(RuleViolation) as err:
        claim(services, member=stale, customer_id=ids[2])
    assert err.value.params == {"count": 2, "limit": 2}
    assert owner_of(services.db, ids[2]) is None


def _rule_indexes(url: str) -> dict[str, list[str | None]]:
    engine = make_engine(url)
    try:
        found = inspect(engine).get_indexes("customer")
    finally:
        engine.dispose()
    return {index["name"]: index["column_names"] for index in found if index["name"] in RULE_INDEXES}


def test_0011_indexes_the_rules_counts_and_goes_down_and_up(database_url: str) -> None:
    assert _rule_indexes(database_url) == RULE_INDEXES
    migrate.downgrade(database_url, "0010")
    assert _rule_indexes(database_url) == {}
    migrate.upgrade(database_url)
    assert _rule_indexes(database_url) == RULE_INDEXES
