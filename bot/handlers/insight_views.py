"""Automatic assignment and team reports -> neutral messages, in the team's language."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from bot.domain import insight
from bot.domain.assignment import AutoOutcome
from bot.domain.context import Services
from bot.domain.insight import Fairness, RepFigures, TeamReport
from bot.i18n import t
from bot.messages import Actions, Button, Context, Fields, Image, Message, Text

SHOWN_LINES = 20  # assignment lines in the /assign auto reply; every reason is in the history
AUTO_ASSIGNED_KIND = "auto_assigned"
WEEKLY_REPORT_KIND = insight.WEEKLY_KIND
COLUMNS = ("held", "claimed", "assigned", "followed", "released", "recycled", "won", "median")


def auto_assigned(locale: str, outcome: AutoOutcome) -> Message:
    """How a run spread the customers (per member), why (the first lines), what stayed and why."""
    total = len(outcome.assigned) + len(outcome.left)
    if total == 0:
        return Message.text(t(locale, "insight.auto_none"))
    title = t(locale, "insight.auto_title", assigned=len(outcome.assigned), total=total)
    blocks: list[Text | Fields | Context] = [Text(title, heading=True)]
    if outcome.assigned:
        blocks.append(Fields(tuple((name, str(count)) for name, count in outcome.per_member())))
        lines = [
            t(
                locale,
                "insight.auto_line",
                id=a.customer_id,
                customer=a.customer_name,
                member=a.member_name,
                reason=a.reason,
            )
            for a in outcome.assigned[:SHOWN_LINES]
        ]
        blocks.append(Text("\n".join(lines)))
        if len(outcome.assigned) > SHOWN_LINES:
            blocks.append(Context(t(locale, "insight.auto_more", count=len(outcome.assigned) - SHOWN_LINES)))
    reasons = Counter(item.reason for item in outcome.left)
    for reason, count in sorted(reasons.items()):
        blocks.append(
            Context(t(locale, "insight.auto_left", count=count, reason=t(locale, f"insight.left_{reason}")))
        )
    return Message(tuple(blocks), summary=title)


def render_auto_assigned(services: Services, params: dict[str, Any], locale: str) -> Message:
    """An assignee's notice of one run: its new customers, each with the reason."""
    customers = list(params["customers"])
    count = int(params["count"])
    if count == 1:
        only = customers[0]
        text = t(
            locale,
            "insight.notify_assigned_one",
            by=params["by"],
            customer=only["name"],
            reason=only["reason"],
        )
        open_button = Button(t(locale, "button.open"), "customer.show", f"#{only['id']}")
        return Message((Text(text), Actions((open_button,))), summary=text)
    title = t(locale, "insight.notify_assigned", by=params["by"], count=count)
    lines = [t(locale, "insight.notify_line", customer=c["name"], reason=c["reason"]) for c in customers]
    blocks: list[Text | Context] = [Text(title, heading=True), Text("\n".join(lines))]
    if count > len(customers):
        blocks.append(Context(t(locale, "insight.notify_more", count=count - len(customers))))
    return Message(tuple(blocks), summary=title)


# ---- reports ------------------------------------------------------------------------------------------


def report_message(locale: str, report: TeamReport, chart_path: str | None) -> Message:
    """The report as a table (one row per rep, then the team) and the chart image."""
    key = "insight.report_title_week" if report.period == "week" else "insight.report_title_month"
    title = t(locale, key, team=report.team_name, first=report.first, last=report.last)
    if not report.reps:
        return Message((Text(title, heading=True), Context(t(locale, "insight.report_none"))), summary=title)
    header = " · ".join(t(locale, f"insight.col_{name}") for name in COLUMNS)
    pairs = [(t(locale, "insight.report_head"), header)]
    pairs += [(rep.name, _row(rep)) for rep in report.reps]
    pairs.append((t(locale, "insight.report_total"), _row(report.totals)))
    blocks: list[Text | Fields | Context | Image] = [
        Text(title, heading=True),
        Fields(tuple(pairs)),
        Text(fairness_text(locale, report.fairness)),
        Context(t(locale, "insight.fair_note")),
    ]
    if chart_path is not None:
        blocks.append(Image(chart_path, t(locale, "insight.chart_caption")))
    return Message(tuple(blocks), summary=title)


def _row(rep: RepFigures) -> str:
    median = "—" if rep.median_days is None else f"{rep.median_days:g}"
    figures = (rep.held, rep.claimed, rep.assigned, rep.followed_up, rep.released, rep.recycled, rep.won)
    return " · ".join([*(str(n) for n in figures), median])


def fairness_text(locale: str, fairness: Fairness) -> str:
    if fairness.total == 0 or fairness.top is None:
        return t(locale, "insight.fair_none")
    key = {"even": "insight.fair_even", "uneven": "insight.fair_uneven"}.get(
        fairness.verdict, "insight.fair_skewed"
    )
    return t(
        locale,
        key,
        reps=fairness.reps,
        cv=f"{fairness.cv:.2f}",
        top=fairness.top,
        share=round(fairness.top_share * 100),
    )


def render_weekly_report(services: Services, params: dict[str, Any], locale: str) -> Message:
    """The scheduled weekly report (a team-channel notification), computed at delivery."""
    team_id = int(params["team_id"])
    last = date.fromisoformat(str(params["last"]))
    report = insight.team_report(services, team_id=team_id, period="week", last=last)
    chart = insight.write_chart(
        services,
        report,
        title=t(locale, "insight.chart_title", first=report.first, last=report.last),
        labels=chart_labels(locale),
    )
    return report_message(locale, report, str(chart) if chart else None)


def chart_labels(locale: str) -> dict[str, str]:
    return {name: t(locale, f"insight.col_{name}") for name in insight.CHART_SERIES}
