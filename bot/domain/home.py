"""A manager's day at a glance (Slack's App Home, a manager's ``/mine``): the team's figures for
its local today. The requests waiting beside them are the inbox's (:mod:`bot.domain.inbox`); a
rep's home is :func:`bot.domain.lookup.mine`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.domain.clock import day_bounds_utc
from bot.domain.context import Services, today
from bot.domain.snapshots import TeamView
from bot.storage import insight as report
from bot.storage import requests


@dataclass(frozen=True)
class TeamToday:
    """The team's figures for its local today."""

    held: int
    claimed: int
    follow_ups: int
    released: int
    recycled: int
    won: int
    pending: int


def team_today(services: Services, *, team: TeamView) -> TeamToday:
    """The team's figures for its local today (App Home, and a manager's ``/mine``)."""
    start, end = day_bounds_utc(today(services, team), team.timezone)
    with services.db.read() as session:
        # the team report's own figures (bot.storage.insight), summed over the team's members
        events: Counter[str] = Counter()
        for (_, kind), count in report.pool_event_counts(session, team.id, start, end).items():
            events[kind] += count
        return TeamToday(
            held=sum(report.held_now(session, team.id).values()),
            claimed=events["claimed"] + events["approved"] + events["assigned"],
            follow_ups=sum(report.pool_follow_up_counts(session, team.id, start, end).values()),
            released=events["released"],
            recycled=events["recycled"],
            won=events["won"],
            pending=requests.pending_total(session, team.id),
        )
