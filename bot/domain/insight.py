"""The team report: per-rep figures for a period of local days and how fairly work was spread
(the chart of them is drawn by :mod:`bot.handlers.charts`).

A period is a run of whole local days in the team's time zone ending on ``last`` (the chat's
``/report`` ends it today, so today's activity so far is in; the scheduled weekly report ends it
yesterday, so a Monday report covers Monday to Sunday): ``week`` is 7 days, ``month`` 30. Every
figure but ``held`` counts what happened in the period; ``held`` is what each rep holds when the
report is made.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.domain.clock import day_bounds_utc
from bot.domain.context import Services
from bot.domain.errors import Forbidden
from bot.domain.snapshots import MemberView
from bot.storage import insight as sql
from bot.storage import teams

PERIOD_DAYS = {"week": 7, "month": 30}
EVEN, UNEVEN = 0.25, 0.5  # coefficient-of-variation bounds of "even" and "uneven"


@dataclass(frozen=True)
class RepFigures:
    member_id: int
    name: str
    held: int = 0
    claimed: int = 0  # immediate claims and approved requests
    assigned: int = 0
    followed_up: int = 0
    released: int = 0
    recycled: int = 0
    won: int = 0
    median_days: float | None = None  # from getting a customer to the first follow-up on it
    handle: str = ""  # ASCII (a config rule): what the chart shows when no font has the name's glyphs


@dataclass(frozen=True)
class Fairness:
    """How evenly claims + assignments were spread over the active reps."""

    reps: int
    total: int
    cv: float  # coefficient of variation: population standard deviation / mean
    top: str | None  # the rep with the most
    top_share: float

    @property
    def verdict(self) -> str:
        return "even" if self.cv < EVEN else "uneven" if self.cv < UNEVEN else "skewed"


@dataclass(frozen=True)
class TeamReport:
    team_name: str
    period: str
    first: date
    last: date
    reps: tuple[RepFigures, ...]
    totals: RepFigures
    fairness: Fairness
    # releases per configured reason, most first ("" for those given none); empty without any reason
    release_reasons: tuple[tuple[str, int], ...] = ()
    cap: int | None = None  # what one rep may hold in the team (its pools' caps added up)


def period_days(period: str, last: date) -> tuple[date, date]:
    return last - timedelta(days=PERIOD_DAYS[period] - 1), last


def readable_team(member: MemberView) -> int:
    """The team whose figures ``member`` may read: managers read their team's, reps none."""
    if not member.is_manager:
        raise Forbidden("error.managers_only", command="report")
    return member.team.id


def team_report(services: Services, *, team_id: int, period: str, last: date) -> TeamReport:
    first, last = period_days(period, last)
    with services.db.read() as session:
        team = teams.team(session, team_id)
        assert team is not None
        start, end = day_bounds_utc(first, team.timezone)[0], day_bounds_utc(last, team.timezone)[1]
        people = sql.reps(session, team_id)
        events = sql.pool_event_counts(session, team_id, start, end)
        follow_ups = sql.pool_follow_up_counts(session, team_id, start, end)
        held = sql.held_now(session, team_id)
        firsts = sql.first_follow_ups(session, team_id, start, end)
        reasons = sql.release_reason_counts(session, team_id, start, end)
        cap = sql.team_cap(session, team_id)
    delays: dict[int, list[float]] = {}
    for member_id, got, touched in firsts:
        delays.setdefault(member_id, []).append(_days(got, touched))
    rows = []
    for person in people:
        figures = RepFigures(
            person.id,
            person.name,
            held=held[person.id],
            # a registration (报备) is the rep's own find, like a claim; a handover's receiver was given it
            claimed=sum(events[(person.id, kind)] for kind in ("claimed", "approved", "registered")),
            assigned=events[(person.id, "assigned")] + events[(person.id, "handed_over")],
            followed_up=follow_ups[person.id],
            released=events[(person.id, "released")],
            recycled=events[(person.id, "recycled")],
            won=events[(person.id, "won")],
            median_days=_median(delays.get(person.id, [])),
            handle=person.handle,
        )
        if person.active or _any_activity(figures):
            rows.append(figures)
    active_ids = {p.id for p in people if p.active}
    active = [r for r in rows if r.member_id in active_ids]
    all_delays = [d for values in delays.values() for d in values]
    totals = _totals(rows, _median(all_delays))
    by_reason = sorted(reasons.items(), key=lambda item: (item[0] == "", -item[1], item[0]))
    shown = tuple(by_reason) if any(reasons.keys() - {""}) else ()
    return TeamReport(team.name, period, first, last, tuple(rows), totals, fairness(active), shown, cap)


def _any_activity(r: RepFigures) -> bool:
    return any((r.held, r.claimed, r.assigned, r.followed_up, r.released, r.recycled, r.won))


def _days(got: datetime, touched: datetime) -> float:
    return (touched - got).total_seconds() / 86_400


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _totals(rows: list[RepFigures], median_days: float | None) -> RepFigures:
    return RepFigures(
        0,
        "",
        held=sum(r.held for r in rows),
        claimed=sum(r.claimed for r in rows),
        assigned=sum(r.assigned for r in rows),
        followed_up=sum(r.followed_up for r in rows),
        released=sum(r.released for r in rows),
        recycled=sum(r.recycled for r in rows),
        won=sum(r.won for r in rows),
        median_days=median_days,
    )


def fairness(active: list[RepFigures]) -> Fairness:
    """Claims + assignments per active rep: their coefficient of variation and the top share."""
    loads = [r.claimed + r.assigned for r in active]
    total = sum(loads)
    if not active or total == 0:
        return Fairness(len(active), 0, 0.0, None, 0.0)
    mean = total / len(loads)
    cv = statistics.pstdev(loads) / mean
    top = max(active, key=lambda r: (r.claimed + r.assigned, r.name))
    return Fairness(len(active), total, round(cv, 2), top.name, (top.claimed + top.assigned) / total)
