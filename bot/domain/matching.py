"""The duplicate check (查重) every door uses: ``/new``, ``poolbot import`` and ``/duplicates``.

Pure and fast (regexes, str operations and rapidfuzz; no database): a record is normalised once
into a :class:`Probe`, and :func:`compare` says whether two probes are the same customer, probably
the same, or different.

* **Same**: the same unified social credit code, or the same company key (:func:`company_key`:
  width, case, spaces, punctuation, brackets, bracketed regions and legal suffixes ignored).
* **Probably the same**: the same phone (by its digits, with or without +86 or the trunk 0), the
  same e-mail address, or names whose company keys score at least the team's
  ``duplicate_threshold`` (rapidfuzz WRatio, 0-100) against each other.

:mod:`bot.domain.duplicates` finds the stored candidates of many probes at once and applies this.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from bot.names import CN_SUFFIXES, REGIONS, company_key, email_key, phone_key

Verdict = Literal["same", "probable"]
# why two records match, strongest first
Reason = Literal["credit", "name", "phone", "email", "similar"]
DEFAULT_THRESHOLD = 85
MIN_PHONE_DIGITS = 7  # shorter numbers (an extension, "110") say nothing about a company
MIN_FUZZY_LENGTH = 2
MIN_PARTIAL_LENGTH = 4  # shorter keys are compared whole, never as part of a longer one

_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, S, V, Z
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_SHAPE = re.compile(rf"^[{_CREDIT_CHARS}]{{18}}$")
# words that say what a company does, not which one it is: left out of the search fragment
_GENERIC = (
    "科技",
    "技术",
    "信息",
    "网络",
    "贸易",
    "实业",
    "发展",
    "电子",
    "软件",
    "咨询",
    "服务",
    "管理",
    "物流",
    "工程",
    "文化",
    "传媒",
    "投资",
)
_LATIN_WORD = re.compile(r"[a-z0-9]{3,}")


def credit_code(text: str | None) -> str | None:
    """The unified social credit code (统一社会信用代码) in ``text``, upper-cased, when its 18th
    character is the check character GB 32100-2015 gives; None otherwise."""
    if not text:
        return None
    code = unicodedata.normalize("NFKC", text).strip().upper().replace(" ", "").replace("-", "")
    if not _CREDIT_SHAPE.match(code):
        return None
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(code[:17], _CREDIT_WEIGHTS, strict=True))
    check = (31 - total % 31) % 31
    return code if code[17] == _CREDIT_CHARS[check] else None


@dataclass(frozen=True, slots=True)
class Probe:
    """One record, normalised for comparison (a stored customer or one being added)."""

    name: str
    key: str
    phone: str | None = None
    email: str | None = None
    credit: str | None = None


def probe(
    name: str, *, phone: str | None = None, email: str | None = None, credit: str | None = None
) -> Probe:
    """Normalise a record once; ``credit`` is taken as given (validate it with :func:`credit_code`)."""
    digits = phone_key(phone)
    usable = digits if digits and len(digits) >= MIN_PHONE_DIGITS else None
    return Probe(name, company_key(name), usable, email_key(email), (credit or None) and credit.upper())


@dataclass(frozen=True, slots=True)
class Match:
    verdict: Verdict
    reason: Reason
    score: int  # 100 for same; the fuzzy score for a similar name


def compare(new: Probe, old: Probe, threshold: int = DEFAULT_THRESHOLD) -> Match | None:
    """How ``new`` relates to ``old``: same, probably the same, or None (different).

    Two different credit codes are two companies, whatever their names say."""
    if new.credit and old.credit:
        return Match("same", "credit", 100) if new.credit == old.credit else None
    if new.key and new.key == old.key:
        return Match("same", "name", 100)
    if new.phone and new.phone == old.phone:
        return Match("probable", "phone", 100)
    if new.email and new.email == old.email:
        return Match("probable", "email", 100)
    score = similarity(new.key, old.key)
    return Match("probable", "similar", score) if score >= threshold else None


def similarity(a: str, b: str) -> int:
    """0-100: how alike two company keys are. A leading region (杭州云帆科技, 云帆科技) is ignored;
    for keys of four characters or more, one inside the other scores about 90 (rapidfuzz WRatio);
    shorter keys must be alike as a whole (``dis`` is not ``disco``). Below 100: only a key
    comparison says "same"."""
    if a in CN_SUFFIXES or b in CN_SUFFIXES:
        return 0
    a_core, b_core = _without_region(a), _without_region(b)
    if min(len(a_core), len(b_core)) < MIN_FUZZY_LENGTH:
        return 0
    score = fuzz.ratio(a_core, b_core)
    if min(len(a_core), len(b_core)) >= MIN_PARTIAL_LENGTH:
        score = max(score, fuzz.WRatio(a, b, processor=None))
    return min(int(score), 99)


def _without_region(key: str) -> str:
    """The key without a leading province or city (杭州, 黑龙江), when something is left."""
    for size in (3, 2):
        if key[:size] in REGIONS and len(key) - size >= MIN_FUZZY_LENGTH:
            return key[size:]
    return key


def fragment(name: str) -> str:
    """The distinctive part of a name, to find similar stored names with a substring search:
    ``杭州云帆科技有限公司`` -> ``云帆``; ``Northwind Traders Ltd`` -> ``northwind`` (the first
    word of three letters or more)."""
    key = company_key(name)
    if key.isascii():
        words = _LATIN_WORD.findall(unicodedata.normalize("NFKC", name).lower())
        return words[0] if words else key  # names lead with what sets them apart
    core = _without_region(key)
    trimmed = True
    while trimmed:
        trimmed = False
        for word in _GENERIC:
            if core.endswith(word) and len(core) - len(word) >= MIN_FUZZY_LENGTH:
                core, trimmed = core[: -len(word)], True
    return core
