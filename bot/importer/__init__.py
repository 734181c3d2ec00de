"""Import customers from the company's spreadsheet (.csv or .xlsx) into a pool.

The file is streamed (see bot/spreadsheet.py: a CSV is decoded and parsed once up front, so a
broken file is refused before anything is written): the header is mapped, each row validated
(lengths, priority, e-mail, phone, credit code; NUL and control characters are row errors, so none
reaches the database), and rows that pass are inserted in batches, one transaction each.

Duplicates are judged by the same matcher as ``/new`` (bot/importer/duplicates.py): a row is
skipped when an earlier row of the file, or a customer of the pool's team, has its credit code,
company name (ignoring width, case, punctuation, bracketed regions and legal suffixes), phone or
e-mail. Each batch's transaction takes the team's registration lock before it looks, so re-running
an import, two imports at once, or a rep's ``/new`` meanwhile never add a customer twice, on
either database.

Reading and writing overlap: one thread writes a batch (lookups, COPY, commit) while the other
reads and prepares the next (validation and pinyin). Memory stays flat: two batches, and 16 bytes
per imported row to name the line a later duplicate repeats. A dry run does the same checks in
read-only sessions, keeping the hash of every key instead (about 100 bytes a row), so it reports
what a real run would import and skip.

On PostgreSQL, a big file into a (nearly) empty table is an initial load: the customer indexes
its lookups do not need are built once at the end instead of row by row (bot/storage/bulk_load.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.domain import assignment
from bot.domain.catalog import add_customer_rows, customer_row
from bot.domain.clock import Clock
from bot.domain.context import Services
from bot.importer.duplicates import FileKeys, ImportedLines, stored_duplicates
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
from bot.spreadsheet import Record, SpreadsheetError, open_table
from bot.storage import bulk_load, catalog, registration, teams
from bot.storage.engine import Database

BATCH_SIZE = 2_000
# Customers added before the planner's statistics are first refreshed. Early: until then PostgreSQL
# plans the duplicate lookup for the empty table it saw, a scan comparing every row with each of a
# batch's 4,000 keys, which took 0.3-2.9 s a batch over the first 20,000 rows of an import.
STATISTICS_EVERY = 1_000
STATISTICS_AT_END = 1_000  # ...and at the end of an import that added at least this many since
MAX_DETAILS = 10_000  # skipped rows and row errors listed in a report; beyond that, only counted
# (records read, records in the file when known)
ProgressFn = Callable[[int, int | None], None]


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


def import_file(
    db: Database,
    clock: Clock,
    path: Path,
    *,
    pool_name: str,
    dry_run: bool = False,
    progress: ProgressFn | None = None,
    batch_size: int = BATCH_SIZE,
    indexing: bulk_load.BuildProgress | None = None,
) -> ImportReport:
    """Import the customers in ``path`` into the pool ``pool_name``.

    Raises :class:`ImportFileError` for an unknown pool, an unreadable file or a missing name
    column; problems with single rows are reported in the returned :class:`ImportReport`.
    ``indexing`` is told the name of each index before an initial load builds it.
    """
    pool_id, team_id = _pool_and_team(db, pool_name)
    try:
        with open_table(path) as table:
            columns, ignored = map_header(table.header)
            outcome = _Outcome()
            rows = _valid_rows(table.records, columns, outcome, seen=FileKeys() if dry_run else None)
            target = _Target(pool_id, team_id)
            with _indexes(db, clock, table.total, dry_run, indexing):
                ids = _store(db, clock, target, rows, outcome, table.total, progress, batch_size, dry_run)
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


def _indexes(
    db: Database, clock: Clock, rows: int | None, dry_run: bool, indexing: bulk_load.BuildProgress | None
) -> AbstractContextManager[None]:
    """Around the writes: an initial load defers the indexes; any import first builds what a
    killed load left. A dry run writes nothing, indexes included."""
    if dry_run:
        return nullcontext()
    defer = bulk_load.is_initial_load(db, rows)
    return bulk_load.indexes_deferred(db, clock.now(), defer=defer, progress=indexing)


def _pool_and_team(db: Database, pool_name: str) -> tuple[int, int]:
    """The ids of the pool named ``pool_name`` and of its team (whose customers rows are checked
    against)."""
    with db.read() as session:
        pool = teams.pool_by_name(session, pool_name)
        if pool is None:
            known = ", ".join(teams.pool_names(session)) or "none yet: sync the config file first"
            raise ImportFileError(f"No pool named {pool_name!r} (pools: {known}).")
    assert pool.id is not None
    return pool.id, pool.team_id


def _valid_rows(
    records: Iterable[Record], columns: dict[str, int], outcome: _Outcome, *, seen: FileKeys | None
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
        reason = seen.duplicate(row) if seen is not None else ""
        if reason:
            outcome.skip(SkippedRow(line, row.customer.name, reason))
            continue
        yield row


# ---- inserting ------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class _Target:
    """Where an import goes: the pool, and the team whose customers rows are checked against."""

    pool_id: int
    team_id: int


@dataclass
class _Batch:
    """Rows on their way to the database: the valid rows, their stored columns (keys computed),
    and the keys of the batch's rows (a row repeating an earlier one of the batch is skipped)."""

    rows: list[Row] = field(default_factory=list)
    columns: list[dict[str, object]] = field(default_factory=list)
    keys: FileKeys = field(default_factory=FileKeys)
    records: int = 0  # records of the file read up to the end of this batch

    def add(self, row: Row, columns: dict[str, object]) -> None:
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
    target: _Target,
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
    mine = ImportedLines()
    statistics = _Statistics(db)

    def write(batch: _Batch) -> _Written:
        if dry_run:
            with db.read() as session:
                duplicates = stored_duplicates(session, target.team_id, batch.rows, None)
            return _Written(len(batch.rows) - len(duplicates), duplicates, batch.records)
        with db.write() as session:
            registration.lock_team(session, target.team_id)  # /new and other imports wait
            duplicates = stored_duplicates(session, target.team_id, batch.rows, mine)
            taken = {s.line for s in duplicates}
            fresh = [at for at, row in enumerate(batch.rows) if row.line not in taken]
            ids = add_customer_rows(session, [batch.columns[at] for at in fresh], now)
        mine.add(ids, [batch.rows[at].line for at in fresh])
        statistics.grew(len(ids))
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
        for batch in _batches(rows, outcome, target.pool_id, now, batch_size):
            settle(pending)
            pending = writer.submit(write, batch)
        settle(pending)
    if not dry_run and statistics.added >= STATISTICS_AT_END:
        statistics.refresh()
    return mine.ids


class _Statistics:
    """Refreshes the planner's statistics each time an import has added as many customers as the
    table held when they were last taken (at least :data:`STATISTICS_EVERY`), and once at the end:
    about twenty ANALYZEs over a million rows, the later ones about a second each, instead of
    lookups planned for an empty table."""

    def __init__(self, db: Database) -> None:
        self.db = db
        with db.read() as session:
            self.base = catalog.customers_estimate(session)
        self.added = 0

    def grew(self, count: int) -> None:
        self.added += count
        if self.added >= max(STATISTICS_EVERY, self.base):
            self.refresh()

    def refresh(self) -> None:
        with self.db.write() as session:
            catalog.refresh_statistics(session)
        self.base += self.added
        self.added = 0


def _batches(
    rows: Iterable[Row], outcome: _Outcome, pool_id: int, now: datetime, batch_size: int
) -> Iterator[_Batch]:
    """``rows`` in batches of ``batch_size`` with their stored columns; a row repeating an earlier
    row of its batch is skipped here (one of an earlier batch is found in the database)."""
    batch = _Batch()
    for row in rows:
        reason = batch.keys.duplicate(row)
        if reason:
            outcome.skip(SkippedRow(row.line, row.customer.name, reason))
            continue
        batch.add(row, customer_row(row.customer, pool_id, now, company=row.probe.key))
        if len(batch.rows) >= batch_size:
            batch.records = outcome.records
            yield batch
            batch = _Batch()
    batch.records = outcome.records
    if batch.rows:
        yield batch


__all__ = ["HEADER_ALIASES", "ImportFileError", "ImportReport", "RowError", "SkippedRow", "import_file"]
