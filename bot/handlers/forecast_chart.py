"""The ``/forecast`` picture: a bar per coming working day of what goes back to the pool, stacked
by rep in colour-blind-safe colours, each bar topped with its count, the reps in the legend."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.domain.context import Services
from bot.domain.forecast import Forecast
from bot.handlers import chart_style as style

HEIGHT = 4.2  # inches: 1000 x 420 pixels


def write_forecast_chart(
    services: Services,
    forecast: Forecast,
    *,
    title: str,
    name: str,
    cjk_fonts: Callable[[], Sequence[str]] = style.cjk_fonts,
) -> Path | None:
    """The picture under ``services.files_dir / "forecasts"`` as ``name``; None with nothing due."""
    if not forecast.due:
        return None
    figure = draw_forecast(forecast, title=title, cjk_fonts=cjk_fonts)
    return style.save_png(figure, services.files_dir / "forecasts", name)


def draw_forecast(
    forecast: Forecast, *, title: str, cjk_fonts: Callable[[], Sequence[str]] = style.cjk_fonts
) -> Figure:
    fonts = [*cjk_fonts(), style.BASE_FONT]
    figure = Figure(figsize=(style.WIDTH, HEIGHT), dpi=style.DPI)
    axes = figure.subplots()
    xs = range(len(forecast.days))
    bottom = [0] * len(forecast.days)
    colours = style.OKABE_ITO
    for index, (owner_id, owner_name) in enumerate(forecast.owners):
        counts = [forecast.count(day, owner_id) for day in forecast.days]
        hatch = "//" if index >= len(colours) else None  # past eight reps the colours repeat, hatched
        axes.bar(
            xs, counts, bottom=bottom, color=colours[index % len(colours)], hatch=hatch, label=owner_name
        )
        bottom = [a + b for a, b in zip(bottom, counts, strict=True)]
    for x, total in zip(xs, bottom, strict=True):
        if total:
            axes.text(x, total, str(total), ha="center", va="bottom", fontsize=style.VALUE_SIZE)
    axes.set_xticks(xs, [f"{day:%m-%d}" for day in forecast.days], fontsize=style.VALUE_SIZE - 2)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(0, max([*bottom, 1]) * 1.2)
    axes.tick_params(axis="y", labelsize=style.VALUE_SIZE - 2)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.set_title(title, fontsize=style.TITLE_SIZE, fontfamily=fonts)
    axes.legend(prop={"family": fonts, "size": style.VALUE_SIZE}, frameon=False, loc="upper right")
    style.tight(figure)
    return figure
