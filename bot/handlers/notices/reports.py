"""The scheduled weekly team report (a team-channel notification), computed with its chart when
it is delivered."""

from __future__ import annotations

from bot.domain.context import Services
from bot.domain.notices import WEEKLY_REPORT, WeeklyReport
from bot.handlers.insight_views import team_report_message
from bot.handlers.notices.registry import renders
from bot.messages import Message


@renders(WEEKLY_REPORT)
def weekly_report_notice(services: Services, week: WeeklyReport, locale: str) -> Message:
    return team_report_message(services, team_id=week.team_id, period="week", last=week.last, locale=locale)
