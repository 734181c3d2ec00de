"""``/forecast`` -> one neutral message: the title, the picture, a short table (per rep: the next
three working days and the whole span) and the customers of the next three working days, each
with its buttons."""

from __future__ import annotations

import logging

from bot.domain.context import Services
from bot.domain.forecast import SOON, Forecast
from bot.handlers import chart_style
from bot.handlers.forecast_chart import write_forecast_chart
from bot.i18n import t
from bot.messages import Actions, Block, Button, Context, Image, Message, Table, Text

SHOWN = 15  # customers listed with buttons (two blocks each: Slack allows 50 blocks)
EXTEND_ACTION = "customer.extend"  # value: #<customer id>; its typed twin is /extend


def forecast_message(services: Services, locale: str, forecast: Forecast, *, viewer: str) -> Message:
    """``viewer``: whose forecast (a handle; names the picture's file)."""
    days, total = len(forecast.days), len(forecast.due)
    if not forecast.due:
        key = "forecast.none_mine" if forecast.mine else "forecast.none_team"
        return Message.text(t(locale, key, team=forecast.team_name, days=days))
    key = "forecast.title_mine" if forecast.mine else "forecast.title_team"
    title = t(locale, key, days=days, total=total, team=forecast.team_name)
    blocks: list[Block] = [Text(title, heading=True)]
    chart = _chart(services, locale, forecast, viewer)
    if chart is not None:
        blocks.append(Image(chart, t(locale, "forecast.chart_caption")))
    blocks.append(table(locale, forecast))
    blocks.extend(_soon(locale, forecast))
    return Message(tuple(blocks), summary=title)


def _chart(services: Services, locale: str, forecast: Forecast, viewer: str) -> str | None:
    title = t(locale, "forecast.chart_title", days=len(forecast.days), total=len(forecast.due))
    team = chart_style.safe_name(forecast.team_name)
    name = f"forecast-{team}-{chart_style.safe_name(viewer)}-{forecast.days[0]}-{len(forecast.days)}.png"
    try:
        path = write_forecast_chart(services, forecast, title=title, name=name)
    except OSError as exc:  # an unwritable files folder: the table and the list still go out
        logging.getLogger("poolbot.forecast").warning("forecast chart not saved: %s", exc)
        return None
    return str(path) if path else None


def table(locale: str, forecast: Forecast) -> Table:
    """Per rep: each of the next three working days, then the whole span; a total row."""
    first = forecast.days[:SOON]
    header = (
        t(locale, "forecast.head_rep"),
        *(f"{day:%m-%d}" for day in first),
        t(locale, "forecast.head_total", days=len(forecast.days)),
    )
    rows = [
        (name, *(str(forecast.count(day, owner)) for day in first), str(_total(forecast, owner)))
        for owner, name in forecast.owners
    ]
    if len(forecast.owners) > 1:
        rows.append(
            (
                t(locale, "forecast.total"),
                *(str(forecast.count(day)) for day in first),
                str(len(forecast.due)),
            )
        )
    return Table(header, tuple(rows))


def _total(forecast: Forecast, owner_id: int) -> int:
    return sum(1 for d in forecast.due if d.owner_id == owner_id)


def _soon(locale: str, forecast: Forecast) -> list[Block]:
    soon = forecast.soon()
    if not soon:
        return []
    blocks: list[Block] = [Text(t(locale, "forecast.soon"))]
    for item in soon[:SHOWN]:
        line = t(
            locale,
            "forecast.line",
            id=item.customer_id,
            customer=item.customer_name,
            priority=item.priority,
            owner=item.owner_name,
            day=item.day,
        )
        buttons = (
            Button(t(locale, "button.followup"), "customer.followup", f"#{item.customer_id}", "primary"),
            Button(t(locale, "button.extend"), EXTEND_ACTION, f"#{item.customer_id}"),
        )
        blocks += [Text(line), Actions(buttons)]
    if len(soon) > SHOWN:
        blocks.append(Context(t(locale, "forecast.more", count=len(soon) - SHOWN)))
    return blocks
