"""Reading a spreadsheet (.csv or .xlsx) as text, streamed: the header row and the records below it,
each with its line number in the file. CSV may be UTF-8 (with or without BOM) or GB18030, separated
by commas, tabs or semicolons; of a workbook, the first sheet is read.

Memory stays bounded whatever the file holds: records are read one at a time, a CSV line may be at
most ``MAX_LINE`` characters, and a workbook is refused before openpyxl opens it when its archive
would expand beyond ``MAX_XLSX_BYTES`` or any part expands more than ``MAX_RATIO`` times (a zip bomb:
a 200 KB file of one 200 MB cell), or a part openpyxl reads whole (the shared strings) is over
``MAX_PART_BYTES``. Cells are cut at ``MAX_CELL`` + 1 characters (Excel's own limit is 32,767), so a
longer cell is still seen as too long by the importer's checks.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

MAX_CELL = 32_767
MAX_LINE = 1 << 20  # characters of one CSV line
MAX_XLSX_BYTES = 1 << 30  # what all parts of a workbook may expand to
MAX_PART_BYTES = 64 << 20  # a part openpyxl reads whole: shared strings, styles, the workbook
MAX_RATIO = 100  # expansion of one part (real sheets: 5-20 times); parts under 1 MB may do more
_SMALL_PART = 1 << 20
# a leading quote the exporter put before text a spreadsheet would run as a formula
_DEFUSED = ("=", "+", "-", "@", "\t", "\r", "\n")


class SpreadsheetError(Exception):
    """The file cannot be read as a table; the message is meant for the user."""


Record = tuple[int, list[str]]  # (line number in the file, cell texts)


@dataclass
class Table:
    header: list[str]
    records: Iterator[Record]  # the data records below the header, read as they are consumed
    total: int | None  # how many records there are (CSV), or the sheet's declared rows (xlsx)


@contextmanager
def open_table(path: Path) -> Iterator[Table]:
    """The header cells and the data records below it; blank lines before the header are skipped."""
    suffix = path.suffix.lower()
    _check_readable(path)
    if suffix == ".csv":
        encoding, delimiter, total = _csv_shape(path)
        with path.open(encoding=encoding, newline="") as handle:
            yield _table(path, _csv_records(path, handle, delimiter), total)
    elif suffix in (".xlsx", ".xlsm"):
        _check_archive(path)
        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
            raise SpreadsheetError(f"{path.name}: not a readable .xlsx workbook ({exc}).") from exc
        try:
            sheet = workbook.worksheets[0]
            rows = (
                (line, [_cell_text(value) for value in values])
                for line, values in enumerate(sheet.iter_rows(values_only=True), start=1)
            )
            declared = sheet.max_row
            yield _table(path, rows, declared if isinstance(declared, int) and declared > 0 else None)
        finally:
            workbook.close()
    else:
        raise SpreadsheetError(f"{path.name}: unsupported file type; save it as .csv or .xlsx.")


def read_table(path: Path) -> tuple[list[str], list[Record]]:
    """The whole table at once (small files, tests)."""
    with open_table(path) as table:
        return table.header, list(table.records)


def _table(path: Path, records: Iterator[Record], total: int | None) -> Table:
    for index, (_, cells) in enumerate(records, start=1):
        if any(cells):
            return Table(cells, records, None if total is None else max(total - index, 0))
    raise SpreadsheetError(f"{path.name}: the file is empty; the first row must be the header.")


def _check_readable(path: Path) -> None:
    """The same messages for CSV and xlsx when the file is missing or unreadable."""
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except FileNotFoundError as exc:
        raise SpreadsheetError(f"{path}: file not found.") from exc
    except OSError as exc:
        raise SpreadsheetError(f"{path}: cannot be read ({exc.strerror}).") from exc


# ---- CSV ---------------------------------------------------------------------------------------------


def _csv_shape(path: Path) -> tuple[str, str, int]:
    """The encoding (UTF-8, with or without BOM, else GB18030, which Chinese Excel and WPS often
    write), the delimiter of the first line, and how many records the file has: one streamed pass."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            with path.open(encoding=encoding, newline="") as handle:
                first = handle.readline(MAX_LINE)
                delimiter = max(",\t;", key=first.count)
                handle.seek(0)
                total = sum(1 for _ in _csv_records(path, handle, delimiter))
            return encoding, delimiter, total
        except UnicodeDecodeError:
            continue
    raise SpreadsheetError(f"{path.name}: not UTF-8 or GB18030 text; export it again as CSV UTF-8.")


def _csv_records(path: Path, handle: TextIO, delimiter: str) -> Iterator[Record]:
    reader = csv.reader(_lines(path, handle), delimiter=delimiter)
    start = 1
    try:
        for cells in reader:
            yield start, [_text(cell.strip()) for cell in cells]
            start = reader.line_num + 1  # a quoted cell may span several lines
    except csv.Error as exc:
        raise SpreadsheetError(f"{path.name}: line {start}: not valid CSV ({exc}).") from exc


def _lines(path: Path, handle: TextIO) -> Iterator[str]:
    number = 0
    while line := handle.readline(MAX_LINE):
        number += 1
        if len(line) == MAX_LINE and not line.endswith("\n"):
            raise SpreadsheetError(f"{path.name}: line {number} is longer than {MAX_LINE:,} characters.")
        yield line


# ---- xlsx --------------------------------------------------------------------------------------------


def _check_archive(path: Path) -> None:
    """Refuse a workbook whose parts would expand beyond the limits, before anything inflates them."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise SpreadsheetError(f"{path.name}: not a readable .xlsx workbook ({exc}).") from exc
    total = 0
    for part in parts:
        total += part.file_size
        ratio = part.file_size / max(part.compress_size, 1)
        whole = not part.filename.startswith("xl/worksheets/")
        if part.file_size > _SMALL_PART and ratio > MAX_RATIO:
            raise SpreadsheetError(
                f"{path.name}: {part.filename} expands {ratio:,.0f} times ({_mb(part.compress_size)} to "
                f"{_mb(part.file_size)}), which no real spreadsheet does; refused as a zip bomb."
            )
        limit = MAX_XLSX_BYTES if total > MAX_XLSX_BYTES else MAX_PART_BYTES
        if total > MAX_XLSX_BYTES or (whole and part.file_size > MAX_PART_BYTES):
            raise SpreadsheetError(
                f"{path.name}: the workbook expands to more than {_mb(limit)} ({part.filename}); "
                "split it, or save it as CSV."
            )


def _mb(size: int) -> str:
    return f"{size / (1 << 20):,.1f} MB"


def _cell_text(value: Any) -> str:
    """Spreadsheet cells as text; a phone typed as a number must not become '13800138000.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _text(str(value)[: MAX_CELL + 1].strip())


def _text(cell: str) -> str:
    """A cell as typed: the quote the exporter put before formula-like text is taken off again."""
    if cell.startswith("'") and cell[1:].lstrip(" ")[:1] in _DEFUSED and len(cell) > 1:
        return cell[1:]
    return cell
