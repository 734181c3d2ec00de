"""Automatic assignment and team reports -> neutral messages, in the team's language."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date

from bot.domain import insight
from bot.domain.assignment import AutoOutcome
from bot.domain.context import Services
from bot.domain.insight import Fairness, RepFigures, TeamReport
from bot.handlers import charts
from bot.i18n import t
from bot.messages import Context, Fields, Image, Message, Table, Text

SHOWN_LINES = 20  # assignment lines in the /assign auto reply; every reason is in the history
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


# ---- reports ------------------------------------------------------------------------------------------


def team_report_message(services: Services, *, team_id: int, period: str, last: date, locale: str) -> Message:
    """The team's report for ``period`` ending on local day ``last``, with its chart: the ``/report``
    reply and the weekly report notice are this one message."""
    report = insight.team_report(services, team_id=team_id, period=period, last=last)
    title = chart_title(locale, report)
    try:
        chart = charts.write_chart(services, report, title=title, labels=charts.chart_labels(locale))
    except OSError as exc:  # an unwritable or full POOLBOT_FILES_DIR: the table still goes out
        logging.getLogger("poolbot.report").warning("report chart not saved: %s", exc)
        message = report_message(locale, report, None)
        unsaved = Context(
            t(
                locale,
                "insight.chart_unsaved",
                folder=str(services.files_dir),
                reason=exc.strerror or str(exc),
            )
        )
        return Message((*message.blocks, unsaved), summary=message.summary)
    return report_message(locale, report, str(chart) if chart else None)


def report_message(locale: str, report: TeamReport, chart_path: str | None) -> Message:
    """The report as a table (one row per rep, then the team) and the chart image."""
    key = "insight.report_title_week" if report.period == "week" else "insight.report_title_month"
    title = t(locale, key, team=report.team_name, first=report.first, last=report.last)
    if not report.reps:
        return Message((Text(title, heading=True), Context(t(locale, "insight.report_none"))), summary=title)
    header = (t(locale, "insight.report_head"), *(t(locale, f"insight.col_{name}") for name in COLUMNS))
    rows = [(rep.name, *_row(rep)) for rep in charts.sorted_reps(report)]
    rows.append((t(locale, "insight.report_total"), *_row(report.totals)))
    blocks: list[Text | Table | Context | Image] = [
        Text(title, heading=True),
        Table(header, tuple(rows)),
        Text(fairness_text(locale, report.fairness)),
        Context(t(locale, "insight.fair_note")),
    ]
    if report.release_reasons:
        blocks.append(Text(release_reasons_text(locale, report.release_reasons)))
    if chart_path is not None:
        blocks.append(Image(chart_path, t(locale, "chart.report_caption")))
    return Message(tuple(blocks), summary=title)


def _row(rep: RepFigures) -> tuple[str, ...]:
    median = "—" if rep.median_days is None else f"{rep.median_days:g}"
    figures = (rep.held, rep.claimed, rep.assigned, rep.followed_up, rep.released, rep.recycled, rep.won)
    return (*(str(n) for n in figures), median)


def chart_title(locale: str, report: TeamReport) -> str:
    """The picture's title: team, days and, in short, how fairly claims and assignments went."""
    fairness = report.fairness
    if fairness.total == 0 or fairness.top is None:
        fair = t(locale, "chart.fair_none")
    else:
        fair = t(
            locale,
            f"chart.fair_{fairness.verdict}",
            cv=f"{fairness.cv:.2f}",
            top=fairness.top,
            share=round(fairness.top_share * 100),
        )
    team, first, last = report.team_name, report.first, report.last
    return t(locale, "chart.report_title", team=team, first=first, last=last, fair=fair)


def release_reasons_text(locale: str, counts: tuple[tuple[str, int], ...]) -> str:
    """``Releases by reason: Price too high 2 · No budget 1 · no reason given 1``."""
    parts = [f"{reason or t(locale, 'insight.release_no_reason')} {count}" for reason, count in counts]
    return t(locale, "insight.release_reasons", reasons=" · ".join(parts))


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
