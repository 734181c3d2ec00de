"""Import customers from the company's spreadsheet (.csv or .xlsx) into a pool.

The file is streamed (see bot/spreadsheet.py: a CSV is decoded and parsed once up front, so a
broken file is refused before anything is written): the header is mapped, each row validated
(lengths, priority, email, phone; NUL and control characters are row errors, so none reaches the
database), and rows that pass are inserted in batches, one transaction each. Every batch is checked
against the database for duplicates (same company name ignoring legal suffixes, or same phone)
inside its own transaction, which also finds the rows of earlier batches of the same file, so
re-running an import, or running two at once on SQLite, never adds a customer twice (PostgreSQL has
no unique constraint on names, so two imports running at the same moment there can still race).
Memory stays flat: a batch, and 16 bytes per imported row to name the line a later duplicate
repeats. A dry run does the same checks in read-only sessions, keeping the hash of every name and
phone instead (about 100 bytes a row), so it reports what a real run would import and skip.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from bot.domain import assignment
from bot.domain.catalog import add_customer_rows, customer_row
from bot.domain.clock import Clock
from bot.domain.context import Services
from bot.importer.rows import (
    HEADER_ALIASES,
    ImportFileError,
    ImportReport,
    Row,
    RowError,
    SkippedRow,
    make_row,
    map_header,
    row_problem,
)
from bot.names import _LEGAL_SUFFIXES, duplicate_key, name_key
from bot.spreadsheet import Record, SpreadsheetError, open_table
from bot.storage import catalog, teams
from bot.storage.catalog import Stored
from bot.storage.engine import Database

BATCH_SIZE = 2_000
MAX_DETAILS = 10_000  # skipped rows and row errors listed in a report; beyond that, only counted
# (records read, records in the file when known)
ProgressFn = Callable[[int, int | None], None]

# The legal suffixes duplicate_key() strips, as they appear at the end of a stored name_key.
_SUFFIX_KEYS = tuple(dict.fromkeys(name_key(suffix) for suffix in _LEGAL_SUFFIXES))


@dataclass
class _Outcome:
    """What the import did so far; the first MAX_DETAILS skipped rows and errors are kept for the
    report, every one is counted."""

    imported: int = 0
    skipped: list[SkippedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped_total: int = 0
    errors_total: int = 0
    records: int = 0  # data records read so far

    def skip(self, row: SkippedRow) -> None:
        self.skipped_total += 1
        if len(self.skipped) < MAX_DETAILS:
            self.skipped.append(row)

    def error(self, error: RowError) -> None:
        self.errors_total += 1
        if len(self.errors) < MAX_DETAILS:
            self.errors.append(error)


class _FileKeys:
    """The names and phones met so far in the file, for a dry run (which writes nothing a later batch
    could find in the database): the hash of each key and its first line, about 100 bytes a row."""

    def __init__(self) -> None:
        self.names: dict[int, int] = {}
        self.phones: dict[int, int] = {}

    def duplicate(self, row: Row) -> str | None:
        name, phone = hash(row.dup_key), hash(row.phone_key) if row.phone_key else None
        if name in self.names:
            return f"same name as line {self.names[name]}"
        if phone is not None and phone in self.phones:
            return f"same phone as line {self.phones[phone]}"
        self.names[name] = row.line
        if phone is not None:
            self.phones[phone] = row.line
        return None


class _Lines:
    """The customers this import added and the line of each (16 bytes a row), so a later row with
    the same name or phone is told "same name as line N", as within one batch."""

    def __init__(self) -> None:
        self.ids = array("q")
        self.lines = array("q")

    def add(self, ids: Sequence[int], lines: Sequence[int]) -> None:
        for cid, line in sorted(zip(ids, lines, strict=True)):
            at = len(self.ids) if not self.ids or cid > self.ids[-1] else bisect_left(self.ids, cid)
            self.ids.insert(at, cid)
            self.lines.insert(at, line)

    def line_of(self, cid: int) -> int | None:
        at = bisect_left(self.ids, cid)
        return self.lines[at] if at < len(self.ids) and self.ids[at] == cid else None


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
        with open_table(path) as table:
            columns, ignored = map_header(table.header)
            outcome = _Outcome()
            rows = _valid_rows(table.records, columns, outcome, seen=_FileKeys() if dry_run else None)
            ids = _store(db, clock, pool_id, rows, outcome, table.total, progress, batch_size, dry_run)
    except SpreadsheetError as exc:
        raise ImportFileError(str(exc)) from exc
    assigned = 0 if dry_run else _assign_imported(db, clock, pool_id, ids)
    return ImportReport(
        pool_name=pool_name,
        imported=outcome.imported,
        skipped=tuple(sorted(outcome.skipped, key=lambda s: s.line)),
        errors=tuple(sorted(outcome.errors, key=lambda e: e.line)),
        dry_run=dry_run,
        ignored_columns=ignored,
        assigned=assigned,
        skipped_total=outcome.skipped_total,
        errors_total=outcome.errors_total,
    )


def _pool_id(db: Database, pool_name: str) -> int:
    with db.read() as session:
        pool = teams.pool_by_name(session, pool_name)
        if pool is None:
            known = ", ".join(teams.pool_names(session)) or "none yet: sync the config file first"
            raise ImportFileError(f"No pool named {pool_name!r} (pools: {known}).")
    assert pool.id is not None
    return pool.id


def _valid_rows(
    records: Iterable[Record], columns: dict[str, int], outcome: _Outcome, *, seen: _FileKeys | None
) -> Iterator[Row]:
    """The rows that pass validation, one at a time; errors (and, with ``seen``, duplicates of an
    earlier line) go to ``outcome``."""
    for line, cells in records:
        outcome.records += 1
        if not any(cells):
            continue
        values = {name: cells[index] if index < len(cells) else "" for name, index in columns.items()}
        problem = row_problem(values)
        if problem:
            outcome.error(RowError(line, problem))
            continue
        row = make_row(line, values)
        reason = seen.duplicate(row) if seen is not None else None
        if reason:
            outcome.skip(SkippedRow(line, row.customer.name, reason))
            continue
        yield row


# ---- duplicates in the database and inserting --------------------------------------------------------


def _existing_duplicates(session: Session, rows: Sequence[Row], mine: _Lines | None) -> list[SkippedRow]:
    """Rows whose company or phone is already stored, in any pool of any team (bulk queries); one
    this import stored from an earlier line (``mine``) is named by that line."""
    catalog.plan_for_actual_keys(session)
    by_name = _stored_by_name(session, {row.dup_key for row in rows})
    by_phone = _stored_by_phone(session, {row.phone_key for row in rows if row.phone_key})
    pools = teams.pool_names_by_id(session)
    skipped = []
    for row in rows:
        match, what = by_name.get(row.dup_key), "name"
        if match is None and row.phone_key:
            match, what = by_phone.get(row.phone_key), "phone"
        earlier = mine.line_of(match.id) if match is not None and mine is not None else None
        if earlier is not None:
            skipped.append(SkippedRow(row.line, row.customer.name, f"same {what} as line {earlier}"))
        elif match is not None:
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


def _assign_imported(db: Database, clock: Clock, pool_id: int, ids: Sequence[int]) -> int:
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
        chunk = list(ids[start : start + assignment.MAX_PER_RUN])
        outcome = assignment.auto_assign(services, manager=None, team_id=team.id, customer_ids=chunk)
        assigned += len(outcome.assigned)
    return assigned


@dataclass
class _Batch:
    """Rows on their way to the database: the valid rows, their stored columns (keys computed),
    and what the batch's first pass already knows (duplicates of an earlier line of the batch)."""

    rows: list[Row] = field(default_factory=list)
    columns: list[dict[str, object]] = field(default_factory=list)
    names: dict[str, int] = field(default_factory=dict)
    phones: dict[str, int] = field(default_factory=dict)
    records: int = 0  # records of the file read up to the end of this batch

    def earlier_line(self, row: Row) -> str:
        """Why ``row`` repeats an earlier row of this batch, or '' when it does not."""
        if row.dup_key in self.names:
            return f"same name as line {self.names[row.dup_key]}"
        if row.phone_key and row.phone_key in self.phones:
            return f"same phone as line {self.phones[row.phone_key]}"
        return ""

    def add(self, row: Row, columns: dict[str, object]) -> None:
        self.names[row.dup_key] = row.line
        if row.phone_key:
            self.phones[row.phone_key] = row.line
        self.rows.append(row)
        self.columns.append(columns)


@dataclass(frozen=True)
class _Written:
    """What writing one batch did: how many it imported and the rows the database already had."""

    imported: int
    duplicates: list[SkippedRow]
    records: int


def _store(
    db: Database,
    clock: Clock,
    pool_id: int,
    rows: Iterable[Row],
    outcome: _Outcome,
    total: int | None,
    progress: ProgressFn | None,
    batch_size: int,
    dry_run: bool,
) -> Sequence[int]:
    """Insert ``rows`` a batch per transaction (a dry run only looks them up); duplicates within a
    batch and in the database go to ``outcome.skipped``. Returns the ids of the new customers.

    Two stages overlap: while one thread writes a batch (its duplicate lookups, COPY and commit,
    mostly waiting on the database), this one reads, validates and computes the keys of the next
    (mostly pinyin). Batches are written one after another, in file order, so each lookup sees
    every earlier batch committed.
    """
    now = clock.now()
    mine = _Lines()

    def write(batch: _Batch) -> _Written:
        if dry_run:
            with db.read() as session:
                duplicates = _existing_duplicates(session, batch.rows, None)
            return _Written(len(batch.rows) - len(duplicates), duplicates, batch.records)
        with db.write() as session:
            duplicates = _existing_duplicates(session, batch.rows, mine)
            taken = {s.line for s in duplicates}
            fresh = [at for at, row in enumerate(batch.rows) if row.line not in taken]
            ids = add_customer_rows(session, [batch.columns[at] for at in fresh], now)
        mine.add(ids, [batch.rows[at].line for at in fresh])
        return _Written(len(ids), duplicates, batch.records)

    def settle(pending: Future[_Written] | None) -> None:
        if pending is None:
            return
        written = pending.result()
        outcome.imported += written.imported
        for duplicate in written.duplicates:
            outcome.skip(duplicate)
        if progress is not None:
            progress(written.records, total)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="poolbot-import") as writer:
        pending: Future[_Written] | None = None
        for batch in _batches(rows, outcome, pool_id, now, batch_size):
            settle(pending)
            pending = writer.submit(write, batch)
        settle(pending)
    return mine.ids


def _batches(
    rows: Iterable[Row], outcome: _Outcome, pool_id: int, now: datetime, batch_size: int
) -> Iterator[_Batch]:
    """``rows`` in batches of ``batch_size`` with their stored columns; a row repeating an earlier
    row of its batch is skipped here (one of an earlier batch is found in the database)."""
    batch = _Batch()
    for row in rows:
        reason = batch.earlier_line(row)
        if reason:
            outcome.skip(SkippedRow(row.line, row.customer.name, reason))
            continue
        batch.add(row, customer_row(row.customer, pool_id, now))
        if len(batch.rows) >= batch_size:
            batch.records = outcome.records
            yield batch
            batch = _Batch()
    batch.records = outcome.records
    if batch.rows:
        yield batch


__all__ = ["HEADER_ALIASES", "ImportFileError", "ImportReport", "RowError", "SkippedRow", "import_file"]
