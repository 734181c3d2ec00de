"""The working-day calendar itself (pure, no database): China's 2026 schedule with its make-up
Saturdays, the company's own days, deadlines counted in working days that say which holidays they
skip, the sweep's cut-off instants agreeing with that deadline on every day of the year, and a
year without a published schedule falling back to ``working_days`` with a warning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.config import PoolbotConfig, TeamConfig
from bot.domain.calendar import WorkCalendar, build
from bot.domain.recycling import cutoffs_for
from bot.domain.rules import PoolRules
from bot.handlers.views import describe_deadline
from bot.storage.models import Pool

ZONE = "Asia/Shanghai"
WEEKDAYS = "mon,tue,wed,thu,fri"


def china(locale: str = "en", **extra: tuple[str, ...]) -> WorkCalendar:
    return build(timezone=ZONE, locale=locale, working_days=WEEKDAYS, holidays="CN", **extra)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def rules(*, working: bool, a: int = 7, without: int | None = None, extend_days: int = 3) -> PoolRules:
    pool = Pool(
        id=1,
        name="east-work",
        team_id=1,
        recycle_days_a=a,
        recycle_days_without_deal=without,
        recycle_days_count="working" if working else "calendar",
        extend_days=extend_days,
    )
    return PoolRules.of(pool)


@dataclass(frozen=True)
class Held:
    """An owned customer as the deadline sees it."""

    last_touch_at: datetime | None
    owned_since: datetime | None
    priority: str = "A"
    owner_id: int | None = 1
    won_at: datetime | None = None
    locked: bool = False
    current_extension: date | None = None


def noon(day: date) -> datetime:
    """Local noon in Shanghai, as the aware instant the database holds."""
    return datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)


def test_spring_festival_2026_is_off_and_its_make_up_saturdays_are_working_days() -> None:
    calendar = china()
    assert calendar.is_working(date(2026, 2, 13))  # Friday
    assert calendar.is_working(date(2026, 2, 14))  # make-up Saturday (调休)
    assert not any(calendar.is_working(day) for day in days(date(2026, 2, 15), date(2026, 2, 23)))
    assert calendar.is_working(date(2026, 2, 24))
    assert calendar.is_working(date(2026, 2, 28))  # make-up Saturday
    assert not calendar.is_working(date(2026, 3, 1))  # an ordinary Sunday


def test_national_day_2026_is_off_and_its_make_up_days_are_working_days() -> None:
    calendar = china()
    assert calendar.is_working(date(2026, 9, 20))  # make-up Sunday
    assert not any(calendar.is_working(day) for day in days(date(2026, 10, 1), date(2026, 10, 7)))
    assert calendar.is_working(date(2026, 10, 8))
    assert calendar.is_working(date(2026, 10, 10))  # make-up Saturday


def test_the_company_adds_its_own_days_off_and_working_days() -> None:
    calendar = china(extra_holidays=("2026-03-06",), extra_workdays=("2026-03-07",))
    assert not calendar.is_working(date(2026, 3, 6))  # a Friday off for the whole company
    assert calendar.is_working(date(2026, 3, 7))  # a Saturday worked instead
    assert calendar.spans_between(date(2026, 3, 5), date(2026, 3, 9))[0].name == "company holiday"


def test_a_day_in_both_lists_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="2026-03-06 is in both extra_holidays and extra_workdays"):
        TeamConfig(name="east", extra_holidays=(date(2026, 3, 6),), extra_workdays=(date(2026, 3, 6),))
    with pytest.raises(ValueError, match="holidays"):
        PoolbotConfig.model_validate({"teams": [{"name": "east", "holidays": "US"}]})


def test_seven_working_days_after_02_13_are_03_02_and_the_deadline_says_spring_festival_is_not_counted() -> (
    None
):
    calendar = china()
    touched = Held(noon(date(2026, 2, 13)), noon(date(2026, 2, 10)))
    deadline = rules(working=True).deadline_of(touched, calendar)
    assert deadline is not None and deadline.day == date(2026, 3, 2)
    assert describe_deadline("en", deadline) == (
        "back to the pool on 03-02: 7 working days after last touch 02-13 (priority A)"
        " (Spring Festival 02-15–02-23 not counted)"
    )
    in_chinese = rules(working=True).deadline_of(touched, china("zh-CN"))
    assert in_chinese is not None
    assert describe_deadline("zh-CN", in_chinese) == (
        "03-02 退回公海：最近跟进 02-13 后 7 个工作日（A 类客户）（春节 02-15–02-23 不计）"
    )


def test_a_calendar_days_pool_keeps_todays_rule_through_the_holiday() -> None:
    touched = Held(noon(date(2026, 2, 13)), noon(date(2026, 2, 10)))
    deadline = rules(working=False).deadline_of(touched, china())
    assert deadline is not None and deadline.day == date(2026, 2, 20)
    assert describe_deadline("en", deadline) == (
        "back to the pool on 02-20: last touch 02-13, rule 7 days for priority A"
    )


def test_an_extension_moves_the_deadline_in_working_days_and_the_explanation_says_so() -> None:
    calendar, pool = china(), rules(working=True)
    touched = Held(noon(date(2026, 2, 13)), noon(date(2026, 2, 10)))
    first = pool.deadline_of(touched, calendar)
    assert first is not None
    until = pool.extended(first, calendar)
    assert until == date(2026, 3, 5)  # 03-03, 03-04, 03-05
    extended = pool.deadline_of(
        Held(touched.last_touch_at, touched.owned_since, current_extension=until), calendar
    )
    assert extended is not None and extended.day == until
    assert describe_deadline("en", extended).endswith("not counted); extended (it was 03-02)")
    earlier = Held(touched.last_touch_at, touched.owned_since, current_extension=date(2026, 2, 27))
    assert pool.deadline_of(earlier, calendar) == first  # an extension never brings it forward


@pytest.mark.parametrize("working", [True, False])
def test_the_sweeps_cutoffs_agree_with_the_deadline_on_every_day_of_2026(working: bool) -> None:
    """The recycle SQL compares last touches with these instants: a customer touched on D is due on
    ``day`` by the cut-off exactly when its deadline is on or before ``day``."""
    calendar, pool = china(), rules(working=working, a=7, without=20)
    for day in days(date(2026, 1, 10), date(2026, 12, 20)):
        cutoffs = cutoffs_for(pool, day, calendar)
        for back in range(0, 40, 3):
            touch = day - timedelta(days=back)
            held = Held(noon(touch), noon(touch))
            deadline = pool.deadline_of(held, calendar)
            assert deadline is not None
            by_sql = noon(touch) < cutoffs.touch["A"] or (
                cutoffs.owned is not None and noon(touch) < cutoffs.owned
            )
            assert by_sql == (deadline.day <= day), (day, touch, deadline)


def test_a_year_without_a_published_schedule_falls_back_to_working_days_and_warns() -> None:
    calendar = china()
    assert calendar.known_until == 2026
    assert calendar.guessing(date(2027, 2, 8))
    # 2027's Spring Festival has no announced schedule: Monday to Friday, nothing guessed
    assert [calendar.is_working(day) for day in days(date(2027, 2, 5), date(2027, 2, 8))] == [
        True,
        False,
        False,
        True,
    ]
    warning = calendar.warning(date(2026, 12, 2))
    assert warning is not None and "no published schedule after 2026" in warning
    assert calendar.warning(date(2026, 6, 1)) is None  # deadlines do not reach 2027 yet
    plain = build(timezone=ZONE, locale="en", working_days=WEEKDAYS)
    assert plain.warning(date(2026, 12, 2)) is None  # no holiday source, nothing to run out
