"""CSV and XLSX to table blocks: rows as "a | b | c" lines under their header row, one section
per sheet (XLSX) and the dialect sniffed (CSV, TSV).

Example:
    >>> blocks = csv_blocks(Path("revenue.csv"))     # doctest: +SKIP
    >>> blocks[0].header                             # doctest: +SKIP
    ('Quarter | Revenue',)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from assistant.chunking import Block
from assistant.documents.tables import format_row
from assistant.errors import BackendUnavailableError, BadInputError

OPENPYXL_INSTALL = "pip install openpyxl"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    return str(value)


def rows_block(rows: Iterable[Iterable[Any]], section: str = "") -> Block | None:
    """A table block from raw rows: the first non-empty row is the header."""
    lines = [format_row([_cell(v) for v in row]) for row in rows]
    lines = [line for line in lines if line]
    if not lines:
        return None
    return Block(rows=tuple(lines[1:]), header=(lines[0],), section=section)


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise BadInputError(f"{path}: binary data, not a text CSV")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def csv_blocks(path: Path) -> list[Block]:
    """The one table of a CSV or TSV file."""
    text = _read_text(path)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel
    try:
        block = rows_block(csv.reader(io.StringIO(text), dialect))
    except csv.Error as exc:
        raise BadInputError(f"{path}: not a readable CSV ({exc})") from exc
    if block is None:
        raise BadInputError(f"{path}: the CSV has no rows")
    return [block]


def xlsx_blocks(path: Path) -> list[Block]:
    """One table per non-empty sheet, the sheet name as its section (cached formula values)."""
    try:
        import openpyxl
    except ImportError as exc:
        raise BackendUnavailableError(f"reading XLSX needs openpyxl: {OPENPYXL_INSTALL}") from exc
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, InvalidFileException, KeyError on a broken package
        raise BadInputError(f"{path}: cannot read the XLSX workbook ({type(exc).__name__}: {exc})") from exc
    try:
        blocks = [rows_block(sheet.iter_rows(values_only=True), section=sheet.title) for sheet in book.worksheets]
    finally:
        book.close()
    found = [b for b in blocks if b is not None]
    if not found:
        raise BadInputError(f"{path}: the workbook has no cells with values")
    return found
