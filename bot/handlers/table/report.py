"""A manager's team figures for the week or the month, with a chart."""

from __future__ import annotations

from bot.domain import insight
from bot.domain.context import today
from bot.handlers import insight_views
from bot.handlers.ctx import Ctx
from bot.handlers.registry import MANAGERS, CommandGroup
from bot.messages import Reply

group = CommandGroup()
PERIOD_WORDS = {"周": "week", "本周": "week", "月": "month", "本月": "month"}


@group.command("report", aliases=("报表",), roles=MANAGERS)
def do_report(ctx: Ctx) -> Reply:
    """``/report [week|month]`` for managers: the table, the fairness line and the chart."""
    team_id = insight.readable_team(ctx.member)
    period = (ctx.parsed.words[0] if ctx.parsed.words else "week").lower()
    period = PERIOD_WORDS.get(period, period)
    if period not in insight.PERIOD_DAYS or len(ctx.parsed.words) > 1:
        return ctx.refuse("insight.report_bad_period")
    last = today(ctx.services, ctx.member.team)
    message = insight_views.team_report_message(
        ctx.services, team_id=team_id, period=period, last=last, locale=ctx.locale
    )
    return Reply(message)
