"""The team report: per-rep figures for a period of local days, how fairly work was spread, and
the chart.

A period is a run of whole local days in the team's time zone ending on ``last`` (the chat's
``/report`` ends it today, so today's activity so far is in; the scheduled weekly report ends it
yesterday, so a Monday report covers Monday to Sunday): ``week`` is 7 days, ``month`` 30. Every
figure but ``held`` counts what happened in the period; ``held`` is what each rep holds when the
report is made.
"""

from __future__ import annotations

import math
import os
import statistics
import uuid
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.ticker import MaxNLocator

from bot.domain.clock import day_bounds_utc
from bot.domain.context import Services
from bot.i18n import t
from bot.storage import insight as sql
from bot.storage import teams

PERIOD_DAYS = {"week": 7, "month": 30}
WEEKLY_KIND = "weekly_report"
CHART_SERIES = ("claimed", "assigned", "followed", "released", "recycled", "won")
CHART_SIZE = (10.0, 5.0)  # inches
CHART_DPI = 100  # so the PNG is 1000 x 500 pixels
# CJK fonts the chart uses when installed, best first (their family names as matplotlib sees them)
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",  # the first face of fonts-noto-cjk's collection: it has the same Han glyphs
    "Noto Sans CJK TC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Droid Sans Fallback",
)
BASE_FONT = "DejaVu Sans"  # matplotlib's own: Latin, Greek, Cyrillic, no CJK
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


def period_days(period: str, last: date) -> tuple[date, date]:
    return last - timedelta(days=PERIOD_DAYS[period] - 1), last


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
    delays: dict[int, list[float]] = {}
    for member_id, got, touched in firsts:
        delays.setdefault(member_id, []).append(_days(got, touched))
    rows = []
    for person in people:
        figures = RepFigures(
            person.id,
            person.name,
            held=held[person.id],
            claimed=events[(person.id, "claimed")] + events[(person.id, "approved")],
            assigned=events[(person.id, "assigned")],
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
    return TeamReport(team.name, period, first, last, tuple(rows), totals, fairness(active))


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


# ---- the chart ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartText:
    """What the chart says and in which fonts: the team's language and the reps' names when a
    font can draw them, else the English title and labels and the reps' handles (never boxes)."""

    title: str
    names: tuple[str, ...]  # the x-axis, one per rep
    labels: tuple[str, ...]  # the legend, one per series of CHART_SERIES
    fonts: tuple[str, ...]  # the font family list: the installed CJK fonts, then the base font


def installed_cjk_fonts() -> tuple[str, ...]:
    """The known CJK fonts matplotlib finds on this machine (Debian/Ubuntu: fonts-noto-cjk)."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return tuple(name for name in CJK_FONTS if name in installed)


def chart_text(
    report: TeamReport,
    *,
    title: str,
    labels: dict[str, str],
    cjk_fonts: Callable[[], Sequence[str]] = installed_cjk_fonts,
) -> ChartText:
    """The chart's words. With a CJK font installed everything is kept; without one, a text the
    base font cannot draw falls back: a rep's name to its handle, the title and the legend to
    English."""
    fonts = tuple(cjk_fonts())
    wanted = [labels.get(series, series) for series in CHART_SERIES]
    if fonts:
        return ChartText(title, tuple(r.name for r in report.reps), tuple(wanted), (*fonts, BASE_FONT))
    names = tuple(r.name if _drawable(r.name) or not r.handle else r.handle for r in report.reps)
    if not _drawable(title):
        title = t("en", "insight.chart_title", first=report.first, last=report.last)
    if not all(_drawable(label) for label in wanted):
        wanted = [t("en", f"insight.col_{series}") for series in CHART_SERIES]
    return ChartText(title, names, tuple(wanted), (BASE_FONT,))


def _drawable(text: str) -> bool:
    """Whether the base font has a glyph for every character of ``text``."""
    glyphs = _base_glyphs()
    return all(c.isspace() or ord(c) in glyphs for c in text)


@cache
def _base_glyphs() -> frozenset[int]:
    return frozenset(FT2Font(font_manager.findfont(BASE_FONT)).get_charmap())


def write_chart(
    services: Services,
    report: TeamReport,
    *,
    title: str,
    labels: dict[str, str],
    cjk_fonts: Callable[[], Sequence[str]] = installed_cjk_fonts,
) -> Path | None:
    """A grouped bar chart of the period's figures per rep, as a PNG under ``services.files_dir``
    (None when there are no reps). Written to a temporary name and renamed, so a reader never sees
    half a file. ``cjk_fonts``: which CJK fonts may be used (default: those installed)."""
    if not report.reps:
        return None
    folder = services.files_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"report-{_safe(report.team_name)}-{report.period}-{report.first}-{report.last}.png"
    path = folder / name
    partial = folder / f".{name}.{uuid.uuid4().hex[:8]}"
    figure = draw_chart(report, title=title, labels=labels, cjk_fonts=cjk_fonts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a glyph no font has (say, Thai) must not fail the report
        figure.savefig(partial, format="png", dpi=CHART_DPI)
    os.replace(partial, path)
    return path


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:40] or "team"


def draw_chart(
    report: TeamReport,
    *,
    title: str,
    labels: dict[str, str],
    cjk_fonts: Callable[[], Sequence[str]] = installed_cjk_fonts,
) -> Figure:
    """The chart as a Figure without pyplot: no global state, so threads may draw reports at once."""
    text = chart_text(report, title=title, labels=labels, cjk_fonts=cjk_fonts)
    values = {
        "claimed": [r.claimed for r in report.reps],
        "assigned": [r.assigned for r in report.reps],
        "followed": [r.followed_up for r in report.reps],
        "released": [r.released for r in report.reps],
        "recycled": [r.recycled for r in report.reps],
        "won": [r.won for r in report.reps],
    }
    fonts = list(text.fonts)
    figure = Figure(figsize=CHART_SIZE, dpi=CHART_DPI)
    axes = figure.subplots()
    width = 0.8 / len(CHART_SERIES)
    for index, (series, label) in enumerate(zip(CHART_SERIES, text.labels, strict=True)):
        xs = [i + (index - (len(CHART_SERIES) - 1) / 2) * width for i in range(len(report.reps))]
        axes.bar(xs, values[series], width, label=label)
    axes.set_xticks(range(len(report.reps)), list(text.names), fontfamily=fonts)
    axes.set_title(text.title, fontfamily=fonts)
    axes.legend(prop={"family": fonts}, ncols=math.ceil(len(CHART_SERIES) / 2), fontsize="small")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the layout measures the text: the same missing glyphs
        figure.tight_layout()
    return figure
