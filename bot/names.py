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
    """Digits only, without a +86 / 0086 country prefix or a trunk 0: ``+86 571 8888 8888``,
    ``0571-88888888`` and ``571 88888888`` are one number. None when there are no digits."""
    if not phone:
        return None
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone))
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 10:
            digits = digits[len(prefix) :]
            break
    return digits.lstrip("0") or digits or None


def email_key(email: str | None) -> str | None:
    """An e-mail compared by its address: trimmed, lower-cased, ``mailto:`` dropped; None when it
    is not an address."""
    if not email:
        return None
    address = unicodedata.normalize("NFKC", email).strip().lower().removeprefix("mailto:")
    return address if "@" in address.strip("@") else None


# Legal forms that do not tell two companies apart. Chinese ones are stripped from the end of the
# compacted name (they never end another word); English ones only as whole trailing words, so
# "Disco" keeps its "co".
CN_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "分公司", "总公司", "集团", "公司")
_EN_SUFFIXES = frozenset(
    ("co", "ltd", "limited", "inc", "incorporated", "llc", "corp", "corporation", "company", "gmbh", "plc")
)
# A bracketed region says where a company is registered, not which company it is: (中国), （杭州）.
REGIONS = frozenset(
    [
        "中国",
        "中华",
        "香港",
        "澳门",
        "台湾",
        "北京",
        "天津",
        "上海",
        "重庆",
        "河北",
        "山西",
        "辽宁",
        "吉林",
        "黑龙江",
        "江苏",
        "浙江",
        "安徽",
        "福建",
        "江西",
        "山东",
        "河南",
        "湖北",
        "湖南",
        "广东",
        "海南",
        "四川",
        "贵州",
        "云南",
        "陕西",
        "甘肃",
        "青海",
        "内蒙古",
        "广西",
        "西藏",
        "宁夏",
        "新疆",
        "杭州",
        "深圳",
        "广州",
        "南京",
        "苏州",
        "宁波",
        "厦门",
        "青岛",
        "武汉",
        "成都",
        "西安",
        "长沙",
        "郑州",
        "合肥",
        "福州",
        "济南",
        "大连",
        "沈阳",
        "无锡",
        "佛山",
        "东莞",
        "珠海",
        "温州",
        "china",
        "prc",
        "hongkong",
        "hk",
    ]
)
_BRACKETED = re.compile(r"[(\[【〔｛{<《「]([^)\]】〕｝}>》」]*)[)\]】〕｝}>》」]")
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)


def _region_or_text(match: re.Match[str]) -> str:
    inner = match.group(1).strip()
    bare = re.sub(r"[\s.]+", "", inner).removesuffix("省").removesuffix("市")
    return " " if bare in REGIONS else f" {inner} "


def company_key(name: str) -> str:
    """The name as the duplicate check compares it: full/half width and case folded, bracketed
    regions dropped (``(中国)``), brackets, spaces and punctuation removed, legal suffixes stripped
    (有限公司, 股份有限公司, 集团, 分公司, Co., Ltd., Inc., LLC, Corp. …).

    ``"ACME Co., Ltd."`` and ``"acme"`` give ``"acme"``; ``"云帆科技（杭州）有限公司"`` gives
    ``"云帆科技"``. A name that is nothing but a suffix keeps it (``"有限公司"``)."""
    folded = _BRACKETED.sub(_region_or_text, unicodedata.normalize("NFKC", name).lower())
    words = _WORDS.findall(folded)
    while len(words) > 1 and words[-1] in _EN_SUFFIXES:
        words.pop()
    key = "".join(words)
    stripped = True
    while stripped and key not in CN_SUFFIXES:
        stripped = False
        for suffix in CN_SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix):
                key, stripped = key[: -len(suffix)], True
                break
    return key


MAX_ID = 2**31 - 1  # ids are INTEGER columns; a larger number names nothing
_NUMBER = re.compile(r"^[0-9]{1,10}$")


def as_id(text: str) -> int | None:
    """``12`` or ``#12`` as an id; None for anything else (², 1e3, 99999999999, -1)."""
    digits = text.removeprefix("#")
    if not _NUMBER.match(digits) or not 1 <= int(digits) <= MAX_ID:
        return None
    return int(digits)
