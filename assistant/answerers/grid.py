"""Table cells named by a row and a column heading that is not a period.

Many filing tables head their columns with something other than years: a roll-forward of shares
(``| Number of Shares | Weighted-Average Exercise Price``, rows ``Outstanding at September 30,
2018``), contractual obligations by due date (``| Total | Less than 1 year | 1-3 years``), a restatement
(``| As reported | Adjustments | Balances without adoption``). A question names the cell by words of
its row and of its column ("the number of shares outstanding as of September 30, 2018", "the total
capital leases", "the Deferred Revenue as reported"); the cell whose row and column words best cover
the question's is the answer when it is the only best one (ties with other values give None), its row
shares a word with the question, and every year the question names is written in its row or column.

Example:
    >>> table = " | Total | Less than 1 year\\nOperating leases | $19,437 | $4,143\\nCapital leases | 65 | 27"
    >>> ev = [Evidence(1, table, "s", Locator("tatqa://table/t1"), 0.9)]
    >>> grid_lookup("What is the total capital leases?", ev).values
    ('65',)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answerers.table_rows import CELL_NUMBER, label_match, question_years, subject_terms
from assistant.lexical import root, terms
from assistant.answerers.base import Draft
from assistant.numbers import parse_number
from assistant.types import Evidence, Locator  # noqa: F401  (Locator used in the doctest)

_YEAR = re.compile(r"(?<![\d,.])(?:19|20)\d{2}(?![\d,])")
_DASH = re.compile(r"\$?\s*[—–-]{1,2}")
_NOT_A_LOOKUP = re.compile(
    r"^\s*(why|how (did|does|do|has|have|is|was)|what (drove|caused|led|were the drivers)|(is|are|was|were|does|did|has|have|will) \w)"
    r"|\b(chang\w*|difference|increas\w*|decreas\w*|average|ratio|percentage|proportion|sum|combined|which|when|respective\w*)\b"
    r"|^\s*what (do|does|did)\b|\b(consist\w*|includ\w*|compris\w*|represent\w*|refer\w*|reflect\w*|related to|mean\w*|defin\w*|components?)\b",
    re.I,
)
MIN_SCORE = 0.5


@dataclass(frozen=True)
class Cell:
    row: str
    column: str
    raw: str
    n: int
    rank: int
    section: str = ""  # the label-only row above a block of rows ("2019:" over "Fourth Quarter")

    @property
    def line(self) -> str:
        """The row's label with its section's."""
        return f"{self.section.rstrip(':')} {self.row}".strip()


def cells(item: Evidence, rank: int) -> list[Cell]:
    """The numeric cells of a ``|``-rendered table with their row label, column heading (the heading
    lines above the first row of figures, joined per column) and section (the last label-only row
    above them); [] when rows and headings do not line up cell for cell."""
    lines = [[c.strip() for c in line.split("|")] for line in item.text.splitlines() if " | " in f" {line} "]
    heads: list[list[str]] = []
    found: list[Cell] = []
    section = ""
    block: list[list[str]] = []  # the labelled rows of figures since the section heading
    heading = True  # reading heading rows (until the first row of figures after them)
    for row in lines:
        numeric = [i for i, c in enumerate(row[1:], 1) if c and CELL_NUMBER.match(c.replace("−", "-")) and not _YEAR.fullmatch(c)]
        if row[0] and not any(row[1:]) and (heads or found):
            section, block = row[0], []  # a label over the rows beneath it, not a heading of the columns
            continue
        if not numeric and (not found or (not row[0] and any(row[1:]) and (heading or _YEAR.search(" ".join(row))))):
            if not heading:  # a second block of the table under its own headings (" | Fiscal 2018 |")
                heads, section, block = [], "", []
            heads.append(row)
            heading = True
            continue
        heading = False
        if not heads or any(len(h) != len(row) for h in heads):
            continue
        label = row[0] or ("Total" if _adds_up(block, row, numeric) else "")
        block = [] if not row[0] else block + [row]
        if not label:
            continue
        for i in numeric:
            found.append(Cell(label, _column(heads, i), row[i], item.n, rank, section))
    return found


def _adds_up(block: list[list[str]], row: list[str], numeric: list[int]) -> bool:
    """Whether an unlabelled row of figures is the sum of the rows above it (since the section
    heading or the last unlabelled row), to within their rounding: then it is their total."""
    if len(block) < 2 or not numeric:
        return False
    for i in numeric:
        total = parse_number(row[i])
        parts = [parse_number(r[i]) if i < len(r) and r[i] and not _DASH.fullmatch(r[i]) else 0.0 for r in block]
        if total is None or any(p is None for p in parts):
            return False
        places = max(len(c.split(".")[1]) if "." in c else 0 for c in [row[i]] + [r[i] for r in block if i < len(r)])
        if abs(sum(p for p in parts if p is not None) - total) > 0.5 * len(block) * 10.0**-places + 1e-9:
            return False
    return True


def _groups(head: list[str]) -> bool:
    """Whether a heading row heads equal groups of columns: two or more headings, each followed by
    the same number of empty cells up to the next or the end (" | A |  | B | ")."""
    at = [i for i, c in enumerate(head) if i and c]
    if len(at) < 2:
        return False
    width = at[1] - at[0]
    return width >= 2 and all(b - a == width for a, b in zip(at, at[1:])) and at[-1] + width == len(head)


def _column(heads: list[list[str]], i: int) -> str:
    """Column ``i``'s heading: its cell of each heading row, or a heading row's only text when it
    names a year, which spans the columns (" |  |  | Fiscal 2019 | " over " | First | Second | Third")."""
    words = []
    for k, h in enumerate(heads):
        filled = [c for c in h[1:] if c]
        if h[i]:
            words.append(h[i])
        elif len(filled) == 1 and len(h) > 3 and _YEAR.search(filled[0]):
            words.append(filled[0])
        elif k < len(heads) - 1 and _groups(h):
            # a group heading over the columns up to the next one (" | Financial assets |  | Financial liabilities | ")
            words.append(next((c for c in reversed(h[1:i]) if c), ""))
    return " ".join(w for w in words if w)


_PERCENT_LABEL = re.compile(r"\(%\)|%\s*$|^\s*%|\bin %|\bper ?cent\b|\(percent\)", re.I)


def with_unit(raw: str, *labels: str) -> str:
    """A cell as its value: ``22.9`` under a row or column headed ``(%)`` is 22.9%.

    >>> with_unit("22.9", "Gross margin (%)")
    '22.9%'
    """
    if "%" not in raw and any(_PERCENT_LABEL.search(label) for label in labels):
        return f"{raw.strip()}%"
    return raw


def _years(text: str) -> set[str]:
    return set(_YEAR.findall(text))


def best_cell(question: str, evidence: Sequence[Evidence], penalty: float = 0.0) -> tuple[float, Cell] | None:
    """The one cell whose row (with its section) and column words best match the question, with its
    match lowered by ``penalty`` per place its evidence ranks below the first; None when none reaches
    :data:`MIN_SCORE` or two of the best-ranked evidence fit equally well and disagree."""
    subject = subject_terms(question)
    years = set(question_years(question))
    scored = []
    for rank, item in enumerate(evidence):
        for cell in cells(item, rank):
            if label_match(cell.line, subject) <= 0 or not years <= _years(f"{cell.line} {cell.column}"):
                continue
            score = label_match(f"{cell.row} {cell.column}", subject)
            if cell.section and _covered(cell.row, subject) > 0.5:  # the section names the rest ("Domestic-state" under "Net operating loss carryforwards")
                score = max(score, label_match(f"{cell.line} {cell.column}", subject))
            if score >= MIN_SCORE:
                scored.append((score - penalty * cell.rank, -cell.rank, cell))
    if not scored:
        return None
    scored.sort(key=lambda x: (x[0], x[1]), reverse=True)
    best_score, best_rank, best = scored[0]
    for score, rank, cell in scored[1:]:
        if score < best_score or rank != best_rank:
            break
        if parse_number(cell.raw) != parse_number(best.raw):
            return None  # two cells fit equally well and disagree
    return best_score, best


def _covered(label: str, subject: set[str]) -> float:
    """The share of a label's words the question has."""
    have = {root(t) for t in terms(label)}
    return len(have & {root(t) for t in subject}) / len(have) if have else 0.0


def cell_draft(cell: Cell) -> Draft:
    """A cell quoted with its row, section and column, and its bare value."""
    where = re.sub(r"\.(?=\s)", "", f"{cell.line}, {cell.column}" if cell.column else cell.line)  # "vs." ends no sentence
    return Draft(f"{where}: {cell.raw} [{cell.n}].", values=(with_unit(cell.raw, cell.row, cell.column),))


def grid_lookup(question: str, evidence: Sequence[Evidence]) -> Draft | None:
    """The one cell whose row and column words best match the question, or None."""
    if _NOT_A_LOOKUP.search(question):
        return None
    found = best_cell(question, evidence)
    return cell_draft(found[1]) if found else None


_RESPECTIVE = re.compile(r"\brespective(ly)?\b", re.I)
_PARTS = re.compile(r"^(.*\S)\s+and\s+(\S.*)$", re.I)
_LIST = re.compile(r",\s*(?:the\s+)?[\w-]+(?:\s+[\w-]+)?\s*$")  # "A, B and C": the words before "and" end a list


def _best(options: dict[str, set[str]], wanted: set[str]) -> str | None:
    """The one option sharing most words with ``wanted`` (None when none shares any, or two tie)."""
    scored = sorted(((len(words & wanted), name) for name, words in options.items()), reverse=True)
    if not scored or scored[0][0] == 0 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]


def _latest_first(scored: list[tuple[float, str]]) -> list[tuple[float, str]]:
    """Of equally matched columns that differ only in their year ("Fiscal 2019 Net Sales", "Fiscal
    2018 Net Sales"), the latest alone: the current figure, when the question names no period."""
    top = [name for score, name in scored if scored and score == scored[0][0]]
    if len(top) < 2 or len({_YEAR.sub("", name) for name in top}) > 1 or not all(_YEAR.search(name) for name in top):
        return scored
    latest = max(top, key=lambda name: max(_YEAR.findall(name)))
    return [(score, name) for score, name in scored if name == latest or name not in top]


def grid_respective(question: str, evidence: Sequence[Evidence]) -> Draft | None:
    """"The respective values of X that are less than one year and between 2-5 years": one row (the
    best match of the whole question, with its years) and the two columns the two parts name, or one
    column and two rows."""
    match = _PARTS.match(question.strip().rstrip("?"))
    if not _RESPECTIVE.search(question) or match is None or _LIST.search(match.group(1)):
        return None  # "federal, state and foreign ...": three parts, not two
    parts = [set(terms(match.group(1))), set(terms(match.group(2)))]
    subject = subject_terms(question)
    years = set(question_years(question))
    for rank, item in enumerate(evidence):
        found = [c for c in cells(item, rank) if years <= _years(f"{c.line} {c.column}") or not years]
        for fixed, varying in (("line", "column"), ("column", "line")):
            names = {getattr(c, fixed): c.row if fixed == "line" else c.column for c in found}
            scored = sorted(((max(label_match(name, subject), label_match(own, subject)), name) for name, own in names.items()), reverse=True)
            if fixed == "column" and not years:
                scored = _latest_first(scored)
            if not scored or (len(scored) > 1 and scored[1][0] == scored[0][0]):
                continue
            if scored[0][0] <= 0 and not (years and len(scored) == 1):  # the one column of the year asked about
                continue
            line = [c for c in found if getattr(c, fixed) == scored[0][1]]
            options = {getattr(c, varying): {t for t in terms(getattr(c, varying))} for c in line}
            picked = [_best(options, part) for part in parts]
            if None in picked or picked[0] == picked[1]:
                continue
            chosen = [next(c for c in line if getattr(c, varying) == name) for name in picked]
            said = "; ".join(f"{c.raw} ({c.line}, {c.column})" for c in chosen)
            said = re.sub(r"\.(?=\s)", "", said)
            return Draft(f"{said} [{item.n}].", values=tuple(with_unit(c.raw, c.row, c.column) for c in chosen))
    return None


_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "last": -1, "final": -1}
_ORDINAL_MONTH = re.compile(r"\b(first|second|third|fourth|fifth|sixth|last|final) (?:month|monthly period)\b", re.I)
_MONTH = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d", re.I)


def ordinal_cell(question: str, evidence: Sequence[Evidence]) -> Draft | None:
    """"The number of shares purchased during the second month": in a table whose rows are months
    ("January 26, 2019 - February 22, 2019"), the cell of the second such row in the column the
    question's words name best (one column, no tie)."""
    match = _ORDINAL_MONTH.search(question)
    if match is None:
        return None
    subject = subject_terms(_ORDINAL_MONTH.sub(" ", question))
    for rank, item in enumerate(evidence):
        found = cells(item, rank)
        months = list(dict.fromkeys(c.row for c in found if _MONTH.search(c.row)))
        if len(months) < 2:
            continue
        place = _ORDINALS[match.group(1).lower()]
        if place > len(months):
            return None
        row = months[place - 1] if place > 0 else months[-1]
        scored = sorted(((label_match(c.column, subject), c.column) for c in found if c.row == row), reverse=True)
        if not scored or scored[0][0] < MIN_SCORE or (len(scored) > 1 and scored[1][0] == scored[0][0]):
            return None
        cell = next(c for c in found if c.row == row and c.column == scored[0][1])
        return cell_draft(cell)
    return None
