"""The weekly team report: the most recent completed week (Monday to Sunday, local days) goes to
the team's channel on each platform that has one, or, for a team without any channel, to each
active manager (the console shows it there).

The job runs daily at the team's reminder time, and does something on the team's working days
only. Normally Monday's run sends it; a run on a later working day of the week (after a holiday
Monday, say) sends it when nothing of that week's report was queued yet, so a scheduler that
was down all Monday still delivers it on Tuesday. A week is never reported twice, and never more
than one week late: only the most recent completed week is looked at.

Only a reference is queued (team and last day); the figures and the chart are made when the
notification is delivered, by its renderer (``bot.handlers.notices.reports``). The key
``weekly_report:{team}:{last day}:…`` makes a second run for the same week a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session

from bot.domain.calendar import calendar_of
from bot.domain.clock import local_day
from bot.domain.context import Services
from bot.domain.notices import WEEKLY_REPORT, WeeklyReport, weekly_report_prefix
from bot.storage import insight, members, teams
from bot.storage import outbox as ob

REPORT_WEEKDAY = 0  # Monday: weeks run Monday to Sunday


@dataclass(frozen=True)
class WeeklyReportRun:
    at: datetime
    dry_run: bool
    weeks: dict[str, str] = field(default_factory=dict)  # team name -> last day reported
    queued: int = 0

    def summary(self) -> dict[str, object]:
        return {
            "at": self.at.isoformat(),
            "dry_run": self.dry_run,
            "teams": self.weeks,
            "queued": self.queued,
        }


def weekly_report(
    services: Services, *, at: datetime | None = None, dry_run: bool = False, team_id: int | None = None
) -> WeeklyReportRun:
    """Queue the most recent completed week's report for every team (or ``team_id``) that has not
    had it queued yet. ``weeks`` names the teams that got one (dry run: would get one)."""
    at = at or services.clock.now()
    now = services.clock.now()
    weeks: dict[str, str] = {}
    queued = 0
    with services.db.write() as session:
        for team in teams.all_teams(session):
            if team.id is None or (team_id is not None and team.id != team_id):
                continue
            today = local_day(at, team.timezone)
            if not calendar_of(team).is_working(today):
                continue  # the first working day of the week sends it
            last = last_completed_week(today)
            prefix = weekly_report_prefix(team.id, last)
            if today.weekday() != REPORT_WEEKDAY and insight.any_queued(session, prefix):
                continue  # sent already (a manager or channel added since waits for next week)
            new = _queue(session, team.id, last, now, dry_run=dry_run)
            if new:
                weeks[team.name] = last.isoformat()
                queued += 0 if dry_run else new
    return WeeklyReportRun(at, dry_run, weeks, queued)


def last_completed_week(today: date) -> date:
    """The Sunday that ends the most recent week (Monday to Sunday) completed before ``today``."""
    return today - timedelta(days=(today.weekday() - REPORT_WEEKDAY) % 7 + 1)


def _queue(session: Session, team_id: int, last: date, now: datetime, *, dry_run: bool) -> int:
    """Queue the report for the team's channels (or its managers); how many were new (dry run:
    how many would be, queueing nothing)."""
    report, week = WEEKLY_REPORT, WeeklyReport(team_id, last)
    channels = teams.team_channels(session, team_id)
    rows = [
        report.outgoing(
            week, key=report.key(team_id, last, platform=p), team_id=team_id, recipient_id=None, platform=p
        )
        for p in channels
    ]
    if not channels:
        rows = [
            report.outgoing(
                week, key=report.key(team_id, last, manager), team_id=team_id, recipient_id=manager
            )
            for manager in members.manager_ids(session, team_id)
        ]
    known = ob.existing_keys(session, [row.key for row in rows])
    new = [row for row in rows if row.key not in known]
    if not dry_run:
        ob.enqueue_many(session, new, now=now)
    return len(new)
