"""Export customers as CSV: every column an admin needs to audit the pool in a spreadsheet.

Pools (with their rules and team time zone) and member handles are loaded once; customers are
streamed in id order, so exporting a large pool keeps memory flat and runs a handful of queries.
Timestamps are ISO 8601 in the team's time zone (with the offset, so they stay unambiguous); the
recycle deadline is the team's local day, as reps see it in chat.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.domain.rules import PoolRules
from bot.storage import catalog, members, teams
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
)


class ExportError(Exception):
    """The export cannot run (an unknown pool); the message is meant for the user."""


@dataclass(frozen=True)
class _PoolInfo:
    rules: PoolRules
    timezone: str


def export_csv(db: Database, out: TextIO, *, pool_name: str | None = None) -> int:
    """Write the customers of ``pool_name`` (default: every pool) to ``out``; return how many."""
    writer = csv.writer(out)
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


def _pool_id(session: Session, pool_name: str | None) -> int | None:
    if pool_name is None:
        return None
    pool = teams.pool_by_name(session, pool_name)
    if pool is None:
        names = teams.pool_names(session)
        raise ExportError(f"No pool named {pool_name!r} (pools: {', '.join(names) or 'none'}).")
    return pool.id


def _pools(session: Session) -> dict[int, _PoolInfo]:
    rows = teams.pools_with_timezone(session)
    return {int(pool.id or 0): _PoolInfo(PoolRules.of(pool), timezone) for pool, timezone in rows}


def _line(row: ExportRow, pool: _PoolInfo, handles: dict[int, str]) -> list[str]:
    deadline = pool.rules.deadline_of(row, pool.timezone)
    text = [_cell(v) for v in (row.name, row.contact, row.email, row.industry, row.region, row.size)]
    return [
        str(row.id),
        text[0],
        text[1],
        row.phone or "",
        text[2],
        text[3],
        text[4],
        text[5],
        row.priority,
        row.stage,
        _cell(row.tags),
        pool.rules.pool_name,
        handles.get(row.owner_id, "") if row.owner_id is not None else "",
        _local_iso(row.owned_since, pool.timezone),
        _local_iso(row.last_touch_at, pool.timezone),
        deadline.day.isoformat() if deadline else "",
        deadline.rule if deadline else "",
    ]


def _cell(value: str | None) -> str:
    """Text that a spreadsheet would run as a formula (=, +, -, @ first) gets a leading quote.

    Phones are left alone: "+86 138…" is data every sales team types, and a phone column with
    a formula in it is not a phone.
    """
    text = value or ""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def _local_iso(moment: datetime | None, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).isoformat() if moment else ""
