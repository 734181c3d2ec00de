"""One row of an import: the header mapped to fields, a row checked and turned into a customer, and
the report of what the import did."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.domain.catalog import NewCustomer
from bot.domain.matching import Probe, credit_code, probe
from bot.domain.priorities import PRIORITY_HINT, priority_code
from bot.names import name_key, search_key

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "customer", "customer name", "company", "客户名称", "客户名", "名称", "公司名称"),
    "contact": ("contact", "contact name", "联系人"),
    "phone": ("phone", "mobile", "tel", "电话", "手机", "手机号", "联系电话"),
    "email": ("email", "e-mail", "mail", "邮箱", "电子邮箱"),
    "industry": ("industry", "行业"),
    "region": ("region", "地区", "区域"),
    "size": ("size", "company size", "规模"),
    "priority": ("priority", "优先级"),
    "tags": ("tags", "tag", "标签"),
    "credit": ("credit", "credit code", "unified social credit code", "统一社会信用代码", "信用代码"),
}
# Column widths of the customer table: longer values are row errors, not database errors.
MAX_LENGTHS = {
    "name": 200,
    "contact": 80,
    "phone": 40,
    "email": 200,
    "industry": 80,
    "region": 80,
    "size": 40,
    "tags": 400,
    "credit": 40,
}
SEARCH_KEY_LIMIT = 800
DEFAULT_PRIORITY = "B"  # an empty priority cell
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
# digits, spaces, + - ( ), then an optional extension: x123, ext. 12, extension 7, 转123, 分机 8
_PHONE = re.compile(
    r"^\+?[0-9() -]*[0-9][0-9() -]*(?:(?:x|ext\.?|extension|转|分机)[ .:]*[0-9]{1,8})?$", re.IGNORECASE
)
# C0 controls but tab and line breaks (a quoted cell may span lines), DEL and C1 controls
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_TAG_SEPARATORS = re.compile(r"[,，;；、|]+")
_HEADER_NOISE = re.compile(r"[\W_]+", re.UNICODE)
OPTIONAL_HEADERS = (
    "contact/联系人, phone/电话/手机, email/邮箱, industry/行业, region/地区, size/规模, "
    "priority/优先级 (A/B/C or 高/中/低), tags/标签, credit/统一社会信用代码"
)


class ImportFileError(Exception):
    """The file or the target pool cannot be used at all; the message is meant for the user."""


@dataclass(frozen=True)
class SkippedRow:
    line: int
    name: str
    reason: str


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass(frozen=True)
class ImportReport:
    pool_name: str
    imported: int
    skipped: tuple[SkippedRow, ...]
    errors: tuple[RowError, ...]
    dry_run: bool
    ignored_columns: tuple[str, ...] = ()
    assigned: int = 0  # imported customers the pool's automatic assignment handed out
    # how many were skipped and had errors (``skipped`` and ``errors`` list the first MAX_DETAILS)
    skipped_total: int | None = None
    errors_total: int | None = None

    def lines(self, limit: int | None = None) -> list[str]:
        """The report as text: a summary, then one line per skipped row and per error, by line."""
        verb = "would be imported" if self.dry_run else "imported"
        head = "Dry run, nothing was written. " if self.dry_run else ""
        out = [
            f"{head}{_count(self.imported, 'customer')} {verb} into pool {self.pool_name}; "
            f"{_count(self._total(self.skipped_total, self.skipped), 'duplicate')} skipped; "
            f"{_count(self._total(self.errors_total, self.errors), 'row')} with errors."
        ]
        if self.assigned:
            out.append(f"{_count(self.assigned, 'customer')} assigned automatically (the pool's on_import).")
        if self.ignored_columns:
            out.append(f"Ignored columns: {', '.join(self.ignored_columns)}")
        details = sorted(
            [(s.line, f"line {s.line}: skipped {s.name!r}: {s.reason}") for s in self.skipped]
            + [(e.line, f"line {e.line}: error: {e.message}") for e in self.errors]
        )
        shown = details if limit is None else details[:limit]
        out.extend(text for _, text in shown)
        unlisted = self._total(self.skipped_total, self.skipped) + self._total(self.errors_total, self.errors)
        if len(shown) < unlisted:
            out.append(f"... and {unlisted - len(shown)} more")
        return out

    @staticmethod
    def _total(total: int | None, listed: tuple[object, ...]) -> int:
        return len(listed) if total is None else total


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


@dataclass(frozen=True)
class Row:
    """A valid row waiting to be inserted, normalised for the duplicate check (查重)."""

    line: int
    customer: NewCustomer
    probe: Probe


# ---- mapping the header ------------------------------------------------------------------------------


def _header_key(text: str) -> str:
    return _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", text).lower())


_FIELD_BY_HEADER = {_header_key(alias): name for name, aliases in HEADER_ALIASES.items() for alias in aliases}


def map_header(header: list[str]) -> tuple[dict[str, int], tuple[str, ...]]:
    """Field name -> column index; the first column wins when two mean the same field."""
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(header):
        name = _FIELD_BY_HEADER.get(_header_key(cell))
        if name is None or name in columns:
            if cell:
                ignored.append(cell)
            continue
        columns[name] = index
    if "name" not in columns:
        found = ", ".join(h for h in header if h) or "none"
        raise ImportFileError(
            f"No customer name column: the first row needs a header "
            f"{' / '.join(HEADER_ALIASES['name'])}. Found: {found}. Optional columns: {OPTIONAL_HEADERS}."
        )
    return columns, tuple(ignored)


# ---- validating rows ---------------------------------------------------------------------------------


def row_problem(values: dict[str, str]) -> str | None:
    unreadable = _unreadable(values)
    if unreadable:
        return unreadable
    name = values["name"]
    if not name:
        return "the customer name is empty"
    if not name_key(name):
        return f"the customer name {name!r} has no letters or digits"
    for key, limit in MAX_LENGTHS.items():
        if len(values.get(key, "")) > limit:
            return f"{key} is {len(values[key])} characters long; the limit is {limit}"
    # The pinyin search key of a long Chinese name can outgrow its column (at most 7 characters
    # per Han character, so only names over 114 characters are worth computing it for).
    if len(name) > 114 and len(search_key(name)) > SEARCH_KEY_LIMIT:
        return f"the customer name is too long for pinyin search ({len(name)} characters)"
    if values.get("priority") and priority_code(values["priority"]) is None:
        return f"priority {values['priority']!r} is not {PRIORITY_HINT}"
    email = values.get("email", "")
    if email and not _EMAIL.match(email):
        return f"email {email!r} is not an email address"
    phone = values.get("phone", "")
    if phone and not _PHONE.match(unicodedata.normalize("NFKC", phone)):
        return (
            f"phone {phone!r} is not a phone number (digits, spaces, + - ( ), "
            "and an extension such as x123, ext. 12 or 转123)"
        )
    credit = values.get("credit", "")
    if credit and credit_code(credit) is None:
        return (
            f"credit code {credit!r} is not a unified social credit code "
            "(18 characters, the last a check character)"
        )
    return None


def _unreadable(values: dict[str, str]) -> str | None:
    """NUL and other control characters: no database should store them (PostgreSQL refuses NUL)."""
    for key, value in values.items():
        found = _CONTROL.search(value)
        if found:
            char = (
                "a NUL byte"
                if found.group() == "\x00"
                else f"the control character U+{ord(found.group()):04X}"
            )
            return f"{key} contains {char}; remove it and import the row again"
    return None


def make_row(line: int, values: dict[str, str]) -> Row:
    tags = ",".join(t.strip() for t in _TAG_SEPARATORS.split(values.get("tags", "")) if t.strip())
    customer = NewCustomer(
        name=values["name"],
        contact=values.get("contact") or None,
        phone=values.get("phone") or None,
        email=values.get("email") or None,
        industry=values.get("industry") or None,
        region=values.get("region") or None,
        size=values.get("size") or None,
        priority=priority_code(values.get("priority", "")) or DEFAULT_PRIORITY,
        tags=tags,
        credit_code=credit_code(values.get("credit")),
    )
    found = probe(customer.name, phone=customer.phone, email=customer.email, credit=customer.credit_code)
    return Row(line, customer, found)
