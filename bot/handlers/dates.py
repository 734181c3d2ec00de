"""Human dates for ``next:``: 2026-12-01, 12-01, 12月1日, 下周一, 周五, 明天, tomorrow, next monday.

dateparser reads most forms; the Chinese weekday and month-day forms it misses get a small rule
of our own first (dateparser 1.5 with ``languages=["zh", "en"]`` and ``RELATIVE_BASE`` parses
明天, 后天, 3天后, tomorrow, next monday, 12-01 and 2026-12-01, but returns None for 下周一 and
12月1日). Bare dates without a year mean the next such day.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import dateparser

_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_CN_WEEKDAY = re.compile(r"^(下下|下|这|本)?(?:周|星期|礼拜)([一二三四五六日天])$")
_CN_MONTH_DAY = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]?$")
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_MONTH_DAY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})$")
# a bare (signed) number names no day: dateparser would read "-1" as a month next year
_NUMBER = re.compile(r"^[-+]?\d+$")


class BadDate(ValueError):
    pass


def parse_date(text: str, today: date) -> date:
    """The calendar day ``text`` names, relative to the team's local ``today``: today or later,
    since it is when to follow up next."""
    text = text.strip().lower()
    if not text or _NUMBER.match(text):
        raise BadDate(text)
    day = _parsed(text, today)
    if day < today:
        raise BadDate(text)
    return day


def _parsed(text: str, today: date) -> date:
    try:
        found = _explicit(text, today)
    except ValueError as exc:  # 2026-02-30 and friends
        raise BadDate(text) from exc
    if found is not None:
        return found
    parsed = dateparser.parse(
        text,
        languages=["zh", "en"],
        settings={
            "RELATIVE_BASE": datetime(today.year, today.month, today.day, 12, 0),
            "PREFER_DATES_FROM": "future",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    if parsed is None:
        raise BadDate(text)
    return parsed.date()


def _explicit(text: str, today: date) -> date | None:
    if match := _ISO.match(text):
        return date(int(match[1]), int(match[2]), int(match[3]))
    if match := _CN_MONTH_DAY.match(text):
        year = int(match[1]) if match[1] else None
        return _month_day(int(match[2]), int(match[3]), today, year)
    if match := _MONTH_DAY.match(text):
        return _month_day(int(match[1]), int(match[2]), today, None)
    if match := _CN_WEEKDAY.match(text):
        return _weekday(match[1] or "", _WEEKDAYS[match[2]], today)
    return None


def _month_day(month: int, day: int, today: date, year: int | None) -> date:
    if year is not None:
        return date(year, month, day)
    candidate = date(today.year, month, day)
    return candidate if candidate >= today else date(today.year + 1, month, day)


def _weekday(prefix: str, weekday: int, today: date) -> date:
    monday = today - timedelta(days=today.weekday())
    weeks = {"下": 1, "下下": 2}.get(prefix, 0)
    candidate = monday + timedelta(weeks=weeks, days=weekday)
    if not prefix and candidate < today:
        candidate += timedelta(weeks=1)
    return candidate
