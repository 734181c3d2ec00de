"""The recycle sweep, with the clock travelling through days in Shanghai and in New York (which has
daylight saving): who goes back to the pool, on which day, and what everyone is told."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from helpers import events_of, local, member, notifications, owner_of, ownership_invariants, snapshot
from helpers import own as helpers_own

from bot.config import PoolbotConfig
from bot.domain.claims import claim
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.errors import RuleViolation
from bot.domain.followups import follow_up
from bot.domain.outbox import OutboxItem
from bot.domain.ownership import mark_won, release, set_locked
from bot.domain.priorities import set_priority
from bot.domain.recycling import PoolSweep, apply_batch, plan, recycle, select_batch
from bot.handlers.notices import render
from bot.messages import Message
from bot.storage.models import Notification

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
ROOMY = {"max_held_per_rep": 1000, "daily_claim_limit": 1000, "reclaim_cooldown_days": 7}
SWEEP_CONFIG = {
    "teams": [
        {"name": "east", "timezone": "Asia/Shanghai", "locale": "en"},
        {"name": "ny", "timezone": "America/New_York", "locale": "en"},
    ],
    "members": [
        {"handle": "maria", "name": "Maria", "team": "east", "role": "manager"},
        {"handle": "mike", "name": "Mike", "team": "east", "role": "manager"},
        {"handle": "alice", "name": "Alice", "team": "east", "role": "rep"},
        {"handle": "bob", "name": "Bob", "team": "east", "role": "rep"},
        {"handle": "nina", "name": "Nina", "team": "ny", "role": "manager"},
        {"handle": "nick", "name": "Nick", "team": "ny", "role": "rep"},
    ],
    "pools": [
        {
            "name": "east-main",
            "team": "east",
            **ROOMY,
            "recycle_days": {"A": 7, "B": 15, "C": 30},
            "warn_days": 3,
        },
        {
            "name": "east-deal",
            "team": "east",
            **ROOMY,
            "recycle_days": {"A": 30, "B": 30, "C": 30},
            "recycle_days_without_deal": 20,
            "warn_days": 1,
        },
        {"name": "ny-main", "team": "ny", **ROOMY, "recycle_days": {"A": 3, "B": 5, "C": 10}, "warn_days": 2},
    ],
}


@pytest.fixture
def config() -> PoolbotConfig:
    """Two teams, one in a zone with daylight saving; caps high enough to own many customers."""
    return PoolbotConfig.model_validate(SWEEP_CONFIG)


own = partial(helpers_own, priority="A")  # the recycle tests mostly want the 7-day rule


def shown(services: Services, row: Notification, locale: str = "en") -> Message:
    """The notification as its recipient would read it."""
    assert row.id is not None
    return render(services, OutboxItem(row.id, row.kind, dict(row.payload), row.recipient_id), locale)


def text_of(message: Message) -> str:
    return "\n".join(getattr(block, "text", "") for block in message.blocks)


def sound(services: Services) -> None:
    with services.db.read() as session:
        assert ownership_invariants(session) == []


CLAIM_DAY = date(2026, 11, 23)  # the fixture clock: Monday 10:00 in Shanghai


# ---- the boundary day of every rule -------------------------------------------------------------


@pytest.mark.parametrize(("priority", "days"), [("A", 7), ("B", 15), ("C", 30)])
def test_each_priority_goes_back_on_its_boundary_day(
    services: Services, clock: FakeClock, priority: str, days: int
) -> None:
    alice = member(services, "alice")
    cid = own(services, "alice", "Acme", priority=priority)
    deadline = CLAIM_DAY + timedelta(days=days)

    clock.set(local(SHANGHAI, deadline - timedelta(days=1), 23, 59, 59))
    assert recycle(services).customers == ()
    assert owner_of(services.db, cid) == alice.id

    clock.set(local(SHANGHAI, deadline))
    report = recycle(services)
    gone = [(c.customer_id, c.owner_name, c.deadline.day) for c in report.customers]
    assert gone == [(cid, "Alice", deadline)]
    assert owner_of(services.db, cid) is None
    event = events_of(services.db, cid)[-1]
    assert (event.kind, event.member_id, event.rule) == ("recycled", alice.id, "recycle_days")
    assert event.reason == f"no follow-up since 11-23: {days} days for priority {priority}"
    sound(services)


@pytest.mark.parametrize(
    ("claimed", "priority", "deadline"),
    [
        # claimed late in the evening: in UTC that is already the next day
        (datetime(2026, 10, 29, 23, 30, tzinfo=NEW_YORK), "A", date(2026, 11, 1)),  # the 25-hour day
        (datetime(2026, 10, 29, 23, 30, tzinfo=NEW_YORK), "B", date(2026, 11, 3)),  # counted across it
        (datetime(2027, 3, 11, 23, 30, tzinfo=NEW_YORK), "A", date(2027, 3, 14)),  # the 23-hour day
        (datetime(2027, 3, 12, 0, 15, tzinfo=NEW_YORK), "B", date(2027, 3, 17)),
    ],
)
def test_new_york_boundary_days_across_daylight_saving(
    services: Services, clock: FakeClock, claimed: datetime, priority: str, deadline: date
) -> None:
    clock.set(claimed)
    cid = own(services, "nick", "Hudson Freight", priority=priority, pool="ny-main")
    east = own(services, "alice", "Shanghai Tea")  # the other team's calendar is its own

    clock.set(local(NEW_YORK, deadline - timedelta(days=1), 23, 59, 59))
    assert cid not in {c.customer_id for c in recycle(services).customers}
    assert owner_of(services.db, cid) == member(services, "nick").id

    clock.set(local(NEW_YORK, deadline))
    report = recycle(services)
    assert cid in {c.customer_id for c in report.customers}
    assert owner_of(services.db, cid) is None
    # east's customer follows Shanghai's days: claimed on the New York evening, due 7 Shanghai days on
    east_deadline = claimed.astimezone(SHANGHAI).date() + timedelta(days=7)
    assert (owner_of(services.db, east) is None) == (clock.now().astimezone(SHANGHAI).date() >= east_deadline)


def test_owned_too_long_without_a_deal(services: Services, clock: FakeClock) -> None:
    alice = member(services, "alice")
    cid = own(services, "alice", "Slow Deal Ltd", pool="east-deal")  # 30 days per touch, 20 without a deal
    for day in (5, 10, 15, 19):  # touched often: the touch rule never fires
        clock.set(local(SHANGHAI, CLAIM_DAY + timedelta(days=day), 11))
        follow_up(services, member=alice, customer_id=cid, note="still talking")
        assert recycle(services).customers == ()

    clock.set(local(SHANGHAI, date(2026, 12, 12), 23, 59, 59))
    assert recycle(services).customers == ()
    clock.set(local(SHANGHAI, date(2026, 12, 13)))
    report = recycle(services)
    gone = [(c.customer_id, c.deadline.rule) for c in report.customers]
    assert gone == [(cid, "recycle_days_without_deal")]
    event = events_of(services.db, cid)[-1]
    assert (event.kind, event.rule, event.reason) == (
        "recycled",
        "recycle_days_without_deal",
        "owned since 11-23 without a deal: 20 days",
    )


def test_won_and_locked_customers_are_never_recycled(services: Services, clock: FakeClock) -> None:
    alice, maria = member(services, "alice"), member(services, "maria")
    won = own(services, "alice", "Won Co")
    locked = own(services, "alice", "Key Account")
    plain = own(services, "alice", "Plain Co")
    mark_won(services, member=alice, customer_id=won)
    set_locked(services, manager=maria, customer_id=locked, locked=True)

    clock.advance(days=400)
    assert [c.customer_id for c in recycle(services, dry_run=True).customers] == [plain]
    assert [c.customer_id for c in recycle(services).customers] == [plain]
    assert owner_of(services.db, won) == alice.id
    assert owner_of(services.db, locked) == alice.id

    set_locked(services, manager=maria, customer_id=locked, locked=False)
    assert [c.customer_id for c in recycle(services).customers] == [locked]
    sound(services)


def test_a_follow_up_moves_the_deadline(services: Services, clock: FakeClock) -> None:
    alice = member(services, "alice")
    cid = own(services, "alice", "Acme")  # A: 7 days, due 11-30
    clock.set(local(SHANGHAI, date(2026, 11, 28), 16))
    follow_up(services, member=alice, customer_id=cid, note="sent the quote")  # due 12-05 now

    for moment in (local(SHANGHAI, date(2026, 11, 30)), local(SHANGHAI, date(2026, 12, 4), 23, 59, 59)):
        clock.set(moment)
        assert recycle(services).customers == ()
    clock.set(local(SHANGHAI, date(2026, 12, 5)))
    assert [c.deadline.day for c in recycle(services).customers] == [date(2026, 12, 5)]


# ---- races ----------------------------------------------------------------------------------------------


def _east_main(services: Services, at: datetime) -> PoolSweep:
    return next(s for s in plan(services, at=at) if s.rules.pool_name == "east-main")


def test_a_follow_up_or_claim_committed_after_the_selection_wins(
    services: Services, clock: FakeClock
) -> None:
    alice, bob = member(services, "alice"), member(services, "bob")
    followed, reclaimed, neglected = (own(services, "alice", n) for n in ("Followed", "Reclaimed", "Cold"))
    clock.set(local(SHANGHAI, date(2026, 11, 30), 9))
    sweep = _east_main(services, clock.now())
    selected = select_batch(services, sweep)
    assert [d.customer_id for d in selected.due] == [followed, reclaimed, neglected]

    # committed while the sweep is between its read and its update
    follow_up(services, member=alice, customer_id=followed, note="called back")
    release(services, member=alice, customer_id=reclaimed)
    claim(services, member=bob, customer_id=reclaimed)

    outcome = apply_batch(services, sweep, selected.due, at=clock.now())
    assert [d.customer_id for d in outcome.recycled] == [neglected]
    assert {d.customer_id for d in outcome.kept} == {followed, reclaimed}
    assert owner_of(services.db, followed) == alice.id
    assert owner_of(services.db, reclaimed) == bob.id
    assert [e.kind for e in events_of(services.db, reclaimed)][-2:] == ["released", "claimed"]
    sound(services)


def test_a_customer_that_changed_hands_is_not_recycled_from_its_new_owner(
    services: Services, clock: FakeClock
) -> None:
    """As if 20 days ahead, even a customer claimed right now is due: only the owner check tells
    the sweep that the customer it read (alice's) is not the one it would update (bob's)."""
    alice, bob = member(services, "alice"), member(services, "bob")
    cid = own(services, "alice", "Acme")
    sweep = _east_main(services, clock.now() + timedelta(days=20))
    selected = select_batch(services, sweep)
    release(services, member=alice, customer_id=cid)
    claim(services, member=bob, customer_id=cid)
    outcome = apply_batch(services, sweep, selected.due, at=clock.now() + timedelta(days=20))
    assert (outcome.recycled, [d.customer_id for d in outcome.kept]) == ([], [cid])
    assert owner_of(services.db, cid) == bob.id
    sound(services)


def test_the_follow_up_wins_also_inside_a_full_run(services: Services, clock: FakeClock) -> None:
    """Between two batches of one run: the second batch is read after the first is written."""
    alice = member(services, "alice")
    ids = [own(services, "alice", f"Customer {i}") for i in range(4)]
    clock.set(local(SHANGHAI, date(2026, 11, 30), 9))
    sweep = _east_main(services, clock.now())
    first = select_batch(services, sweep, limit=2)
    apply_batch(services, sweep, first.due, at=clock.now())
    follow_up(services, member=alice, customer_id=ids[3], note="just in time")
    assert first.last_id is not None
    second = select_batch(services, sweep, after_id=first.last_id, limit=2)
    assert [d.customer_id for d in second.due] == [ids[2]]


# ---- after a recycle ------------------------------------------------------------------------------------


def test_the_former_owner_waits_out_the_cooldown(services: Services, clock: FakeClock) -> None:
    alice = member(services, "alice")
    cid = own(services, "alice", "Acme")
    clock.set(local(SHANGHAI, date(2026, 11, 30), 8))
    recycle(services)

    clock.set(local(SHANGHAI, date(2026, 12, 6), 23, 59))
    with pytest.raises(RuleViolation) as refused:
        claim(services, member=alice, customer_id=cid)
    assert refused.value.rule == "reclaim_cooldown_days"
    assert refused.value.params["available"] == date(2026, 12, 7)

    clock.set(local(SHANGHAI, date(2026, 12, 7)))
    claim(services, member=alice, customer_id=cid)
    assert owner_of(services.db, cid) == alice.id


def test_others_may_claim_a_recycled_customer_at_once(services: Services, clock: FakeClock) -> None:
    cid = own(services, "alice", "Acme")
    clock.set(local(SHANGHAI, date(2026, 11, 30), 8))
    recycle(services)
    claim(services, member=member(services, "bob"), customer_id=cid)
    assert owner_of(services.db, cid) == member(services, "bob").id


def test_one_notice_per_owner_and_one_digest_per_manager_even_when_run_twice(
    services: Services, clock: FakeClock
) -> None:
    a1, a2 = own(services, "alice", "Acme"), own(services, "alice", "Beta Works")
    own(services, "bob", "Cedar Ltd")
    clock.set(local(SHANGHAI, date(2026, 11, 30), 0, 5))
    first = recycle(services, batch_size=1)  # one transaction per customer
    again = recycle(services, batch_size=1)
    clock.advance(hours=10)
    later = recycle(services)
    assert (len(first.customers), again.customers, later.customers) == (3, (), ())
    assert (first.queued, again.queued, later.queued) == (4, 0, 0)

    names = {m: member(services, m).id for m in ("alice", "bob", "maria", "mike")}
    notices = notifications(services.db, kind="recycled")
    digests = notifications(services.db, kind="recycle_digest")
    assert Counter(n.recipient_id for n in notices) == Counter([names["alice"], names["bob"]])
    assert Counter(n.recipient_id for n in digests) == Counter([names["maria"], names["mike"]])
    assert all(n.next_attempt_at <= clock.now() for n in [*notices, *digests])  # released at the end

    alice_notice = next(n for n in notices if n.recipient_id == names["alice"])
    message = shown(services, alice_notice)
    assert message.summary == "2 of your customers went back to the pool on 11-30:"
    assert "Acme (A): no follow-up since 11-23: 7 days for priority A" in text_of(message)
    assert "Beta Works (A)" in text_of(message)
    assert "Cedar" not in text_of(message)
    digest = text_of(shown(services, digests[0]))
    assert "Recycle digest 11-30: 3 customers went back to the pool" in digest
    assert "From Alice (2):" in digest and "From Bob (1):" in digest
    assert digest.count("7 days for priority A") == 3
    assert {a1, a2} <= {c.customer_id for c in first.customers}
    assert notifications(services.db, kind="recycled")[0].team_id == member(services, "alice").team.id


def test_a_second_recycle_on_the_same_day_tells_the_owner_what_it_took(
    services: Services, clock: FakeClock
) -> None:
    """Each run's notice is read when it is delivered (here: right after its run)."""
    own(services, "alice", "Acme")
    beta = helpers_own(services, "alice", "Beta Works", priority="C")
    clock.set(local(SHANGHAI, date(2026, 11, 30), 0, 5))
    recycle(services)
    [first] = notifications(services.db, kind="recycled")
    first_text = text_of(shown(services, first))
    clock.set(local(SHANGHAI, date(2026, 11, 30), 15))
    set_priority(services, manager=member(services, "maria"), customer_id=beta, priority="A")
    assert [c.customer_id for c in recycle(services).customers] == [beta]
    second = next(n for n in notifications(services.db, kind="recycled") if n.id != first.id)
    second_text = text_of(shown(services, second))
    assert "Acme" in first_text and "Beta" not in first_text
    assert "Beta Works" in second_text and "Acme" not in second_text
    assert second.recipient_id == first.recipient_id == member(services, "alice").id
    assert len(notifications(services.db, kind="recycle_digest")) == 4  # two managers, two runs


def test_a_notice_delivered_after_a_second_run_that_day_lists_only_its_own_run(
    services: Services, clock: FakeClock
) -> None:
    """The first run's notice waits (a failing platform, quiet hours) until after the second run:
    it still lists only what the first run took, and the digests likewise."""
    own(services, "alice", "Acme")
    beta = helpers_own(services, "alice", "Beta Works", priority="C")
    clock.set(local(SHANGHAI, date(2026, 11, 30), 0, 5))
    recycle(services)
    [first] = notifications(services.db, kind="recycled")
    first_digests = notifications(services.db, kind="recycle_digest")
    clock.set(local(SHANGHAI, date(2026, 11, 30), 15))
    set_priority(services, manager=member(services, "maria"), customer_id=beta, priority="A")
    assert [c.customer_id for c in recycle(services).customers] == [beta]
    first_text = text_of(shown(services, first))
    assert "Acme" in first_text and "Beta" not in first_text
    for digest in first_digests:
        digest_text = text_of(shown(services, digest))
        assert "Acme" in digest_text and "Beta" not in digest_text


def test_the_next_day_brings_a_new_notice(services: Services, clock: FakeClock) -> None:
    own(services, "alice", "Acme")
    clock.set(local(SHANGHAI, date(2026, 11, 24), 9))
    own(services, "alice", "Beta Works")
    for day in (date(2026, 11, 30), date(2026, 12, 1)):
        clock.set(local(SHANGHAI, day, 1))
        recycle(services)
    notices = notifications(services.db, kind="recycled")
    assert [shown(services, n).summary for n in notices] == [
        "1 of your customers went back to the pool on 11-30:",
        "1 of your customers went back to the pool on 12-01:",
    ]


def test_the_new_york_digest_goes_to_its_own_manager_on_its_own_day(
    services: Services, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 2, 23, 30, tzinfo=NEW_YORK))
    own(services, "nick", "Hudson Freight", pool="ny-main")  # A: 3 days, due 11-05 in New York
    clock.set(datetime(2026, 11, 5, 0, 10, tzinfo=NEW_YORK))
    recycle(services)
    digests = notifications(services.db, kind="recycle_digest")
    assert [d.recipient_id for d in digests] == [member(services, "nina").id]
    assert shown(services, digests[0]).summary == "Recycle digest 11-05: 1 customers went back to the pool"


# ---- dry run ---------------------------------------------------------------------------------------------


def test_dry_run_lists_exactly_what_would_go_back_and_changes_nothing(
    services: Services, clock: FakeClock
) -> None:
    alice = member(services, "alice")
    a = own(services, "alice", "Acme")  # A: due 11-30
    b = own(services, "bob", "Beta Works", priority="B")  # due 12-08
    own(services, "bob", "Cedar Ltd", priority="C")  # due 12-23
    d = own(services, "alice", "Deal Co", pool="east-deal")  # 20 days without a deal: 12-13
    won = own(services, "alice", "Won Co")
    mark_won(services, member=alice, customer_id=won)

    next_monday = local(SHANGHAI, date(2026, 12, 14), 9)  # a manager asks on 11-23 about 12-14
    before = snapshot(services.db)
    report = recycle(services, at=next_monday, dry_run=True)
    assert snapshot(services.db) == before
    assert report.dry_run and report.queued == 0
    listed = sorted((c.customer_id, c.owner_name, c.deadline.rule, c.deadline.day) for c in report.customers)
    assert listed == [
        (a, "Alice", "recycle_days", date(2026, 11, 30)),
        (b, "Bob", "recycle_days", date(2026, 12, 8)),
        (d, "Alice", "recycle_days_without_deal", date(2026, 12, 13)),
    ]
    clock.set(next_monday)
    assert {c.customer_id for c in recycle(services).customers} == {a, b, d}


def test_recycle_for_one_team_leaves_the_other_alone(services: Services, clock: FakeClock) -> None:
    east = own(services, "alice", "Acme")
    ny = own(services, "nick", "Hudson Freight", pool="ny-main")
    clock.advance(days=60)
    report = recycle(services, team_id=member(services, "nick").team.id)
    assert [c.customer_id for c in report.customers] == [ny]
    assert owner_of(services.db, east) == member(services, "alice").id
