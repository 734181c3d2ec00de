"""The team report's chart: a grouped bar chart of the period's figures per rep, drawn with
matplotlib's object API (no pyplot, so threads may draw reports at once) and written as a PNG the
chat surfaces upload.

Names and labels are drawn in the team's language when a font for them is installed (Debian and
Ubuntu: fonts-noto-cjk), else in English with the reps' ASCII handles: never as boxes.
"""

from __future__ import annotations

import math
import os
import uuid
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.ticker import MaxNLocator

from bot.domain.context import Services
from bot.domain.insight import TeamReport
from bot.i18n import t

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


def chart_labels(locale: str) -> dict[str, str]:
    """The legend of each series, in ``locale``."""
    return {name: t(locale, f"insight.col_{name}") for name in CHART_SERIES}
