"""A :class:`~bot.messages.Table` as lines of text whose columns line up on screen: widths are
display cells (rich's ``cell_len``: a Chinese character or a full-width form counts two, a
combining mark none), not characters, so ``陈静`` takes the room of ``Alice``'s first four letters."""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len

from bot.messages import Table

GAP = "  "


def aligned(table: Table, *, cell: Callable[[str], str] = str) -> list[str]:
    """The header and the rows, each cell made by ``cell`` (a surface's escaping) and then padded
    to its column's display width: the first column to the left, the others (figures) to the
    right. Trailing spaces are dropped."""
    grid = [[cell(" ".join(text.split())) for text in row] for row in (table.header, *table.rows)]
    columns = max((len(row) for row in grid), default=0)
    widths = [max((cell_len(row[i]) for row in grid if i < len(row)), default=0) for i in range(columns)]
    return [
        GAP.join(_pad(text, widths[i], left=i == 0) for i, text in enumerate(row)).rstrip() for row in grid
    ]


def _pad(text: str, width: int, *, left: bool) -> str:
    room = " " * (width - cell_len(text))
    return text + room if left else room + text
