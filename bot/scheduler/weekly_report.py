"""The weekly team report: every Monday at the team's reminder time, last week's report (Monday
to Sunday, local days) goes to the team's channel on each platform that has one, or, for a team
without any channel, to each active manager (the console shows it there).

Only a reference is queued (team and last day); the figures and the chart are made when the
notification is delivered, by ``insight_views.render_weekly_report``. The key
``weekly_report:{team}:{last day}:…`` makes a second run the same week a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session

from bot.domain.clock import local_day
from bot.domain.context import Services
from bot.domain.insight import WEEKLY_KIND
from bot.storage import queries, reports

REPORT_WEEKDAY = 0  # Monday


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
    """Queue last week's report for every team (or ``team_id``) whose local day is a Monday."""
    at = at or services.clock.now()
    now = services.clock.now()
    weeks: dict[str, str] = {}
    queued = 0
    with services.db.write() as session:
        for team in queries.all_teams(session):
            if team.id is None or (team_id is not None and team.id != team_id):
                continue
            today = local_day(at, team.timezone)
            if today.weekday() != REPORT_WEEKDAY:
                continue
            last = today - timedelta(days=1)
            weeks[team.name] = last.isoformat()
            if not dry_run:
                queued += _queue(session, team.id, last, now)
    return WeeklyReportRun(at, dry_run, weeks, queued)


def _queue(session: Session, team_id: int, last: date, now: datetime) -> int:
    """Queue the report for the team's channels (or its managers); how many were new."""
    params = {"team_id": team_id, "last": last.isoformat()}
    prefix = f"{WEEKLY_KIND}:{team_id}:{last.isoformat()}"
    channels = queries.team_channels(session, team_id)
    targets: list[tuple[str, int | None, str | None]] = [
        (f"{prefix}:channel:{platform}", None, platform) for platform in channels
    ]
    if not channels:
        targets = [
            (f"{prefix}:{manager}", manager, None) for manager in queries.manager_ids(session, team_id)
        ]
    known = reports.existing_keys(session, [key for key, _, _ in targets])
    for key, recipient, platform in targets:
        queries.enqueue(
            session,
            key=key,
            team_id=team_id,
            recipient_id=recipient,
            kind=WEEKLY_KIND,
            params=params,
            now=now,
            platform=platform,
        )
    return len([key for key, _, _ in targets if key not in known])
