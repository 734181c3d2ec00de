"""What a member's home page shows (Slack's App Home): for managers, the team's pending requests
and today's figures. A rep's part is :func:`bot.domain.lookup.mine`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.domain import lookup
from bot.domain.clock import day_bounds_utc
from bot.domain.context import Services, today
from bot.domain.snapshots import MemberView, RequestView, TeamView
from bot.storage import home as store
from bot.storage import insight as report

PENDING_SHOWN = 10


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


@dataclass(frozen=True)
class ManagerHome:
    requests: tuple[RequestView, ...]
    holdings: dict[int, int]  # requester id -> customers held
    figures: TeamToday


def manager_home(services: Services, *, manager: MemberView) -> ManagerHome:
    team = manager.team
    with services.db.read() as session:
        ids = store.pending_request_ids(session, team.id, PENDING_SHOWN)
    figures = team_today(services, team=team)
    requests = tuple(r for r in (lookup.request_view(services, request_id=i) for i in ids) if r is not None)
    holdings = {r.member_id: lookup.holdings(services, member_id=r.member_id) for r in requests}
    return ManagerHome(requests, holdings, figures)


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
            pending=store.pending_count(session, team.id),
        )
