"""``/forecast``: what will go back to the pool on each of the team's next working days.

A manager sees the team's book, a rep their own. Each owned customer (not won, not locked) goes
back on its recycle deadline; a deadline on a day off counts on the next working day (the sweep
that takes it runs on working days' mornings), and one already past counts today.

Deadlines are the pool rules' own (:meth:`bot.domain.rules.PoolRules.deadline_of`, the one every
view and the sweep use) and working days the team's calendar (statutory holidays and make-up
days included, :mod:`bot.domain.calendar`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.calendar import WorkCalendar, calendar_of
from bot.domain.context import Services, today
from bot.domain.rules import PoolRules
from bot.domain.snapshots import MemberView
from bot.storage import forecast as sql
from bot.storage import teams
from bot.storage.models import Customer, Pool

DEFAULT_DAYS = 14
MAX_DAYS = 60
SOON = 3  # the working days whose customers are listed one by one, with buttons


@dataclass(frozen=True)
class Due:
    customer_id: int
    customer_name: str
    priority: str
    owner_id: int
    owner_name: str
    deadline: date  # the rules' day
    day: date  # the working day it counts on


@dataclass(frozen=True)
class Forecast:
    team_name: str
    mine: bool  # a rep's own book, not the team's
    days: tuple[date, ...]  # the working days ahead, today first when it is one
    due: tuple[Due, ...]  # soonest first

    @property
    def owners(self) -> tuple[tuple[int, str], ...]:
        """(id, name) of everyone with something due, most due first."""
        counts: dict[tuple[int, str], int] = {}
        for item in self.due:
            key = (item.owner_id, item.owner_name)
            counts[key] = counts.get(key, 0) + 1
        return tuple(sorted(counts, key=lambda key: (-counts[key], key[1])))

    def count(self, day: date, owner_id: int | None = None) -> int:
        return sum(1 for d in self.due if d.day == day and owner_id in (None, d.owner_id))

    def soon(self) -> tuple[Due, ...]:
        """The customers of the first :data:`SOON` working days."""
        first = set(self.days[:SOON])
        return tuple(d for d in self.due if d.day in first)


# ---- the team's calendar ------------------------------------------------------------------------------


def working_days(calendar: WorkCalendar, first: date, count: int) -> tuple[date, ...]:
    """The team's next ``count`` working days from ``first`` (included when it is one): its
    calendar's, holidays and make-up days included."""
    found: list[date] = []
    day = first
    for _ in range(MAX_DAYS * 4):  # a calendar without working days ends the search
        if len(found) == count:
            break
        if calendar.is_working(day):
            found.append(day)
        day += timedelta(days=1)
    return tuple(found)


# ---- the forecast ------------------------------------------------------------------------------------


def forecast(services: Services, *, member: MemberView, days: int = DEFAULT_DAYS) -> Forecast:
    """What goes back on each of the next ``days`` working days: the team's book for a manager,
    the member's own otherwise."""
    mine = not member.is_manager
    with services.db.read() as session:
        team = teams.team(session, member.team.id)
        assert team is not None
        calendar = calendar_of(team)
        ahead = working_days(calendar, today(services, team), days)
        rows = sql.recyclable(session, member.team.id, member.id if mine else None)
        due = [item for row in rows if (item := _due(row, calendar, ahead)) is not None]
    due.sort(key=lambda d: (d.day, d.deadline, d.customer_id))
    return Forecast(team.name, mine, ahead, tuple(due))


def _due(row: tuple[Customer, Pool, str], calendar: WorkCalendar, ahead: tuple[date, ...]) -> Due | None:
    customer, pool, owner_name = row
    deadline = PoolRules.of(pool).deadline_of(customer, calendar)
    if deadline is None or not ahead or customer.owner_id is None or customer.id is None:
        return None
    day = next((d for d in ahead if d >= deadline.day), None)
    if day is None:
        return None
    return Due(
        customer.id, customer.name, customer.priority, customer.owner_id, owner_name, deadline.day, day
    )
