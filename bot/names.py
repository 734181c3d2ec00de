"""Normalised keys for customer names and phones: duplicates, exact lookups, pinyin search."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import chain

from pypinyin import Style
from pypinyin.constants import RE_HANS
from pypinyin.converter import DefaultConverter
from pypinyin.seg.simpleseg import seg

_LEGAL_SUFFIXES = (
    "有限责任公司",
    "股份有限公司",
    "有限公司",
    "集团",
    "公司",
    " co ltd",
    " co., ltd.",
    " inc",
    " inc.",
    " ltd",
    " ltd.",
    " llc",
    " gmbh",
    " corp",
    " corporation",
)
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_HAN = re.compile(r"[\u4e00-\u9fff]")


def name_key(name: str) -> str:
    """Lower-case, full-width folded, punctuation and spaces removed: 'ACME, Inc.' -> 'acmeinc'."""
    folded = unicodedata.normalize("NFKC", name).lower().strip()
    return _NOT_WORD.sub("", folded)


def duplicate_key(name: str) -> str:
    """Like :func:`name_key` but also ignores legal suffixes, for spotting the same company twice."""
    folded = unicodedata.normalize("NFKC", name).lower().strip()
    for suffix in _LEGAL_SUFFIXES:
        if folded.endswith(suffix) and len(folded) > len(suffix):
            folded = folded[: -len(suffix)]
            break
    return _NOT_WORD.sub("", folded)


def search_key(name: str) -> str:
    """Full pinyin and initials of a Chinese name ('hangzhouyunfan|hzyf'); empty for other names.

    The same as joining ``lazy_pinyin(name)`` and ``lazy_pinyin(name, style=FIRST_LETTER)``, but
    built from pypinyin's own steps (its segmentation, then its converter word by word) with each
    Chinese word's reading cached: company names repeat their words (城市, 科技, 有限公司), and an
    import converts a million of them. pypinyin's phrase dictionary still decides every reading
    (重庆 is chongqing, not zhongqing).
    """
    if not _HAN.search(name):
        return ""
    full: list[str] = []
    short: list[str] = []
    for word in seg(name):
        if RE_HANS.match(word):
            syllables, initials = _han_word(word)
        else:
            syllables = initials = word  # no pinyin: pypinyin keeps the characters as they are
        full.append(syllables)
        short.append(initials)
    return f"{name_key(''.join(full))}|{name_key(''.join(short))}"


_CONVERTER = DefaultConverter()


@lru_cache(maxsize=200_000)
def _han_word(word: str) -> tuple[str, str]:
    """The full pinyin and the initials of one word of Chinese characters, as pypinyin reads it."""

    def spelled(style: Style) -> str:
        readings = _CONVERTER.convert(word, style, False, "default", True)
        return "".join(chain.from_iterable(readings))

    return spelled(Style.NORMAL), spelled(Style.FIRST_LETTER)


def phone_key(phone: str | None) -> str | None:
    """Digits only, without a +86 / 0086 country prefix; None when there are no digits."""
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 11:
            digits = digits[len(prefix) :]
            break
    return digits or None


MAX_ID = 2**31 - 1  # ids are INTEGER columns; a larger number names nothing
_NUMBER = re.compile(r"^[0-9]{1,10}$")


def as_id(text: str) -> int | None:
    """``12`` or ``#12`` as an id; None for anything else (², 1e3, 99999999999, -1)."""
    digits = text.removeprefix("#")
    if not _NUMBER.match(digits) or not 1 <= int(digits) <= MAX_ID:
        return None
    return int(digits)
