"""Warnings before a recycle: warn_days before and on the last day, once per customer and stage,
re-armed by a follow-up, in Shanghai and across New York's daylight-saving change."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from helpers import local, member, notifications, snapshot
from test_recycle import SWEEP_CONFIG, own, shown, text_of

from bot.config import PoolbotConfig
from bot.domain.clock import FakeClock, local_day
from bot.domain.context import Services
from bot.domain.followups import follow_up
from bot.domain.ownership import mark_won, set_locked
from bot.domain.recycle_warnings import warn
from bot.domain.recycling import recycle
from bot.handlers.table import twin
from bot.messages import Actions, Context

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def config() -> PoolbotConfig:
    return PoolbotConfig.model_validate(SWEEP_CONFIG)


def run_days(services: Services, clock: FakeClock, zone: ZoneInfo, first: date, last: date) -> None:
    """Run the warnings three times a day (twice at the same hour, as two schedulers would)."""
    day = first
    while day <= last:
        for hour, minute in ((0, 0), (9, 0), (9, 0), (23, 59)):
            clock.set(local(zone, day, hour, minute))
            warn(services)
        day += timedelta(days=1)


def warned(services: Services, zone: ZoneInfo) -> list[tuple[str, date]]:
    """(notification key, local day it was queued) of every warning, in order."""
    return [
        (n.key, local_day(n.created_at, str(zone)))
        for n in notifications(services.db, kind="recycle_warning")
    ]


def test_warned_warn_days_before_and_on_the_last_day_once_each(services: Services, clock: FakeClock) -> None:
    cid = own(services, "alice", "Acme")  # A: 7 days from 11-23, back on 11-30; warn_days 3
    run_days(services, clock, SHANGHAI, date(2026, 11, 23), date(2026, 12, 2))
    assert warned(services, SHANGHAI) == [
        (f"warn:{cid}:2026-11-30:early", date(2026, 11, 27)),
        (f"warn:{cid}:2026-11-30:last", date(2026, 11, 29)),
    ]
    alice = member(services, "alice")
    assert {n.recipient_id for n in notifications(services.db, kind="recycle_warning")} == {alice.id}


def test_the_warning_says_when_and_why_and_offers_the_buttons(services: Services, clock: FakeClock) -> None:
    cid = own(services, "alice", "Acme")
    clock.set(local(SHANGHAI, date(2026, 11, 27), 9))
    assert warn(services).queued == 1
    clock.set(local(SHANGHAI, date(2026, 11, 29), 9))
    assert warn(services).queued == 1
    early, last = notifications(services.db, kind="recycle_warning")

    message = shown(services, early)
    assert message.summary == (
        "Acme goes back to the pool in 3 days, on 11-30, unless you record a follow-up."
    )
    rule = next(b for b in message.blocks if isinstance(b, Context))
    assert rule.text == "back to the pool on 11-30: last touch 11-23, rule 7 days for priority A"
    buttons = next(b for b in message.blocks if isinstance(b, Actions)).buttons
    assert [(b.action_id, b.value) for b in buttons] == [
        ("customer.followup", f"#{cid}"),
        ("customer.extend", f"#{cid}"),
        ("customer.release", f"#{cid}"),
    ]
    assert [twin(b) for b in buttons] == [f"/followup #{cid}", f"/extend #{cid}", f"/release #{cid}"]
    assert shown(services, last).summary == (
        "Last day: Acme goes back to the pool tomorrow (11-30) unless you record a follow-up today."
        " Your managers have been told too."
    )
    in_chinese = shown(services, last, "zh-CN").summary
    assert in_chinese == "最后一天：Acme 明天（11-30）将退回公海，请今天记录跟进。经理也已收到通知。"


def test_a_follow_up_re_arms_the_warnings_for_the_new_deadline(services: Services, clock: FakeClock) -> None:
    alice = member(services, "alice")
    cid = own(services, "alice", "Acme")  # back on 11-30
    run_days(services, clock, SHANGHAI, date(2026, 11, 23), date(2026, 11, 27))
    clock.set(local(SHANGHAI, date(2026, 11, 28), 10))
    follow_up(services, member=alice, customer_id=cid, note="sent the quote")  # back on 12-05 now
    run_days(services, clock, SHANGHAI, date(2026, 11, 28), date(2026, 12, 5))
    assert warned(services, SHANGHAI) == [
        (f"warn:{cid}:2026-11-30:early", date(2026, 11, 27)),
        (f"warn:{cid}:2026-12-05:early", date(2026, 12, 2)),
        (f"warn:{cid}:2026-12-05:last", date(2026, 12, 4)),
    ]


@pytest.mark.parametrize(
    ("claimed", "priority", "early", "last"),
    [
        # ny-main: A 3 days, B 5 days, warn_days 2; claimed late evening (already the next day in UTC)
        (datetime(2026, 10, 29, 23, 30, tzinfo=NEW_YORK), "A", date(2026, 10, 30), date(2026, 10, 31)),
        (datetime(2026, 10, 29, 23, 30, tzinfo=NEW_YORK), "B", date(2026, 11, 1), date(2026, 11, 2)),
        (datetime(2027, 3, 11, 23, 30, tzinfo=NEW_YORK), "B", date(2027, 3, 14), date(2027, 3, 15)),
    ],
)
def test_new_york_warnings_fall_on_new_york_days_across_daylight_saving(
    services: Services, clock: FakeClock, claimed: datetime, priority: str, early: date, last: date
) -> None:
    clock.set(claimed)
    cid = own(services, "nick", "Hudson Freight", priority=priority, pool="ny-main")
    run_days(services, clock, NEW_YORK, claimed.date(), last + timedelta(days=2))
    deadline = last + timedelta(days=1)
    assert warned(services, NEW_YORK) == [
        (f"warn:{cid}:{deadline}:early", early),
        (f"warn:{cid}:{deadline}:last", last),
    ]


def test_with_one_warn_day_only_the_last_day_warning_goes_out(services: Services, clock: FakeClock) -> None:
    alice = member(services, "alice")
    cid = own(services, "alice", "Slow Deal Ltd", pool="east-deal")  # 20 days without a deal: 12-13
    clock.set(local(SHANGHAI, date(2026, 12, 1), 10))
    follow_up(services, member=alice, customer_id=cid, note="touch")  # the deal rule still says 12-13
    run_days(services, clock, SHANGHAI, date(2026, 12, 1), date(2026, 12, 13))
    assert warned(services, SHANGHAI) == [(f"warn:{cid}:2026-12-13:last", date(2026, 12, 12))]
    row = notifications(services.db, kind="recycle_warning")[0]
    assert "owned since 11-23, rule 20 days without a deal" in text_of(shown(services, row))


def test_won_locked_and_already_due_customers_get_no_warning(services: Services, clock: FakeClock) -> None:
    alice, maria = member(services, "alice"), member(services, "maria")
    won, locked = own(services, "alice", "Won Co"), own(services, "alice", "Key Account")
    mark_won(services, member=alice, customer_id=won)
    set_locked(services, manager=maria, customer_id=locked, locked=True)
    run_days(services, clock, SHANGHAI, date(2026, 11, 23), date(2026, 12, 31))
    assert warned(services, SHANGHAI) == []

    overdue = own(services, "bob", "Overdue Co")  # claimed 12-31 23:59, due 01-07; nobody recycles it
    clock.set(local(SHANGHAI, date(2027, 1, 9), 9))
    assert warn(services).warnings == ()
    assert recycle(services).customers[0].customer_id == overdue


def test_dry_run_lists_the_warnings_and_changes_nothing(services: Services, clock: FakeClock) -> None:
    cid = own(services, "alice", "Acme")
    clock.set(local(SHANGHAI, date(2026, 11, 27), 9))
    before = snapshot(services.db)
    report = warn(services, dry_run=True)
    assert snapshot(services.db) == before
    assert [(w.customer.customer_id, w.stage, w.days_left, w.key) for w in report.warnings] == [
        (cid, "early", 3, f"warn:{cid}:2026-11-30:early"),
    ]
    assert warn(services).queued == 1
