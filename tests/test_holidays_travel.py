"""Travelling through Spring Festival and National Day 2026 in Shanghai, on both databases: morning
reminders on working days only (the make-up Saturdays included), a working-days pool that keeps a
customer over the holiday and says why, warnings counted in working days, and the start-up and
``jobs status`` warning for a year without a published schedule."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from helpers import customer_row, local, member, notifications, own
from test_recycle import shown

from bot.config import PoolbotConfig
from bot.domain.clock import FakeClock, local_day
from bot.domain.context import Services
from bot.domain.followups import follow_up
from bot.domain.recycle_warnings import warn
from bot.domain.recycling import recycle
from bot.domain.reminders import morning_reminders
from bot.domain.setup import calendar_warnings
from bot.handlers.console.chat import ConsoleChat

SHANGHAI = ZoneInfo("Asia/Shanghai")
ROOMY = {"max_held_per_rep": 1000, "daily_claim_limit": 1000}
HOLIDAY_CONFIG = {
    "teams": [{"name": "east", "timezone": "Asia/Shanghai", "locale": "en", "holidays": "CN"}],
    "members": [
        {"handle": "maria", "name": "Maria", "team": "east", "role": "manager"},
        {"handle": "mike", "name": "Mike", "team": "east", "role": "manager"},
        {"handle": "alice", "name": "Alice", "team": "east", "role": "rep"},
        {"handle": "bob", "name": "Bob", "team": "east", "role": "rep"},
    ],
    "pools": [
        {
            "name": "east-main",
            "team": "east",
            **ROOMY,
            "recycle_days": {"A": 7, "B": 15, "C": 30},
            "recycle_days_count": "working",
            "warn_days": 3,
            "extend_days": 3,
            "extend_max": 1,
        },
        {"name": "east-calendar", "team": "east", **ROOMY, "recycle_days": {"A": 7, "B": 15, "C": 30}},
    ],
}


@pytest.fixture
def config() -> PoolbotConfig:
    return PoolbotConfig.model_validate(HOLIDAY_CONFIG)


def every_day(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def reminder_days(services: Services) -> list[date]:
    return sorted(
        local_day(n.created_at, "Asia/Shanghai") for n in notifications(services.db, kind="morning_reminder")
    )


def owned_with_follow_up_due(services: Services, clock: FakeClock, day: date) -> None:
    """Alice owns a customer whose planned follow-up is ``day``: from then on every working
    morning has something for her (a C customer of the calendar pool stays 30 days)."""
    clock.set(local(SHANGHAI, day, 8))
    cid = own(services, "alice", f"Due from {day}", pool="east-calendar")
    follow_up(services, member=member(services, "alice"), customer_id=cid, note="call back", next_date=day)


def test_reminders_go_out_on_the_make_up_saturdays_and_never_during_spring_festival(
    services: Services, clock: FakeClock
) -> None:
    owned_with_follow_up_due(services, clock, date(2026, 2, 12))
    for day in every_day(date(2026, 2, 12), date(2026, 3, 2)):
        clock.set(local(SHANGHAI, day, 9, 30))
        morning_reminders(services)
    assert reminder_days(services) == [
        date(2026, 2, 12),
        date(2026, 2, 13),
        date(2026, 2, 14),  # make-up Saturday
        *every_day(date(2026, 2, 24), date(2026, 2, 27)),
        date(2026, 2, 28),  # make-up Saturday
        date(2026, 3, 2),
    ]


def test_reminders_follow_national_day_and_its_make_up_sunday_and_saturday(
    services: Services, clock: FakeClock
) -> None:
    owned_with_follow_up_due(services, clock, date(2026, 9, 18))
    for day in every_day(date(2026, 9, 18), date(2026, 10, 11)):
        clock.set(local(SHANGHAI, day, 9, 30))
        morning_reminders(services)
    got = reminder_days(services)
    assert date(2026, 9, 20) in got and date(2026, 10, 10) in got  # make-up Sunday and Saturday
    assert not set(got) & set(every_day(date(2026, 10, 1), date(2026, 10, 7)))
    assert not set(got) & {date(2026, 9, 19), date(2026, 9, 25), date(2026, 9, 26), date(2026, 9, 27)}
    assert date(2026, 10, 8) in got


def test_a_working_days_pool_keeps_the_customer_over_spring_festival_and_says_why(
    services: Services, clock: FakeClock
) -> None:
    clock.set(local(SHANGHAI, date(2026, 2, 13), 10))
    working = own(services, "alice", "Acme", priority="A")
    calendar_days = own(services, "alice", "Beta", priority="A", pool="east-calendar")
    card = ConsoleChat(services, handle="alice").say(f"/customer #{working}")
    assert (
        "back to the pool on 03-02: 7 working days after last touch 02-13 (priority A)"
        " (Spring Festival 02-15–02-23 not counted)" in card
    )
    for day in every_day(date(2026, 2, 14), date(2026, 3, 2)):
        clock.set(local(SHANGHAI, day, 0, 5))
        recycle(services)
        if day == date(2026, 2, 20):
            assert customer_row(services.db, calendar_days).owner_id is None  # today's rule: 7 days
        if day == date(2026, 3, 1):
            assert customer_row(services.db, working).owner_id is not None
    assert customer_row(services.db, working).owner_id is None  # back on 03-02
    told = ConsoleChat(services, handle="alice").say("/mine")
    assert "You own no customers" in told
    assert "Acme (A): no follow-up since 02-13: 7 working days for priority A" in told


def test_warnings_count_working_days_and_the_last_one_goes_out_on_the_make_up_saturday(
    services: Services, clock: FakeClock
) -> None:
    clock.set(local(SHANGHAI, date(2026, 2, 13), 10))
    cid = own(services, "alice", "Acme", priority="A")  # back on 03-02
    for day in every_day(date(2026, 2, 13), date(2026, 3, 1)):
        clock.set(local(SHANGHAI, day, 9, 30))
        warn(services)
    rows = notifications(services.db, kind="recycle_warning")
    assert [(r.key, local_day(r.created_at, "Asia/Shanghai")) for r in rows] == [
        (f"warn:{cid}:2026-03-02:early", date(2026, 2, 26)),  # 3 working days: 02-26, 02-27, 02-28
        (f"warn:{cid}:2026-03-02:last", date(2026, 2, 28)),  # the last working day before it
    ]
    last = shown(services, rows[1])
    assert last.summary.endswith("Your managers have been told too.")


def test_the_year_without_a_published_schedule_is_warned_about_at_start_and_in_jobs_status(
    services: Services, clock: FakeClock
) -> None:
    clock.set(local(SHANGHAI, date(2026, 12, 2), 9))
    warnings = calendar_warnings(services.db, clock.now())
    assert warnings == [
        "team 'east': holidays = 'CN': no published schedule after 2026; from 2027-01-01 working days"
        " are working_days plus extra_holidays/extra_workdays only (update chinesecalendar, or list the days)"
    ]
    clock.set(local(SHANGHAI, date(2026, 6, 1), 9))
    assert calendar_warnings(services.db, clock.now()) == []
    # and 2027 falls back to Monday to Friday: a reminder on Monday 2027-02-08, none that weekend
    owned_with_follow_up_due(services, clock, date(2027, 2, 5))
    for day in every_day(date(2027, 2, 5), date(2027, 2, 8)):
        clock.set(local(SHANGHAI, day, 9, 30))
        morning_reminders(services)
    assert reminder_days(services) == [date(2027, 2, 5), date(2027, 2, 8)]
