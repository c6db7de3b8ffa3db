"""Financial-statement tables read from ``|``-rendered evidence: line items with one value per period.

A filing's statement arrives as rows ``label | v1 | v2 | v3`` under one or more heading lines that
name the periods in many layouts: ``2019 | 2018``, ``December 2, 2022 | December 3, 2021``, a date
split across cells (``February | 2, 2019 | February | 3, 2018``), the years on a line of their own
under ``Year | Ended December | 31,``, or a non-period column beside them (``2022 | 2021 | % Change
2022-2021``). The periods are the years written in the heading, in order, and must number exactly the
value columns of the rows (right-aligned: a label cell comes first); otherwise the table is not read
(a quarterly table under "Year Ended December 31, 2017", segments as columns, a table without its
heading). Units come from ``(In millions ...)`` / ``$ in thousands`` lines of the same evidence.

Example:
    >>> text = "(In millions)\\n | 2019 | 2018\\nTotal revenue | $5,010 | $4,320\\nCost of sales | (3,100) | 2,900"
    >>> table = read_tables(Evidence(1, text, "s", Locator("a.pdf"), 0.9))[0]
    >>> table.periods, table.unit, table.rows[1].values
    (('2019', '2018'), 'millions', (-3100.0, 2900.0))
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.numbers import parse_number
from assistant.types import Evidence, Locator  # noqa: F401  (Locator used in the doctest)

_YEAR = re.compile(r"(?<![\d,.$])(?:19|20)\d{2}(?![\d,])")
_SHORT_FY = re.compile(r"\bF(?:Y|iscal)\s?'?(\d{2})\b(?!\d)", re.I)
_FIGURE = re.compile(r"^\(?-?\$?\d{1,3}(?:,\d{3})*(?:\.\d+)?\)?%?$")
_NIL = re.compile(r"^\$?\s*[—–-]{1,2}$")
_VALUE = re.compile(r"^\$?\s*\(?\s*-?\$?\s*\d(?:[\d,]*\d)?(?:\.\d+)?\s*\)?\s*%?$")
# a heading cell that heads a column of something other than one period ("% Change 2022-2021", "2019 vs 2018")
_NOT_A_PERIOD = re.compile(r"%|\bchange\b|\bvs\.?\b|\bvariance\b|(?:19|20)\d{2}\s*[-–/]\s*(?:19|20)?\d{2}", re.I)
_UNIT = re.compile(r"\b(?:in|amounts in|dollars in|\$ in|us\$ in|usd in)\s+(thousands|millions|billions)\b", re.I)
_TOTAL = re.compile(r"^\s*(?:total|net cash)\b", re.I)
_NOTE_MARK = re.compile(r"\s*\((?:\d{1,2}|[a-z]|[ivx]{1,4})\)|\*+", re.I)

SCALE = {"thousands": 1e3, "millions": 1e6, "billions": 1e9}


@dataclass(frozen=True)
class LineItem:
    """One row: its label as written, the section heading above it, and its value and text per period."""

    label: str
    values: tuple[float, ...]
    raws: tuple[str, ...]
    section: str = ""


@dataclass(frozen=True)
class StatementTable:
    """Rows of one table in one piece of evidence, their periods (years, in column order) and unit."""

    n: int
    periods: tuple[str, ...]
    rows: tuple[LineItem, ...]
    unit: str = ""  # "thousands" / "millions" / "billions", "" when the evidence does not say
    heading_n: int = 0  # another piece of evidence that gave the periods (a page's heading cut off), else 0

    def column(self, year: str) -> int | None:
        """The column of a period; None when the table has none or two for it."""
        return self.periods.index(year) if self.periods.count(year) == 1 else None


def normalise(label: str) -> str:
    """A label for comparing: lower case, note marks and end punctuation gone, spaces single.

    >>> normalise("Total revenues(1):")
    'total revenues'
    """
    text = _NOTE_MARK.sub(" ", label).replace("’", "'").lower()
    return " ".join(text.split()).strip(" :;,.")


def _cells(line: str) -> list[str]:
    """The cells of a row, a lone ")" (a split negative, ``(106 | )``) joined to the cell before it."""
    cells: list[str] = []
    for cell in (c.strip() for c in line.split("|")):
        if cell == ")" and cells:
            cells[-1] += ")"
        else:
            cells.append(cell)
    out = cells[:1]
    for cell in cells[1:]:
        parts = cell.split()
        # figures of two columns merged into one cell ("2,117 2,018") are two cells
        merged = len(parts) > 1 and all(_FIGURE.match(p) and not _YEAR.fullmatch(p) for p in parts)
        out.extend(parts if merged else [cell] if cell else [])
    return out


def _is_value(cell: str) -> bool:
    return bool(_VALUE.match(cell) or _NIL.match(cell))


def _value(cell: str) -> float | None:
    if _NIL.match(cell):
        return 0.0
    return parse_number(cell.replace("( ", "(").replace(" )", ")"))


def _data(cells: list[str]) -> bool:
    """A row of figures: a label that is not a bare year and at least one value cell."""
    if not cells[0] or _YEAR.fullmatch(cells[0].strip()) or len(cells) < 2:
        return False
    values = [c for c in cells[1:] if _VALUE.match(c)]
    return bool(values) and not all(_YEAR.fullmatch(c) for c in values)  # "(in thousands) | 2022 | 2021 | % Change" heads


def is_row(line: str) -> bool:
    """A ``|`` line with a label and figures (not a heading)."""
    return "|" in line and _data(_cells(line))


def periods_of(heading: list[str]) -> list[str | None]:
    """The column periods a table's heading lines name, in order (None for a non-period column).

    >>> periods_of(["Fiscal Years Ended | February | 2, 2019 | February | 3, 2018"])
    ['2019', '2018']
    >>> periods_of([" | 2022 | 2021 | % Change 2022-2021"])
    ['2022', '2021', None]
    """
    out: list[str | None] = []
    for line in heading:
        for cell in line.split("|"):
            cell = _SHORT_FY.sub(lambda m: f"20{m.group(1)}", cell)
            if _NOT_A_PERIOD.search(cell):
                out.append(None)
                continue
            out.extend(_YEAR.findall(cell))
    return out


def _unit(text: str) -> str:
    found = {m.group(1).lower() for m in _UNIT.finditer(text)}
    return found.pop() if len(found) == 1 else ""


Heading = tuple[tuple[str | None, ...], int]  # a heading's periods and the evidence number stating them


def _table(n: int, heading: list[str], body: list[list[str]], unit: str, page: Sequence[Heading] = ()) -> StatementTable | None:
    periods = periods_of(heading)
    widths = [len(cells) - 1 for cells in body if _data(cells)]
    if not widths:
        return None
    width = max(set(widths), key=widths.count)
    heading_n = 0
    if not any(periods):  # a table continued without its heading: the one heading of its width on its page
        fitting = [(p, m) for p, m in page if len(p) == width]
        if len({p for p, _ in fitting}) == 1:
            periods, heading_n = list(fitting[0][0]), (fitting[0][1] if fitting[0][1] != n else 0)
    if not any(periods):
        return None
    if len(periods) != width:
        return None
    rows = []
    section = ""
    for cells in body:
        if not _data(cells):
            section = cells[0].rstrip(":") if cells and cells[0] and len(cells) == 1 else section
            continue
        values = cells[1:]
        if _TOTAL.match(cells[0]):  # a total closes the section above it
            section = ""
        if len(values) != width or not all(_is_value(c) for c in values):
            continue
        parsed = [_value(c) for c in values]
        if any(v is None for v in parsed):
            continue
        rows.append(LineItem(cells[0], tuple(v for v in parsed if v is not None), tuple(values), section))
    return StatementTable(n, tuple(p or "" for p in periods), tuple(rows), unit, heading_n) if rows else None


def read_tables(item: Evidence, page: Sequence[Heading] = (), page_unit: str = "") -> list[StatementTable]:
    """The period tables in one piece of evidence (a new heading of periods after figures starts another);
    ``page`` holds the period headings other evidence from the same page gives, for a table whose own
    heading names no period, and ``page_unit`` the unit they state."""
    unit = _unit(item.text) or page_unit
    lines = [line for line in item.text.splitlines() if line.strip()]
    tables: list[StatementTable] = []
    heading: list[str] = []
    body: list[list[str]] = []
    pending = ""  # a label's first line, when a long label wraps onto the row line
    for line in lines:
        if "|" not in line:
            if body and not _YEAR.search(line):
                pending = line.strip()
                body.append([pending])
                continue
            if body:  # a heading of periods after figures: a new table
                table = _table(item.n, heading, body, unit, page)
                tables += [table] if table else []
                heading, body = [], []
            heading.append(line)
            continue
        cells = _cells(line)
        if pending and cells[0][:1].islower() and body and body[-1] == [pending]:
            body.pop()
            cells[0] = f"{pending} {cells[0]}"
        pending = ""
        if _data(cells):
            body.append(cells)
        elif body and any(periods_of([line])):
            table = _table(item.n, heading, body, unit, page)
            tables += [table] if table else []
            heading, body = [line], []
        elif body:
            body.append([cells[0]] if cells[0] else [" ".join(cells)])
        else:
            heading.append(line)
    table = _table(item.n, heading, body, unit, page)
    return tables + ([table] if table else [])


def page_headings(items: Sequence[Evidence]) -> dict[tuple[str, int], tuple[list[Heading], str]]:
    """Per (file, page): the period headings (with the evidence stating each) and the unit its pieces of
    evidence state. A PDF page's statement is often cut into pieces: its title and "(In millions)" in
    one, "August 29, 2021 | August 30, 2020" in another, rows in a third, and rows continued under
    "Years Ended" in a fourth."""
    found: dict[tuple[str, int], tuple[list[Heading], set[str]]] = {}
    for item in items:
        if item.locator.page is None:
            continue
        headings, units = found.setdefault((item.locator.path, item.locator.page), ([], set()))
        lines = [line for line in item.text.splitlines() if line.strip()]
        first = next((i for i, line in enumerate(lines) if "|" in line and _data(_cells(line))), len(lines))
        periods = periods_of(lines[:first])
        if any(periods):
            headings.append((tuple(periods), item.n))
        unit = _unit(item.text)
        units |= {unit} if unit else set()
    return {key: (headings, units.pop() if len(units) == 1 else "") for key, (headings, units) in found.items()}
