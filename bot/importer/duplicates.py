"""The duplicate check (查重) of an import, in the words ``/new`` uses: within the file, and
against the team's stored customers through the one matcher (:func:`bot.domain.duplicates.match_batch`).

A row repeats another when they share the credit code, the company key (the name without width,
case, punctuation, bracketed regions and legal suffixes), the phone or the e-mail; two different
credit codes are two companies whatever else they share. An import looks up exact keys only: the
fuzzy "similar name" check is for ``/new`` and ``/duplicates``, one record at a time.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Sequence

from sqlmodel import Session

from bot.domain.duplicates import match_batch
from bot.domain.matching import Probe, Reason
from bot.importer.rows import Row, SkippedRow
from bot.storage import teams
from bot.storage.teams import team_threshold

WHY: dict[Reason, str] = {
    "credit": "same credit code",
    "name": "same name",
    "phone": "same phone",
    "email": "same e-mail",
    "similar": "similar name",
}


class FileKeys:
    """The keys of the rows met so far (of a batch, or of the whole file for a dry run, which
    writes nothing a later batch could find in the database): the hash of each key and its first
    line, plus the hash of the credit code of lines that have one; about 100 bytes a row."""

    def __init__(self) -> None:
        self.lines: dict[Reason, dict[int, int]] = {"credit": {}, "name": {}, "phone": {}, "email": {}}
        self.credits: dict[int, int] = {}  # line -> hash of its credit code

    def duplicate(self, row: Row) -> str:
        """Why ``row`` repeats an earlier row, or '' (and then it is remembered)."""
        keys = _keys(row.probe)
        credit = hash(row.probe.credit) if row.probe.credit else None
        for reason, value in keys:
            line = self.lines[reason].get(value)
            if line is None:
                continue
            earlier_credit = self.credits.get(line)
            if reason != "credit" and credit is not None and earlier_credit not in (None, credit):
                continue  # two credit codes: two companies
            return f"{WHY[reason]} as line {line}"
        for reason, value in keys:
            self.lines[reason].setdefault(value, row.line)
        if credit is not None:
            self.credits[row.line] = credit
        return ""


def _keys(item: Probe) -> list[tuple[Reason, int]]:
    """The hashed keys of a row, strongest first."""
    keys: list[tuple[Reason, int]] = []
    if item.credit:
        keys.append(("credit", hash(item.credit)))
    if item.key:
        keys.append(("name", hash(item.key)))
    if item.phone:
        keys.append(("phone", hash(item.phone)))
    if item.email:
        keys.append(("email", hash(item.email)))
    return keys


class ImportedLines:
    """The customers this import added and the line of each (16 bytes a row), so a later row with
    the same key is told "same name as line N", as within one batch."""

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


def stored_duplicates(
    session: Session, team_id: int, rows: Sequence[Row], mine: ImportedLines | None
) -> list[SkippedRow]:
    """Rows the team already has a customer for (exact keys, set-based lookups); one this import
    stored from an earlier line (``mine``) is named by that line."""
    found = match_batch(
        session, team_id, [row.probe for row in rows], threshold=team_threshold(session, team_id), fuzzy=False
    )
    pools = teams.pool_names_by_id(session)
    skipped = []
    for row, matches in zip(rows, found, strict=True):
        if not matches:
            continue
        best = matches[0]
        why = WHY[best.match.reason]
        earlier = mine.line_of(best.customer.id) if mine is not None else None
        if earlier is not None:
            reason = f"{why} as line {earlier}"
        else:
            stored = best.customer
            verdict = "already in the team" if best.match.verdict == "same" else "probably the same"
            reason = f"{verdict}: {why} as #{stored.id} {stored.name} (pool {pools[stored.pool_id]})"
        skipped.append(SkippedRow(row.line, row.customer.name, reason))
    return skipped
