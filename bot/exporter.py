"""Export customers as CSV: every column an admin needs to audit the pool in a spreadsheet.

Pools (with their rules and team time zone) and member handles are loaded once; customers are
streamed in id order, so exporting a large pool keeps memory flat and runs a handful of queries.
Timestamps are ISO 8601 in the team's time zone (with the offset, so they stay unambiguous); the
recycle deadline is the team's local day, as reps see it in chat.

Every cell is quoted and any text a spreadsheet would run as a formula gets a leading ``'``
(OWASP's CSV injection advice), the phone included; the importer takes that quote off again.
A file is written to a temporary name beside it and renamed when complete, so a full disk or a
crash never leaves half an export under the real name.
"""

from __future__ import annotations

import csv
import errno
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.domain.calendar import WorkCalendar, calendar_of
from bot.domain.rules import PoolRules
from bot.storage import catalog, members, recycling, teams
from bot.storage.catalog import ExportRow
from bot.storage.engine import Database

HEADER = (
    "id",
    "name",
    "contact",
    "phone",
    "email",
    "industry",
    "region",
    "size",
    "priority",
    "stage",
    "tags",
    "pool",
    "owner",
    "owned_since",
    "last_touch",
    "recycle_deadline",
    "recycle_rule",
    "last_release_reason",
)


# what a spreadsheet reads as the start of a formula (OWASP, CSV injection), also after spaces
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


class ExportError(Exception):
    """The export cannot run (an unknown pool, a path it cannot write); the message is one line
    meant for the user."""


@dataclass(frozen=True)
class _PoolInfo:
    rules: PoolRules
    calendar: WorkCalendar


def export_csv(db: Database, out: TextIO, *, pool_name: str | None = None) -> int:
    """Write the customers of ``pool_name`` (default: every pool) to ``out``; return how many."""
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(HEADER)
    count = 0
    with db.read() as session:
        pools = _pools(session)
        pool_id = _pool_id(session, pool_name)
        handles = members.handles(session)
        for row in catalog.export_rows(session, pool_id):
            writer.writerow(_line(row, pools[row.pool_id], handles))
            count += 1
    return count


def check_target(path: Path) -> None:
    """Raise :class:`ExportError` unless ``path`` names a file that can be written in a folder that exists."""
    if path.is_dir():
        raise ExportError(
            f"{path} is a directory: give the name of the CSV file, e.g. {path / 'customers.csv'}"
        )
    if not path.parent.is_dir():
        raise ExportError(f"{path.parent} does not exist: create the folder first, or choose another path")


def export_file(db: Database, path: Path, *, pool_name: str | None = None) -> int:
    """Write the export to ``path`` (UTF-8 with BOM, for Excel) atomically: into a temporary file
    beside it, flushed to disk, then renamed over ``path``. On any failure ``path`` is untouched and
    the temporary file removed; a problem of the disk or the path raises a one-line ExportError."""
    check_target(path)
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(descriptor, "w", encoding="utf-8-sig", newline="") as out:
            count = export_csv(db, out, pool_name=pool_name)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except OSError as exc:
        raise ExportError(_cannot_write(path, exc)) from exc
    finally:
        partial.unlink(missing_ok=True)
    return count


def _cannot_write(path: Path, exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        return f"Cannot write {path}: the disk is full ({reason}); free some space, nothing was written"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"Cannot write {path}: {reason}; choose a folder this user may write"
    return f"Cannot write {path}: {reason}"


def _pool_id(session: Session, pool_name: str | None) -> int | None:
    if pool_name is None:
        return None
    pool = teams.pool_by_name(session, pool_name)
    if pool is None:
        names = teams.pool_names(session)
        raise ExportError(f"No pool named {pool_name!r} (pools: {', '.join(names) or 'none'}).")
    return pool.id


def _pools(session: Session) -> dict[int, _PoolInfo]:
    rows = recycling.pools_with_teams(session)
    return {int(pool.id or 0): _PoolInfo(PoolRules.of(pool), calendar_of(team)) for pool, team in rows}


def _line(row: ExportRow, pool: _PoolInfo, handles: dict[int, str]) -> list[str]:
    deadline = pool.rules.deadline_of(row, pool.calendar)
    values = [
        str(row.id),
        row.name,
        row.contact,
        row.phone,
        row.email,
        row.industry,
        row.region,
        row.size,
        row.priority,
        row.stage,
        row.tags,
        pool.rules.pool_name,
        handles.get(row.owner_id, "") if row.owner_id is not None else "",
        _local_iso(row.owned_since, pool.calendar.timezone),
        _local_iso(row.last_touch_at, pool.calendar.timezone),
        deadline.day.isoformat() if deadline else "",
        deadline.rule if deadline else "",
        row.last_release_reason,
    ]
    return [defuse(value) for value in values]


def defuse(value: str | None) -> str:
    """A cell a spreadsheet shows as text: one that starts (after any spaces) with a formula
    character gets a leading ``'``, every column alike ("+86 138…" becomes "'+86 138…")."""
    text = value or ""
    return f"'{text}" if text.lstrip(" ")[:1] in FORMULA_STARTS and text else text


def _local_iso(moment: datetime | None, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).isoformat() if moment else ""
