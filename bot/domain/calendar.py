"""A team's working-day calendar: which local days are working days, and how deadlines count them.

One :class:`WorkCalendar` per team, built once (:func:`calendar_of`, cached by the team's settings)
and pure after that: a set of weekdays (``working_days``), the days off with their names, the
make-up working days (调休), and the last year whose statutory schedule is known.

``holidays = "CN"`` takes China's statutory holidays *and* make-up working days from the
``chinesecalendar`` package. That package was chosen over ``holidays`` because of what each does
with a year whose schedule the State Council has not announced yet: ``chinesecalendar`` refuses
(it raises for such a year, so the last year it really knows is a fact we can read), while
``holidays.China`` silently answers with the fixed-date holidays and no make-up days, which would
put reminders on a Saturday nobody works and none on one everybody does. Beyond that last year
poolbot does not guess: it falls back to ``working_days`` (plus the company's extra days) and says
so at start and in ``poolbot jobs status`` (:meth:`WorkCalendar.warning`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Protocol

import chinese_calendar  # type: ignore[import-untyped]

from bot.i18n import t

HOLIDAYS_CN = "CN"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# how far ahead deadlines reach when deciding whether the known schedule is about to run out
WARN_AHEAD = timedelta(days=90)
# no deadline needs more than this many days to find its working days (a calendar without any)
_SEARCH_LIMIT = 3 * 366 + 3650


@dataclass(frozen=True)
class HolidaySpan:
    """Consecutive days off with a name (a statutory holiday, or the company's), ``first`` to ``last``."""

    name: str
    first: date
    last: date


@dataclass(frozen=True)
class WorkCalendar:
    timezone: str
    weekdays: frozenset[int]  # date.weekday() of the usual working days
    days_off: Mapping[date, str] = field(default_factory=dict)  # day -> holiday name
    workdays: frozenset[date] = frozenset()  # make-up working days (and the company's)
    source: str | None = None  # HOLIDAYS_CN, or None: working_days and the extra days only
    known_until: int | None = None  # the last year of the source's published schedule

    def is_working(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.days_off:
            return False
        return day.weekday() in self.weekdays

    def next_working(self, day: date) -> date:
        """The first working day after ``day``."""
        return self.add_working(day, 1)

    def add_working(self, day: date, count: int) -> date:
        """The ``count``-th working day after ``day`` (``day`` itself for 0)."""
        found, current = 0, day
        for _ in range(_SEARCH_LIMIT):
            if found >= count:
                return current
            current += timedelta(days=1)
            found += self.is_working(current)
        return day + timedelta(days=count)  # no working days at all: count calendar days

    def nth_working_back(self, day: date, count: int) -> date:
        """The ``count``-th working day counting back from ``day`` (``day`` itself is the first
        when it is a working day): a customer touched before it has ``count`` working days by
        ``day``."""
        found, current = 0, day + timedelta(days=1)
        for _ in range(_SEARCH_LIMIT):
            if found >= count:
                return current
            current -= timedelta(days=1)
            found += self.is_working(current)
        return day - timedelta(days=count - 1)

    def after(self, day: date, count: int, *, working: bool) -> date:
        """``count`` days after ``day``: working days of this calendar, or calendar days."""
        return self.add_working(day, count) if working else day + timedelta(days=count)

    def first_counted(self, day: date, count: int, *, working: bool) -> date:
        """The earliest local day D such that a basis before D makes ``after(basis, count) <= day``."""
        if working:
            return self.nth_working_back(day, count)
        return day - timedelta(days=count - 1)

    def spans_between(self, start: date, end: date) -> tuple[HolidaySpan, ...]:
        """The named days off strictly between ``start`` and ``end``, merged into spans."""
        spans: list[HolidaySpan] = []
        current = start + timedelta(days=1)
        while current < end:
            name = self.days_off.get(current)
            if name is None or current in self.workdays:
                current += timedelta(days=1)
                continue
            first, names = current, [name]
            while (following := current + timedelta(days=1)) < end and following in self.days_off:
                current = following
                names += [] if self.days_off[current] in names else [self.days_off[current]]
            spans.append(HolidaySpan("/".join(names), first, current))
            current += timedelta(days=1)
        return tuple(spans)

    def guessing(self, day: date) -> bool:
        """True when ``day`` lies beyond the source's published schedule (it falls back)."""
        return self.source is not None and self.known_until is not None and day.year > self.known_until

    def warning(self, today: date) -> str | None:
        """What an admin must hear when deadlines may reach a year the source does not know."""
        if not self.guessing(today + WARN_AHEAD):
            return None
        return (
            f"holidays = {self.source!r}: no published schedule after {self.known_until}; from "
            f"{(self.known_until or 0) + 1}-01-01 working days are working_days plus "
            "extra_holidays/extra_workdays only (update chinesecalendar, or list the days)"
        )


class TeamDays(Protocol):
    """What a team row (or a team snapshot) holds of its calendar."""

    @property
    def timezone(self) -> str: ...
    @property
    def locale(self) -> str: ...
    @property
    def working_days(self) -> str: ...
    @property
    def holidays(self) -> str | None: ...
    @property
    def extra_holidays(self) -> list[str]: ...
    @property
    def extra_workdays(self) -> list[str]: ...


def calendar_of(team: TeamDays) -> WorkCalendar:
    """The team's calendar (built once per distinct set of settings)."""
    return build(
        timezone=team.timezone,
        locale=team.locale,
        working_days=team.working_days,
        holidays=team.holidays,
        extra_holidays=tuple(team.extra_holidays),
        extra_workdays=tuple(team.extra_workdays),
    )


@lru_cache(maxsize=256)
def build(
    *,
    timezone: str,
    locale: str,
    working_days: str,
    holidays: str | None = None,
    extra_holidays: tuple[str, ...] = (),
    extra_workdays: tuple[str, ...] = (),
) -> WorkCalendar:
    weekdays = frozenset(
        WEEKDAYS.index(name.strip().lower()[:3])
        for name in working_days.split(",")
        if name.strip().lower()[:3] in WEEKDAYS
    )
    days_off: dict[date, str] = {}
    workdays: set[date] = set()
    known_until = None
    if holidays == HOLIDAYS_CN:
        days_off, workdays, known_until = _china(locale)
    company = t(locale, "calendar.company_holiday")
    for day in _dates(extra_holidays):
        days_off[day] = company
        workdays.discard(day)
    for day in _dates(extra_workdays):
        workdays.add(day)
    return WorkCalendar(timezone, weekdays, days_off, frozenset(workdays), holidays, known_until)


def _dates(values: Iterable[str]) -> list[date]:
    return [date.fromisoformat(value) for value in values]


def _china(locale: str) -> tuple[dict[date, str], set[date], int]:
    """China's statutory days off (named in ``locale``), make-up working days, last known year."""
    names = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}
    zh = locale.lower().startswith("zh")
    days_off = {
        day: (names.get(name, name) if zh else name) for day, name in chinese_calendar.holidays.items()
    }
    return days_off, set(chinese_calendar.workdays), max(day.year for day in chinese_calendar.holidays)
