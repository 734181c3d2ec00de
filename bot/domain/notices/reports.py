"""Notice kinds of the weekly report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.notice_kind import declare


@dataclass(frozen=True)
class WeeklyReport:
    """The team's report for the week ending ``last``, computed (with its chart) when delivered."""

    team_id: int
    last: date


def weekly_report_prefix(team_id: int, last: date) -> str:
    """What every key of the team's report for the week ending ``last`` starts with."""
    return f"weekly_report:{team_id}:{last.isoformat()}:"


def _weekly_key(team_id: int, last: date, manager_id: int | None = None, platform: str | None = None) -> str:
    """One per team channel (by platform), or per manager for a team without any channel."""
    to = f"channel:{platform}" if manager_id is None else str(manager_id)
    return weekly_report_prefix(team_id, last) + to


WEEKLY_REPORT = declare("weekly_report", WeeklyReport, _weekly_key)
