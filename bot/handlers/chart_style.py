"""What every picture poolbot draws shares: the fonts (Chinese included, on any machine), a
palette colour-blind readers can tell apart, sizes readable in a chat's thumbnail, and writing the
PNG so that no reader sees half a file.

The CJK font is the one poolbot ships (:data:`CJK_FONT_FILE`, Noto Sans CJK SC, SIL OFL), added
to matplotlib's font list the first time a chart is drawn; fonts installed on the machine are
used after it. Text no font can draw falls back to English (and reps' names to their handles),
never to boxes.
"""

from __future__ import annotations

import os
import uuid
import warnings
from functools import cache
from pathlib import Path

from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font

# Noto Sans CJK SC Regular, cut to Latin, punctuation and the 20,992 CJK Unified Ideographs
# (fonts/LICENSE.txt says how, and its licence)
CJK_FONT_FILE = Path(__file__).with_name("fonts") / "NotoSansCJKsc-Regular-subset.otf"
# Okabe & Ito's palette (2008): distinguishable with every common colour-vision deficiency
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
GREY = "#BBBBBB"  # a cap, a background
DPI = 100
WIDTH = 10.0  # inches: 1000 pixels wide
TITLE_SIZE, LABEL_SIZE, VALUE_SIZE = 17, 14, 13  # points: still legible at a 360-pixel thumbnail
# CJK fonts used when installed, after the shipped one (their family names as matplotlib sees them)
INSTALLED_CJK = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
)
BASE_FONT = "DejaVu Sans"  # matplotlib's own: Latin, Greek, Cyrillic, no CJK


@cache
def shipped_cjk_font() -> str | None:
    """Register the shipped CJK font with matplotlib (once) and return its family name; None when
    the file is missing (a broken install), so charts fall back instead of failing."""
    if not CJK_FONT_FILE.is_file():
        return None
    font_manager.fontManager.addfont(str(CJK_FONT_FILE))
    return str(font_manager.FontProperties(fname=str(CJK_FONT_FILE)).get_name())


def cjk_fonts() -> tuple[str, ...]:
    """The CJK font families a chart may use, best first: the shipped one, then installed ones."""
    shipped = shipped_cjk_font()
    installed = {f.name for f in font_manager.fontManager.ttflist}
    found = [name for name in INSTALLED_CJK if name in installed and name != shipped]
    return (shipped, *found) if shipped else tuple(found)


def drawable(text: str) -> bool:
    """Whether the base font alone has a glyph for every character of ``text``."""
    glyphs = _base_glyphs()
    return all(c.isspace() or ord(c) in glyphs for c in text)


@cache
def _base_glyphs() -> frozenset[int]:
    return frozenset(FT2Font(font_manager.findfont(BASE_FONT)).get_charmap())


def save_png(figure: Figure, folder: Path, name: str) -> Path:
    """``figure`` as ``folder/name``, written to a temporary name and renamed."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    partial = folder / f".{name}.{uuid.uuid4().hex[:8]}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a glyph no font has (say, Thai) must not fail the picture
        figure.savefig(partial, format="png", dpi=DPI)
    os.replace(partial, path)
    return path


def tight(figure: Figure) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the layout measures the text: the same missing glyphs
        figure.tight_layout()


def safe_name(text: str) -> str:
    """``text`` as a piece of a file name."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:40] or "team"
