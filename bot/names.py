"""Normalised keys for customer names and phones: duplicates, exact lookups, pinyin search."""

from __future__ import annotations

import re
import unicodedata

from pypinyin import Style, lazy_pinyin

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
    """Full pinyin and initials of a Chinese name ('hangzhouyunfan|hzyf'); empty for other names."""
    if not _HAN.search(name):
        return ""
    syllables = [s for s in lazy_pinyin(name) if s.strip()]
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER)
    full = name_key("".join(syllables))
    short = name_key("".join(initials))
    return f"{full}|{short}"


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
