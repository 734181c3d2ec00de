"""The set-based sweep and outbox writes: what a user sees stays what the row-by-row writes gave.

A batch is written with one statement per table (the batch as one JSON parameter), its reasons
rendered once per distinct rule, locale and numbers, and deadlines counted once per distinct
customer shape; these tests pin what that must not change: each customer its own rule and reason
in its team's language, a customer changed since it was read stays (no event, no notice for it),
local days (not UTC days) decide, and an outbox row queued from pre-encoded JSON is the row
:func:`enqueue_many` writes.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from helpers import events_of, local, member, notifications, own, owner_of, ownership_invariants

from bot.config import PoolbotConfig
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.errors import DomainError
from bot.domain.followups import follow_up
from bot.domain.notices import MORNING_REMINDER, DueLine, MorningReminder, SoonLine
from bot.domain.recycling import apply_batch, plan, recycle, select_batch
from bot.domain.snapshots import Deadline
from bot.storage import outbox as ob
from bot.storage import outbox_bulk
from bot.storage.models import Notification

SHANGHAI = ZoneInfo("Asia/Shanghai")
ROOMY = {"max_held_per_rep": 1000, "daily_claim_limit": 1000, "reclaim_cooldown_days": 7}
RULES = {**ROOMY, "recycle_days": {"A": 7, "B": 15, "C": 30}, "recycle_days_without_deal": 10}
CONFIG = {
    "teams": [
        {"name": "east", "timezone": "Asia/Shanghai", "locale": "en"},
        {"name": "south", "timezone": "Asia/Shanghai", "locale": "zh-CN"},
    ],
    "members": [
        {"handle": "maria", "name": "Maria", "team": "east", "role": "manager"},
        {"handle": "alice", "name": "Alice", "team": "east", "role": "rep"},
        {"handle": "bob", "name": "Bob", "team": "east", "role": "rep"},
        {"handle": "lin", "name": "Lin", "team": "south", "role": "rep"},
    ],
    "pools": [
        {"name": "east-main", "team": "east", **RULES},
        {"name": "south-main", "team": "south", **RULES},
    ],
}
DAY0 = date(2026, 11, 23)  # the fixture clock: Monday 10:00 in Shanghai


@pytest.fixture
def config() -> PoolbotConfig:
    return PoolbotConfig.model_validate(CONFIG)


def at_day(clock: FakeClock, days: int, hour: int = 10) -> None:
    clock.set(local(SHANGHAI, DAY0 + timedelta(days=days), hour))


def sound(services: Services) -> None:
    with services.db.read() as session:
        assert ownership_invariants(session) == []


def test_one_batch_with_both_rules_gives_each_customer_its_own_rule_and_reason(
    services: Services, clock: FakeClock
) -> None:
    """Day 10: one customer owned since day 0 and followed up on day 6 (no deal: 10 days), one
    claimed on day 3 and never touched (priority A: 7 days); the same pool, the same batch."""
    alice = member(services, "alice")
    dealless = own(services, "alice", "Owned Long", priority="A")
    at_day(clock, 3)
    untouched = own(services, "alice", "Never Called", priority="A")
    at_day(clock, 6)
    follow_up(services, member=alice, customer_id=dealless, note="still thinking")

    at_day(clock, 10)
    report = recycle(services)
    assert sorted(c.customer_id for c in report.customers) == sorted([dealless, untouched])
    assert report.by_rule == {"recycle_days_without_deal": 1, "recycle_days": 1}
    first, second = events_of(services.db, dealless)[-1], events_of(services.db, untouched)[-1]
    assert (first.kind, first.member_id, first.rule) == ("recycled", alice.id, "recycle_days_without_deal")
    assert first.reason == "owned since 11-23 without a deal: 10 days"
    assert (second.kind, second.member_id, second.rule) == ("recycled", alice.id, "recycle_days")
    assert second.reason == "no follow-up since 11-26: 7 days for priority A"
    sound(services)


def test_each_team_reads_its_reasons_in_its_own_language_in_one_run(
    services: Services, clock: FakeClock
) -> None:
    """The same rule and numbers in two teams: one reason rendered per locale, not the first one."""
    east = own(services, "alice", "Acme", priority="A")
    south = own(services, "lin", "华东贸易", priority="A", pool="south-main")
    at_day(clock, 7)
    assert {c.customer_id for c in recycle(services).customers} == {east, south}
    assert events_of(services.db, east)[-1].reason == "no follow-up since 11-23: 7 days for priority A"
    assert events_of(services.db, south)[-1].reason == "11-23 起未跟进：A 类客户 7 天"


def test_a_customer_changed_since_the_read_gets_no_event_and_its_owner_no_notice(
    services: Services, clock: FakeClock
) -> None:
    """Within one batch: Bob follows up his customer between the read and the set-based UPDATE,
    so only Alice's goes back, only it gets a ``recycled`` event, and only Alice is told."""
    alice, bob = member(services, "alice"), member(services, "bob")
    hers = own(services, "alice", "Cold Lead", priority="A")
    his = own(services, "bob", "Warm Lead", priority="A")
    at_day(clock, 7)
    sweep = next(s for s in plan(services, at=clock.now()) if s.rules.pool_name == "east-main")
    selected = select_batch(services, sweep)
    assert sorted(d.customer_id for d in selected.due) == sorted([hers, his])

    follow_up(services, member=bob, customer_id=his, note="called just now")
    outcome = apply_batch(services, sweep, selected.due, at=clock.now())

    assert ([d.customer_id for d in outcome.recycled], [d.customer_id for d in outcome.kept]) == (
        [hers],
        [his],
    )
    assert (owner_of(services.db, hers), owner_of(services.db, his)) == (None, bob.id)
    assert "recycled" not in [e.kind for e in events_of(services.db, his)]
    assert [e.kind for e in events_of(services.db, hers)][-2:] == ["claimed", "recycled"]
    told = {n.recipient_id for n in notifications(services.db, kind="recycled")}
    assert told == {alice.id}
    sound(services)


def test_local_days_decide_for_customers_touched_either_side_of_local_midnight(
    services: Services, clock: FakeClock
) -> None:
    """Claimed at 23:59 and 00:01 Shanghai time (the same UTC day): a week later at midnight only
    the first is due. Deadlines remembered per customer shape must key on the local day."""
    clock.set(local(SHANGHAI, DAY0, 23, 59))
    late = own(services, "alice", "Late Evening", priority="A")
    clock.set(local(SHANGHAI, DAY0 + timedelta(days=1), 0, 1))
    early = own(services, "alice", "Early Morning", priority="A")
    assert late != early

    clock.set(local(SHANGHAI, DAY0 + timedelta(days=7), 0, 0))
    report = recycle(services, dry_run=True)
    assert [(c.customer_id, c.deadline.day) for c in report.customers] == [(late, DAY0 + timedelta(days=7))]
    clock.set(local(SHANGHAI, DAY0 + timedelta(days=8), 0, 0))
    days = {c.customer_id: c.deadline.day for c in recycle(services, dry_run=True).customers}
    assert days == {late: DAY0 + timedelta(days=7), early: DAY0 + timedelta(days=8)}


# ---- the outbox from pre-encoded JSON ------------------------------------------------------------------


def _morning(day: date) -> MorningReminder:
    deadline = Deadline(day + timedelta(days=2), "recycle_days", day - timedelta(days=5), 7, "A")
    return MorningReminder(
        day,
        (SoonLine(1, "杭州云帆科技有限公司", "A", None, deadline),),
        (DueLine(2, 'Blue "River" Ltd \\ Co', "B", day - timedelta(days=1)),),
        soon_total=1,
        due_total=1,
        follow_ups_due=1,
    )


def _row(services: Services, key: str) -> Notification:
    found = [n for n in notifications(services.db) if n.key == key]
    assert len(found) == 1
    return found[0]


def test_an_encoded_row_is_the_row_enqueue_many_writes(services: Services, clock: FakeClock) -> None:
    """Same payload (non-ASCII, quotes, backslashes, dates, a nested deadline), same columns."""
    alice, now = member(services, "alice"), clock.now()
    payload = _morning(DAY0)
    plain = MORNING_REMINDER.outgoing(payload, key="plain", team_id=alice.team.id, recipient_id=alice.id)
    encoded = MORNING_REMINDER.encoded(payload, key="encoded", team_id=alice.team.id, recipient_id=alice.id)
    later = now + timedelta(minutes=5)
    with services.db.write() as session:
        assert ob.enqueue_many(session, [plain], now=now, deliver_from=later) == 1
        assert outbox_bulk.enqueue_encoded(session, [encoded], now=now, deliver_from=later) == 1

    def columns(row: Notification) -> dict[str, object]:
        return {k: v for k, v in row.model_dump().items() if k not in ("id", "key")}

    first, second = _row(services, "plain"), _row(services, "encoded")
    assert columns(second) == columns(first)
    assert MORNING_REMINDER.read(second.payload) == payload


def test_encoded_rows_are_queued_once_per_key_and_a_team_row_goes_to_the_channel(
    services: Services, clock: FakeClock
) -> None:
    alice, now = member(services, "alice"), clock.now()
    team = alice.team.id
    rows = [
        MORNING_REMINDER.encoded(_morning(DAY0), key="a", team_id=team, recipient_id=alice.id),
        MORNING_REMINDER.encoded(_morning(DAY0), key="b", team_id=team, recipient_id=None),
    ]
    with services.db.write() as session:
        assert outbox_bulk.enqueue_encoded(session, rows, now=now) == 2
    with services.db.write() as session:  # a second run racing the first: nothing new
        assert outbox_bulk.enqueue_encoded(session, rows, now=now) == 0
    channel = _row(services, "b")
    assert (channel.recipient_id, channel.to_team_channel, channel.next_attempt_at) == (None, True, now)
    assert _row(services, "a").to_team_channel is False


def test_nothing_to_encode_queues_nothing(services: Services, clock: FakeClock) -> None:
    with services.db.write() as session:
        assert outbox_bulk.enqueue_encoded(session, [], now=clock.now()) == 0
    assert notifications(services.db) == []


def test_follow_ups_racing_the_set_based_sweep_each_win_or_lose_cleanly(
    services: Services, clock: FakeClock
) -> None:
    """A rep follows up her customers while the sweep recycles them in small batches, from two
    threads started together: every customer is either saved by its follow-up or recycled, never
    both (the conditional UPDATE sees the committed follow-up) and never neither."""
    alice = member(services, "alice")
    ids = [own(services, "alice", f"Racing {i}", priority="A") for i in range(30)]
    at_day(clock, 7)
    barrier = threading.Barrier(2, timeout=120)
    saved: list[int] = []
    recycled: list[int] = []

    def sweeper() -> None:
        barrier.wait()
        recycled.extend(c.customer_id for c in recycle(services, batch_size=4).customers)

    def rep() -> None:
        barrier.wait()
        for cid in reversed(ids):  # from the end: the two meet in the middle
            try:
                follow_up(services, member=alice, customer_id=cid, note="calling")
            except DomainError:
                continue  # already back in the pool: the sweep won this one
            saved.append(cid)

    threads = [threading.Thread(target=sweeper), threading.Thread(target=rep)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert set(saved).isdisjoint(recycled)
    assert sorted(saved + recycled) == sorted(ids)
    for cid in recycled:
        assert owner_of(services.db, cid) is None
        assert [e.kind for e in events_of(services.db, cid)].count("recycled") == 1
    for cid in saved:
        assert owner_of(services.db, cid) == alice.id
    sound(services)
