"""A manager's team figures for the week or the month, with a chart."""

from __future__ import annotations

from bot.domain import forecast, insight
from bot.domain.context import today
from bot.handlers import forecast_views, insight_views
from bot.handlers.ctx import Ctx
from bot.handlers.registry import MANAGERS, CommandGroup
from bot.messages import Reply
from bot.names import as_id

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


@group.command("forecast", aliases=("回收预测",), slash=False)
def do_forecast(ctx: Ctx) -> Reply:
    """``/forecast [days]``: what goes back to the pool on each of the next working days (the
    team's for managers, their own for reps), as a picture, a table and the next three days'
    customers with buttons."""
    words = ctx.parsed.words
    days = as_id(words[0]) if words else forecast.DEFAULT_DAYS
    if days is None or days > forecast.MAX_DAYS or len(words) > 1:
        return ctx.refuse("forecast.bad_days", max=forecast.MAX_DAYS)
    found = forecast.forecast(ctx.services, member=ctx.member, days=days)
    viewer = "team" if ctx.member.is_manager else ctx.member.handle
    message = forecast_views.forecast_message(ctx.services, ctx.locale, found, viewer=viewer)
    return Reply(message)
