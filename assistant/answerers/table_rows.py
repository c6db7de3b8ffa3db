"""Rows of ``|``-rendered tables keyed by period, and which row a question's words name.

A table row ``Revenue | 5,010 | 4,320`` under the header ``| 2019 | 2018`` is a :class:`Row` with
cells ``{"2019": "5,010", "2018": "4,320"}``; :func:`best_row` picks the row whose label (with its
section heading) best names a question's subject, and :func:`from_tables` reads its figures
for the periods asked as :class:`Operand` values for :mod:`assistant.answerers.arithmetic`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.lexical import root, terms
from assistant.numbers import parse_number
from assistant.types import Evidence

YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
SECTION_WEIGHT = 0.9
# A row in evidence ranked lower must name the subject this much better per place to be chosen:
# retrieval's order already says which table the question is about (TAT-QA arithmetic: 303 -> 312 right).
RANK_PENALTY = 0.1
_DASH = re.compile(r"\$?\s*[—–-]{1,2}")  # a nil cell ("—", "$ —")
NIL = "— (nil)"  # how a nil operand is written in a formula: no number the evidence lacks
_OP_WORDS = set(
    terms(
        "percentage percent change difference increase decrease grow growth decline rise fall variance average "
        "mean sum combined ratio between year years period fiscal fy amount value respectively company"
    )
)
_LONG_FY = re.compile(r"\bFY\s?((?:19|20)\d{2})\b", re.I)
_SHORT_FY = re.compile(r"\bFY?\s?'?(\d{2})\b", re.I)  # FY19, FY 19, F19
RANGE = re.compile(r"\b((?:19|20)\d{2})\s*(?:-|–|to|through)\s*((?:19|20)\d{2})\b|\bfrom ((?:19|20)\d{2}) to ((?:19|20)\d{2})\b", re.I)
CELL_NUMBER = re.compile(r"^(?:\$\s*)?\(?-?\$?\s*-?\d[\d,]*(?:\.\d+)?\)?\s*%?$")  # "$(426)" as well as "($426)"


@dataclass(frozen=True)
class Operand:
    """One number used in a computation: what it is, its text as written, its value and its evidence."""

    label: str
    period: str
    raw: str
    value: float
    n: int


@dataclass(frozen=True)
class Row:
    label: str
    cells: dict[str, str]  # period -> cell text
    n: int
    rank: int
    section: str = ""  # the heading row above it ("PSUs" over "Granted | $164 | $118")
    # (period, column heading, cell) of every column under a period headed a second time below it
    # ("2018 | | 2017 |" over "| Net Sales | % of Total | Net Sales | % of Total")
    under: tuple[tuple[str, str, str], ...] = ()


def clean(raw: str) -> str:
    return raw.replace("$", "").replace(" ", "").strip()


def table_rows(item: Evidence, rank: int, unlabeled: bool = False) -> list[Row]:
    """Rows of a ``|``-rendered table, each keyed by the periods of the last header row above it
    (with ``unlabeled``, rows of figures without a label too, such as a total under its parts)."""
    rows: list[Row] = []
    section = ""
    header: dict[int, str] = {}
    right = False  # a header of years alone ("2017 | 2016", empty cells dropped) aligns with the last cells
    sub: dict[int, str] = {}  # the column headings of a line right under a header of periods
    just_headed = False
    above: list[str] = []  # a line of headings without a label right above a header: groups of its columns
    block: list[dict[str, str]] = []  # the rows since the section heading or the last unlabelled total
    for line in item.text.splitlines():
        if " | " not in f" {line} ":
            continue
        cells = [c.strip() for c in line.split("|")]
        grouping, above = above, []
        if len(cells) > 1 and all(YEAR.fullmatch(clean(short_years(c))) for c in cells):
            header, right, sub, just_headed = {i: clean(short_years(c)) for i, c in enumerate(cells)}, True, {}, False
            continue
        if just_headed and not right and not cells[0] and not any(CELL_NUMBER.match(c) or YEAR.search(c) for c in cells[1:] if c):
            sub = {i: c for i, c in enumerate(cells) if i and c}
            just_headed = len(sub) < 2
            sub = sub if len(sub) >= 2 else {}
            continue
        just_headed = False
        years = {i: YEAR.search(short_years(c)).group() for i, c in enumerate(cells[1:], 1) if YEAR.search(short_years(c))}
        years = {i: y for i, y in years.items() if len(set(YEAR.findall(short_years(cells[i])))) == 1}  # "% Change 2018 to 2019" is no period
        numeric = [i for i, c in enumerate(cells[1:], 1) if c and CELL_NUMBER.match(c)]
        if years and (not cells[0] or not numeric or all(YEAR.fullmatch(clean(cells[i])) for i in numeric)):
            header, right, sub, just_headed = years, False, {}, True
            if grouping and len(set(years.values())) < len(years):  # "Net additions (losses)" over two of the periods' columns
                spans, group = {}, ""
                for i in range(1, len(cells)):
                    group = grouping[i] if i < len(grouping) and grouping[i] else group
                    spans[i] = group
                named = [[years[i] for i in years if spans.get(i) == g] for g in set(spans.values()) if g]
                if all(len(set(ps)) == len(ps) for ps in named):  # a group repeating a period is a caption, not a group
                    sub, just_headed = spans, False
            continue
        if not cells[0] and not numeric and not years and any(cells[1:]):
            above = cells
        if cells[0] and not any(c and CELL_NUMBER.match(c) for c in cells[1:]):
            section, block = cells[0].rstrip(":"), []
            continue
        if header:
            at: dict[str, int] = {}
            for i, p in header.items():  # of two columns of one period ("FY18 | FY18 restated") the first
                at.setdefault(p, len(cells) - len(header) + i if right else i)
            keyed = {p: cells[i] for p, i in at.items() if 0 < i < len(cells) and (CELL_NUMBER.match(cells[i] or "x") or _DASH.fullmatch(cells[i]))}
            if any(not _DASH.fullmatch(c) for c in keyed.values()):  # a dash is nil beside figures, not a row by itself
                label = cells[0] or ("Total" if _adds_up(block, keyed) else "")
                if label:
                    rows.append(Row(label, keyed, item.n, rank, section, _under(header, sub, cells) if sub and not right else ()))
                elif unlabeled:
                    rows.append(Row("", keyed, item.n, rank, section))
                block = [] if not cells[0] else block + [keyed]
    return rows


def _adds_up(block: list[dict[str, str]], total: dict[str, str]) -> bool:
    """Whether an unlabelled row of figures is the sum of the two or more rows above it (since its
    section heading or the last such total) in every period: a total the table does not name."""
    if len(block) < 2 or not total:
        return False
    for period, cell in total.items():
        value = parse_number(clean(cell))
        parts = [0.0 if _DASH.fullmatch(row.get(period, "x")) else parse_number(clean(row.get(period, ""))) for row in block]
        if value is None or None in parts or abs(sum(p or 0.0 for p in parts) - value) > 0.001 * abs(value) + 0.5:
            return False
    return True


def year_rows(item: Evidence, rank: int) -> list[Row]:
    """The columns of a table whose rows are periods (a schedule of payments: ``2020 | $460 | 47``
    under ``| Operating Leases | Finance Leases``), each as a row keyed by those periods."""
    heads: list[list[str]] = []
    columns: dict[str, dict[str, str]] = {}
    for line in item.text.splitlines():
        if " | " not in f" {line} ":
            continue
        cells = [c.strip() for c in line.split("|")]
        label = clean(short_years(cells[0]))
        if YEAR.fullmatch(label):
            for i, cell in enumerate(cells[1:], 1):
                heading = " ".join(h[i] for h in heads if i < len(h) and h[i])
                if heading and not YEAR.search(heading) and (CELL_NUMBER.match(cell or "x") or _DASH.fullmatch(cell)):
                    columns.setdefault(heading, {}).setdefault(label, cell)
        elif not columns and not any(c and CELL_NUMBER.match(c) for c in cells[1:]):
            heads.append(cells)
    return [Row(heading, cells, item.n, rank) for heading, cells in columns.items() if len(cells) >= 2]


def _under(header: dict[int, str], sub: dict[int, str], cells: list[str]) -> tuple[tuple[str, str, str], ...]:
    """(period, column heading, cell) for each column a period heads: from its own column up to the
    next period's."""
    starts = sorted(header)
    out = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(cells)
        out += [(header[start], sub[i], cells[i]) for i in range(start, end) if i in sub and i < len(cells) and CELL_NUMBER.match(cells[i] or "x")]
    return tuple(out)


def _heading_words(heading: str) -> set[str]:
    return set(terms(heading.replace("%", " percent ")))


def _column_cell(row: Row, period: str, columns: set[str]) -> tuple[str, str]:
    """The cell of ``row`` in ``period``, and the column heading that chose it: of the columns under the
    period, the one whose heading shares most words with ``columns`` when it shares more than the
    first column's does (else the first, with no heading)."""
    under = [(heading, cell) for p, heading, cell in row.under if p == period]
    default = row.cells[period]
    if not columns or len(under) < 2:
        return default, ""
    scored = sorted(((_heading_score(h, columns), h, c) for h, c in under), key=lambda x: x[0], reverse=True)
    first = next((_heading_score(h, columns) for h, c in under if c == default), 0)
    if scored[0][0] > first and (len(scored) < 2 or scored[1][0] < scored[0][0]):
        return scored[0][2], scored[0][1]
    return default, ""


def _heading_score(heading: str, columns: set[str]) -> int:
    """Words a column heading shares with the question's; a heading of percentages ("% of Total")
    only for a question asking for a percent of something."""
    if "percent" in _heading_words(heading) and "percent" not in columns:
        return -1
    return len(_heading_words(heading) & columns)


def _heading_named(rows: list[Row], periods: list[str], columns: set[str]) -> set[str]:
    """The question's words that name the column headings it reads under the periods (the heading
    it chooses, or the period's first one: "Net Sales" over "JPKO | 183,191")."""
    named: set[str] = set()
    for row in rows:
        for p in periods or list(row.cells):
            if p in row.cells:
                cell, heading = _column_cell(row, p, columns)
                heading = heading or next((h for q, h, c in row.under if q == p and c == cell), "")
                named |= _heading_words(heading) & columns
    return named


def short_years(cell: str) -> str:
    """A header cell with its fiscal-year shorthand written out: ``FY19`` and ``FY 2019`` are 2019."""
    return _LONG_FY.sub(r"\1", _SHORT_FY.sub(lambda m: f"20{m.group(1)}", cell))


def subject_terms(question: str, extra: str = "") -> set[str]:
    text = YEAR.sub(" ", f"{question} {extra}")
    return {t for t in terms(text) if t not in _OP_WORDS}


_NOTE_MARK = re.compile(r"\s*\((?:\d{1,2}|[a-z]|[ivx]{1,4})\)|\*+", re.I)  # "Other assets(1)", "Revenue (a)", "Sales*"


def label_match(label: str, subject: set[str], whole: bool = True) -> float:
    have = {root(t) for t in terms(YEAR.sub(" ", _NOTE_MARK.sub(" ", label)))}
    subject = {root(t) for t in subject}
    if not have or not subject:
        return 0.0
    shared = len(have & subject)
    if not shared:
        return 0.0
    precision, recall = shared / len(have), shared / len(subject)
    f1 = 2 * precision * recall / (precision + recall)
    if whole and precision == 1 and shared >= 2 and len(subject) >= 6:  # a long question naming the whole label ("... total current liabilities ...")
        return max(f1, min(0.9, 0.5 + 0.1 * shared))
    if whole and recall == 1 and shared >= 2:  # a long label naming every word of the question ("Interim dividend for the half year ended ...")
        return max(f1, 0.5)
    return f1


def row_match(row: Row, subject: set[str]) -> float:
    """How well a row names the subject: its label alone, or with its section heading when that names
    more of it ("PSUs granted" is the "Granted" row under "PSUs"); a match through the heading counts a
    little less than the same match by a row's own words."""
    own = label_match(row.label, subject)
    if not row.section or own <= 0:
        return own
    named = len({root(t) for t in terms(row.section)} & {root(t) for t in subject})  # breaks ties between equal labels
    return max(own, SECTION_WEIGHT * label_match(f"{row.section} {row.label}", subject, whole=False)) + 0.001 * named


def best_row(rows: list[Row], subject: set[str], periods: list[str]) -> Row | None:
    """The row whose label best matches the subject and that has every period, its match lowered by
    ``RANK_PENALTY`` per place its evidence ranks below the first (of equal scores, the better-ranked);
    None when unsure (two equal matches in one piece disagree)."""
    matched = [(row_match(r, subject), r) for r in rows if all(p in r.cells for p in periods)]
    scored = sorted(((round(match - RANK_PENALTY * r.rank, 6), -r.rank, match, r) for match, r in matched), key=lambda x: (x[0], x[1]), reverse=True)
    if not scored or scored[0][2] < 0.5:
        return None
    best = scored[0]
    for score, rank, _, row in scored[1:]:
        if score < best[0] or rank != best[1]:
            break  # a lower-ranked piece of evidence naming it as well does not make it ambiguous
        if [parse_number(row.cells[p]) for p in periods] != [parse_number(best[3].cells[p]) for p in periods]:
            return None  # two rows name the subject equally well and disagree
    return best[3]


def _same_group(row: Row, chosen: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]] | None:
    """The cells chosen for the periods, all under one column heading: where they fall under different
    ones (2019's first column a total, 2018's under "Net additions"), the cells of the first heading
    every period has; None when no heading has them all."""
    counts = Counter(p for p, _, _ in row.under)
    if len(chosen) < 2 or max(counts.values(), default=0) < 2:
        return chosen  # no period heads two columns: nothing to choose
    heads = {p: h or next((g for q, g, c in row.under if q == p and c == cell), "") for p, (cell, h) in chosen.items()}
    if len(set(heads.values())) == 1:
        return chosen
    common = [g for g in dict.fromkeys(g for _, g, _ in row.under) if g and all(any(q == p and h == g for q, h, _ in row.under) for p in chosen)]
    if not common:
        return None
    return {p: (next(c for q, h, c in row.under if q == p and h == common[0]), common[0]) for p in chosen}


def named_row(subject: set[str], periods: list[str], evidence: Sequence[Evidence], columns: set[str] | None = None) -> Row | None:
    """The row best naming ``subject`` that has every period; where the question's words (``columns``)
    name the column heading read under the periods, the row named by the rest of them."""
    rows = [row for rank, item in enumerate(evidence) for row in table_rows(item, rank) + year_rows(item, rank)]
    row = best_row(rows, subject, periods)
    named = _heading_named([r for r in rows if r.under], periods, columns or set())
    if named and subject - named:  # "the percent of total sales from APAC": the row is named by what the column is not
        by_column = best_row(rows, subject - named, periods)
        if by_column is not None and by_column.under:
            row = by_column
    return row


def from_tables(subject: set[str], periods: list[str], evidence: Sequence[Evidence], columns: set[str] | None = None) -> list[Operand] | None:
    """The figures of the row best naming ``subject`` in each period; where a period heads several
    columns, the one whose heading ``columns`` (the question's words) name better than the first."""
    row = named_row(subject, periods, evidence, columns)
    if row is None:
        return None
    chosen = _same_group(row, {p: _column_cell(row, p, columns or set()) for p in periods})
    if chosen is None:
        return None
    operands = []
    for p in periods:
        cell, heading = chosen[p]
        label = f"{row.label} ({heading})" if heading else row.label
        operands.append(Operand(label, p, NIL, 0.0, row.n) if _DASH.fullmatch(cell) else Operand(label, p, clean(cell), parse_number(clean(cell)) or 0.0, row.n))
    return operands if all(o.raw == NIL or parse_number(o.raw) is not None for o in operands) else None


def unlabeled_total(item: Evidence, period: str) -> Operand | None:
    """The figure in ``period`` of a row without a label that is the sum of the two or more labelled
    rows right above it (``Warranty reserve | 529`` ... ``Other | 504`` then `` | $3,571``): a total
    the table does not name; None when there is no such row or the parts do not add up to it."""
    run: list[Row] = []
    for row in table_rows(item, 0, unlabeled=True):
        if row.label:
            run.append(row)
            continue
        raw = clean(row.cells.get(period, ""))
        total = parse_number(raw)
        parts = [0.0 if _DASH.fullmatch(r.cells.get(period, "x")) else parse_number(clean(r.cells.get(period, ""))) for r in run]
        if total is not None and len(parts) >= 2 and None not in parts and abs(sum(p or 0.0 for p in parts) - total) <= 0.001 * abs(total) + 0.5:
            return Operand("Total", period, raw, total, item.n)
        run = []
    return None


def _containing(rows: list[Row], subject: set[str], period: str) -> Row | None:
    """The one row of a table whose label holds every word of a short item ("Huawei" is
    "Huawei Technologies Co., Ltd."), None when none or several do."""
    wanted = {root(t) for t in subject}
    holding = [r for r in rows if period in r.cells and wanted and wanted <= {root(t) for t in terms(_NOTE_MARK.sub(" ", r.label))}]
    return holding[0] if len(holding) == 1 else None


def sum_of_rows(subjects: list[set[str]], period: str, evidence: Sequence[Evidence]) -> Operand | None:
    """One operand that is the sum of several rows, each named by one subject, all in one table (the
    best-ranked table naming every one of them, each a different row); None when no table does."""
    for rank, item in enumerate(evidence):
        rows = table_rows(item, rank)
        found = [_containing(rows, subject, period) or best_row(rows, subject, [period]) for subject in subjects]
        if any(row is None for row in found) or len({row.label for row in found if row}) != len(found):
            continue
        raws = [clean(row.cells[period]) for row in found if row]
        values = [parse_number(raw) for raw in raws]
        if None in values:
            return None
        label = " and ".join(row.label for row in found if row)
        return Operand(label, period, f"({' + '.join(raws)})", sum(v or 0.0 for v in values), item.n)
    return None


def operand_marks(operands: Sequence[Operand]) -> str:
    return ", ".join(str(n) for n in dict.fromkeys(o.n for o in operands))


def question_years(question: str, aggregate: bool = False) -> list[str]:
    """The periods a question names (``FY19`` is 2019); for an aggregate, a range ``2017-2019``
    (or ``from 2017 to 2019``) includes the years between.

    >>> question_years("average sales from 2017 to 2019?", aggregate=True)
    ['2019', '2018', '2017']
    """
    text = _LONG_FY.sub(r"\1", _SHORT_FY.sub(lambda m: f"20{m.group(1)}", question))
    years = list(dict.fromkeys(YEAR.findall(text)))
    match = RANGE.search(text)
    if aggregate and match and len(years) == 2:
        first, last = sorted(int(y) for y in match.groups() if y)
        if 1 < last - first <= 5:
            return [str(y) for y in range(last, first - 1, -1)]
    return years
