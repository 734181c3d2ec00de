"""Import customers from the company's spreadsheet (.csv or .xlsx) into a pool.

The whole file is read and checked first: header mapping, per-row validation and duplicates
within the file. Rows that pass are then inserted in batches, one transaction each; every batch
is checked against the database for duplicates (same company name ignoring legal suffixes, or same
phone) inside its own transaction, so re-running an import, or running two at once on SQLite,
never adds a customer twice (PostgreSQL has no unique constraint on names, so two imports
running at the same moment there can still race). A dry run does the same checks in a read-only
session, so it reports exactly what a real run would import and skip.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session

from bot.domain import assignment
from bot.domain.catalog import NewCustomer, add_customers
from bot.domain.clock import Clock
from bot.domain.context import Services
from bot.domain.priorities import PRIORITY_HINT, priority_code
from bot.names import _LEGAL_SUFFIXES, duplicate_key, name_key, phone_key, search_key
from bot.spreadsheet import Record, SpreadsheetError, read_table
from bot.storage import catalog, teams
from bot.storage.catalog import Stored
from bot.storage.engine import Database

BATCH_SIZE = 1_000
ProgressFn = Callable[[int, int], None]

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
}
SEARCH_KEY_LIMIT = 800
DEFAULT_PRIORITY = "B"  # an empty priority cell
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_TAG_SEPARATORS = re.compile(r"[,，;；、|]+")
_HEADER_NOISE = re.compile(r"[\W_]+", re.UNICODE)
OPTIONAL_HEADERS = (
    "contact/联系人, phone/电话/手机, email/邮箱, industry/行业, region/地区, size/规模, "
    "priority/优先级 (A/B/C or 高/中/低), tags/标签"
)
# The legal suffixes duplicate_key() strips, as they appear at the end of a stored name_key.
_SUFFIX_KEYS = tuple(dict.fromkeys(name_key(suffix) for suffix in _LEGAL_SUFFIXES))


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

    def lines(self, limit: int | None = None) -> list[str]:
        """The report as text: a summary, then one line per skipped row and per error, by line."""
        verb = "would be imported" if self.dry_run else "imported"
        head = "Dry run, nothing was written. " if self.dry_run else ""
        out = [
            f"{head}{_count(self.imported, 'customer')} {verb} into pool {self.pool_name}; "
            f"{_count(len(self.skipped), 'duplicate')} skipped; "
            f"{_count(len(self.errors), 'row')} with errors."
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
        if len(shown) < len(details):
            out.append(f"... and {len(details) - len(shown)} more")
        return out


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


@dataclass(frozen=True)
class _Row:
    """A valid row waiting to be inserted, with the keys duplicates are judged by."""

    line: int
    customer: NewCustomer
    dup_key: str
    phone_key: str | None


@dataclass
class _Plan:
    rows: list[_Row] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def import_file(
    db: Database,
    clock: Clock,
    path: Path,
    *,
    pool_name: str,
    dry_run: bool = False,
    progress: ProgressFn | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Import the customers in ``path`` into the pool ``pool_name``.

    Raises :class:`ImportFileError` for an unknown pool, an unreadable file or a missing name
    column; problems with single rows are reported in the returned :class:`ImportReport`.
    """
    pool_id = _pool_id(db, pool_name)
    try:
        header, records = read_table(path)
    except SpreadsheetError as exc:
        raise ImportFileError(str(exc)) from exc
    columns, ignored = _map_header(header)
    plan = _plan(records, columns)
    if dry_run:
        with db.read() as session:
            duplicates = _existing_duplicates(session, plan.rows)
        plan.skipped.extend(duplicates)
        imported = len(plan.rows) - len(duplicates)
        assigned = 0
    else:
        ids = _insert(db, clock, pool_id, plan, progress, batch_size)
        imported, assigned = len(ids), _assign_imported(db, clock, pool_id, ids)
    return ImportReport(
        pool_name=pool_name,
        imported=imported,
        skipped=tuple(sorted(plan.skipped, key=lambda s: s.line)),
        errors=tuple(plan.errors),
        dry_run=dry_run,
        ignored_columns=ignored,
        assigned=assigned,
    )


def _pool_id(db: Database, pool_name: str) -> int:
    with db.read() as session:
        pool = teams.pool_by_name(session, pool_name)
        if pool is None:
            known = ", ".join(teams.pool_names(session)) or "none yet: sync the config file first"
            raise ImportFileError(f"No pool named {pool_name!r} (pools: {known}).")
    assert pool.id is not None
    return pool.id


# ---- mapping the header ------------------------------------------------------------------------------


def _header_key(text: str) -> str:
    return _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", text).lower())


_FIELD_BY_HEADER = {_header_key(alias): name for name, aliases in HEADER_ALIASES.items() for alias in aliases}


def _map_header(header: list[str]) -> tuple[dict[str, int], tuple[str, ...]]:
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


def _plan(records: Iterable[Record], columns: dict[str, int]) -> _Plan:
    """Validate every record and drop duplicates within the file (the first occurrence stays)."""
    plan = _Plan()
    names: dict[str, int] = {}
    phones: dict[str, int] = {}
    for line, cells in records:
        if not any(cells):
            continue
        values = {name: cells[index] if index < len(cells) else "" for name, index in columns.items()}
        problem = _row_problem(values)
        if problem:
            plan.errors.append(RowError(line, problem))
            continue
        row = _row(line, values)
        if row.dup_key in names:
            reason = f"same name as line {names[row.dup_key]}"
        elif row.phone_key and row.phone_key in phones:
            reason = f"same phone as line {phones[row.phone_key]}"
        else:
            reason = ""
        if reason:
            plan.skipped.append(SkippedRow(line, row.customer.name, reason))
            continue
        names[row.dup_key] = line
        if row.phone_key:
            phones[row.phone_key] = line
        plan.rows.append(row)
    return plan


def _row_problem(values: dict[str, str]) -> str | None:
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
    if phone and phone_key(phone) is None:
        return f"phone {phone!r} has no digits"
    return None


def _row(line: int, values: dict[str, str]) -> _Row:
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
    )
    return _Row(line, customer, duplicate_key(customer.name), phone_key(customer.phone))


# ---- duplicates in the database and inserting --------------------------------------------------------


def _existing_duplicates(session: Session, rows: Sequence[_Row]) -> list[SkippedRow]:
    """Rows whose company or phone is already stored, in any pool of any team (bulk queries)."""
    catalog.plan_for_actual_keys(session)
    by_name = _stored_by_name(session, {row.dup_key for row in rows})
    by_phone = _stored_by_phone(session, {row.phone_key for row in rows if row.phone_key})
    pools = teams.pool_names_by_id(session)
    skipped = []
    for row in rows:
        match, what = by_name.get(row.dup_key), "name"
        if match is None and row.phone_key:
            match, what = by_phone.get(row.phone_key), "phone"
        if match is not None:
            reason = f"already in the database: same {what} as #{match.id} {match.name}"
            skipped.append(SkippedRow(row.line, row.customer.name, f"{reason} (pool {pools[match.pool_id]})"))
    return skipped


def _stored_by_name(session: Session, dup_keys: set[str]) -> dict[str, Stored]:
    """Stored customers by duplicate_key, the oldest first when several share one.

    A stored name_key is its duplicate_key followed by the key of the legal suffix that was
    stripped, so looking up every key + suffix through the name_key index finds them all.
    """
    candidates = sorted({key + suffix for key in dup_keys for suffix in ("", *_SUFFIX_KEYS)})
    found: dict[str, Stored] = {}
    for stored in catalog.with_keys(session, "name_key", candidates):
        key = duplicate_key(stored.name)
        if key in dup_keys and (key not in found or stored.id < found[key].id):
            found[key] = stored
    return found


def _stored_by_phone(session: Session, phone_keys: set[str]) -> dict[str, Stored]:
    found: dict[str, Stored] = {}
    for stored in catalog.with_keys(session, "phone_key", sorted(phone_keys)):
        key = stored.key
        if key is not None and (key not in found or stored.id < found[key].id):
            found[key] = stored
    return found


def _assign_imported(db: Database, clock: Clock, pool_id: int, ids: list[int]) -> int:
    """With ``on_import`` in the pool's ``[pools.assignment]``, hand the new customers out now."""
    services = Services(db=db, clock=clock)
    settings = assignment.stored_settings(services, pool_id)
    if settings is None or not settings.on_import or not ids:
        return 0
    with db.read() as session:
        _, team = teams.pool_and_team(session, pool_id)
    assert team.id is not None
    assigned = 0
    for start in range(0, len(ids), assignment.MAX_PER_RUN):
        chunk = ids[start : start + assignment.MAX_PER_RUN]
        outcome = assignment.auto_assign(services, manager=None, team_id=team.id, customer_ids=chunk)
        assigned += len(outcome.assigned)
    return assigned


def _insert(
    db: Database, clock: Clock, pool_id: int, plan: _Plan, progress: ProgressFn | None, batch_size: int
) -> list[int]:
    """Insert ``plan.rows`` a batch per transaction; database duplicates go to ``plan.skipped``.
    Returns the ids of the new customers."""
    now = clock.now()
    total, imported = len(plan.rows), []
    for start in range(0, total, batch_size):
        batch = plan.rows[start : start + batch_size]
        with db.write() as session:
            duplicates = _existing_duplicates(session, batch)
            duplicate_lines = {s.line for s in duplicates}
            fresh = [row.customer for row in batch if row.line not in duplicate_lines]
            imported += add_customers(session, pool_id=pool_id, customers=fresh, now=now)
        plan.skipped.extend(duplicates)
        if progress is not None:
            progress(start + len(batch), total)
    return imported


__all__ = ["ImportFileError", "ImportReport", "RowError", "SkippedRow", "import_file"]
