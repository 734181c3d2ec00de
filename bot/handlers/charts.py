"""The team report's picture: one small panel per figure (held against the cap, claimed +
assigned, follow-ups, recycled, won), a horizontal bar per rep in each, the reps sorted by what
they hold, every bar labelled with its number, and the team's fairness in the title. A figure
nobody has in the period is left out. Drawn with matplotlib's object API (no pyplot, so threads
may draw reports at once) in :mod:`bot.handlers.chart_style`'s fonts and palette.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bot.domain.context import Services
from bot.domain.insight import RepFigures, TeamReport
from bot.handlers import chart_style as style
from bot.i18n import t

# the panels, in order: (series, figures of a rep); "handled" stacks claimed and assigned
PANELS: tuple[tuple[str, Callable[[RepFigures], Sequence[int]]], ...] = (
    ("held", lambda r: (r.held,)),
    ("handled", lambda r: (r.claimed, r.assigned)),
    ("followed", lambda r: (r.followed_up,)),
    ("recycled", lambda r: (r.recycled,)),
    ("won", lambda r: (r.won,)),
)
CHART_SERIES = tuple(name for name, _ in PANELS)
PANEL_FIGURES = dict(PANELS)
ROW_INCHES, FRAME_INCHES = 0.55, 1.6  # the height per rep, and of title and margins


@dataclass(frozen=True)
class ChartText:
    """What the chart says and in which fonts: the team's language and the reps' names when a
    font can draw them, else the English title and labels and the reps' handles (never boxes)."""

    title: str
    names: tuple[str, ...]  # the reps, top to bottom
    labels: dict[str, str]  # series -> panel title (and "claimed"/"assigned"/"cap")
    fonts: tuple[str, ...]  # the font family list: the CJK fonts, then the base font


def sorted_reps(report: TeamReport) -> tuple[RepFigures, ...]:
    """Most held first; then most claimed + assigned; then by name."""
    return tuple(sorted(report.reps, key=lambda r: (-r.held, -(r.claimed + r.assigned), r.name)))


def shown_series(reps: Sequence[RepFigures]) -> tuple[str, ...]:
    """The panels someone has a figure in (held is always shown: it is what the cap is about)."""
    return tuple(name for name, of in PANELS if name == "held" or any(sum(of(r)) for r in reps))


def chart_text(
    report: TeamReport,
    *,
    title: str,
    labels: dict[str, str],
    cjk_fonts: Callable[[], Sequence[str]] = style.cjk_fonts,
) -> ChartText:
    """The chart's words. With a CJK font everything is kept; without one, a text the base font
    cannot draw falls back: a rep's name to its handle, the title and the labels to English."""
    fonts = tuple(cjk_fonts())
    reps = sorted_reps(report)
    if fonts:
        return ChartText(title, tuple(r.name for r in reps), labels, (*fonts, style.BASE_FONT))
    names = tuple(r.name if style.drawable(r.name) or not r.handle else r.handle for r in reps)
    if not style.drawable(title):
        title = t("en", "insight.chart_title", first=report.first, last=report.last)
    if not all(style.drawable(label) for label in labels.values()):
        labels = chart_labels("en")
    return ChartText(title, names, labels, (style.BASE_FONT,))


def write_chart(
    services: Services,
    report: TeamReport,
    *,
    title: str,
    labels: dict[str, str],
    cjk_fonts: Callable[[], Sequence[str]] = style.cjk_fonts,
) -> Path | None:
    """The chart as a PNG under ``services.files_dir / "reports"`` (None when there are no reps)."""
    if not report.reps:
        return None
    name = f"report-{style.safe_name(report.team_name)}-{report.period}-{report.first}-{report.last}.png"
    figure = draw_chart(report, title=title, labels=labels, cjk_fonts=cjk_fonts)
    return style.save_png(figure, services.files_dir / "reports", name)


def draw_chart(
    report: TeamReport,
    *,
    title: str,
    labels: dict[str, str],
    cjk_fonts: Callable[[], Sequence[str]] = style.cjk_fonts,
) -> Figure:
    """The chart as a Figure without pyplot: no global state, so threads may draw reports at once."""
    text = chart_text(report, title=title, labels=labels, cjk_fonts=cjk_fonts)
    reps = sorted_reps(report)
    series = shown_series(reps)
    height = FRAME_INCHES + ROW_INCHES * max(len(reps), 2)
    figure = Figure(figsize=(style.WIDTH, height), dpi=style.DPI)
    panels = figure.subplots(1, len(series), sharey=True, squeeze=False)[0]
    for index, (axes, name) in enumerate(zip(panels, series, strict=True)):
        of = PANEL_FIGURES[name]
        _panel(axes, name, [of(r) for r in reps], text, cap=report.cap if name == "held" else None)
        axes.tick_params(axis="y", labelsize=style.LABEL_SIZE, length=0, labelleft=index == 0)
    panels[0].set_yticks(range(len(reps)), list(text.names), fontfamily=list(text.fonts))
    panels[0].invert_yaxis()  # the rep holding most on top
    figure.suptitle(text.title, fontsize=style.TITLE_SIZE, fontfamily=list(text.fonts))
    style.tight(figure)
    return figure


def _panel(axes: Axes, name: str, values: list[Sequence[int]], text: ChartText, *, cap: int | None) -> None:
    """One figure's bars (claimed and assigned stacked), each labelled with its number."""
    fonts = list(text.fonts)
    rows = range(len(values))
    top = max([sum(v) for v in values] + [cap or 0, 1])
    if cap is not None:  # the cap as a light bar behind each rep's holding
        axes.barh(rows, [cap] * len(values), color=style.GREY, alpha=0.35, height=0.7)
    left = [0] * len(values)
    parts = PANEL_COLOURS[name]
    shown = [part for part in range(len(parts)) if any(v[part] for v in values)]
    for part in shown:
        widths = [v[part] for v in values]
        axes.barh(rows, widths, left=left, color=parts[part], height=0.7, label=_part_label(name, part, text))
        left = [a + b for a, b in zip(left, widths, strict=True)]
    if name == "handled" and len(shown) > 1:  # which colour is which, when both are there
        axes.legend(loc="lower right", prop={"family": fonts, "size": style.VALUE_SIZE - 2}, frameon=False)
    for row, total in zip(rows, left, strict=True):
        said = f"{total}/{cap}" if cap is not None else str(total)
        axes.text(total + top * 0.03, row, said, va="center", fontsize=style.VALUE_SIZE)
    axes.set_xlim(0, top * 1.35)
    axes.set_title(_panel_title(name, text, cap), fontsize=style.LABEL_SIZE, fontfamily=fonts)
    axes.set_xticks([])
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)


# Okabe-Ito colours per panel (claimed orange, assigned sky blue in the stacked one)
PANEL_COLOURS = {
    "held": (style.OKABE_ITO[0],),
    "handled": (style.OKABE_ITO[1], style.OKABE_ITO[4]),
    "followed": (style.OKABE_ITO[2],),
    "recycled": (style.OKABE_ITO[5],),
    "won": (style.OKABE_ITO[3],),
}


def _part_label(name: str, part: int, text: ChartText) -> str:
    return (_word(text, "claimed"), _word(text, "assigned"))[part] if name == "handled" else name


def _word(text: ChartText, key: str) -> str:
    return text.labels.get(key, key)


def _panel_title(name: str, text: ChartText, cap: int | None) -> str:
    if name == "handled":
        return f"{_word(text, 'claimed')} + {_word(text, 'assigned')}"
    if name == "held" and cap is not None:
        return f"{_word(text, 'held')} / {_word(text, 'cap')}"
    return _word(text, name)


def chart_labels(locale: str) -> dict[str, str]:
    """The panel titles, in ``locale``."""
    names = ("held", "claimed", "assigned", "followed", "recycled", "won")
    return {**{name: t(locale, f"insight.col_{name}") for name in names}, "cap": t(locale, "chart.cap")}
