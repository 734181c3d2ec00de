"""Reading a spreadsheet (.csv or .xlsx) as text: the header row and the records below it, each
with its line number in the file. CSV may be UTF-8 (with or without BOM) or GB18030, separated by
commas, tabs or semicolons; of a workbook, the first sheet is read."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException


class SpreadsheetError(Exception):
    """The file cannot be read as a table; the message is meant for the user."""


Record = tuple[int, list[str]]  # (line number in the file, cell texts)


def read_table(path: Path) -> tuple[list[str], list[Record]]:
    """The header cells and the data records below it; blank lines before the header are skipped."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        records = _csv_records(path)
    elif suffix in (".xlsx", ".xlsm"):
        records = _xlsx_records(path)
    else:
        raise SpreadsheetError(f"{path.name}: unsupported file type; save it as .csv or .xlsx.")
    for index, (_, cells) in enumerate(records):
        if any(cells):
            return cells, records[index + 1 :]
    raise SpreadsheetError(f"{path.name}: the file is empty; the first row must be the header.")


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise SpreadsheetError(f"{path}: file not found.") from exc
    except OSError as exc:
        raise SpreadsheetError(f"{path}: cannot be read ({exc.strerror}).") from exc


def _decode(path: Path, data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030, which Chinese Excel and WPS often write."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SpreadsheetError(f"{path.name}: not UTF-8 or GB18030 text; export it again as CSV UTF-8.")


def _csv_records(path: Path) -> list[Record]:
    text = _decode(path, _read_bytes(path))
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[Record] = []
    start = 1
    try:
        for cells in reader:
            records.append((start, [cell.strip() for cell in cells]))
            start = reader.line_num + 1  # a quoted cell may span several lines
    except csv.Error as exc:
        raise SpreadsheetError(f"{path.name}: line {start}: not valid CSV ({exc}).") from exc
    return records


def _xlsx_records(path: Path) -> list[Record]:
    _read_bytes(path)  # the same messages as CSV for a missing or unreadable file
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise SpreadsheetError(f"{path.name}: not a readable .xlsx workbook ({exc}).") from exc
    try:
        sheet = workbook.worksheets[0]
        return [
            (line, [_cell_text(value) for value in values])
            for line, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    """Spreadsheet cells as text; a phone typed as a number must not become '13800138000.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
