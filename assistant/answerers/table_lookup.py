"""Table lookups in code: the cell a question names, the periods a table covers, the period in which a
row is highest or lowest.

Tables come as ``|``-rendered evidence (``label | 2019 | 2018`` rows under a header of periods, see
:func:`assistant.answerers.table_rows.table_rows`). A question names a row ("What was the amount of
Cash-settled awards in 2019?") and one or more periods; the row is the best label match among the
evidence tables (ties go to the better-ranked evidence). The answer quotes the cell and cites it, and
``Draft.values`` carries the bare cells so an evaluation scores the value, not the sentence.

Example:
    >>> table = " | 2019 | 2018\\nRevenue | $5,010 | $4,320\\nCost of sales | 3,100 | 2,900"
    >>> ev = [Evidence(1, table, "s", Locator("tatqa://table/t1"), 0.9)]
    >>> lookup("What was the revenue in 2019?", ev).text
    'Revenue in 2019: $5,010 [1].'
    >>> lookup("In which year was cost of sales higher?", ev).values
    ('2019',)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answerers.arithmetic import as_written
from assistant.answerers.base import Draft
from assistant.answerers.grid import best_cell, cell_draft, grid_respective, ordinal_cell, with_unit
from assistant.answerers.table_rows import RANK_PENALTY, Row, best_row, label_match, question_years, row_match, subject_terms, table_rows
from assistant.lexical import root, terms
from assistant.answerers.table_spans import row_extreme, row_names
from assistant.numbers import parse_number
from assistant.types import Evidence, Locator  # noqa: F401  (Locator used in the doctest)

CLOSE_CELL = 0.9  # a row-and-column cell matching the question this well is no loose match (a sentence does not override it)
CELL_MARGIN = 0.0  # how much better a row-and-column cell must name the question than the best row
_CELL = re.compile(r"^(?:\$\s*)?\(?-?\$?\s*-?\d[\d,]*(?:\.\d+)?\)?\s*%?$")
_WHICH_YEAR = re.compile(r"\b(which|what) (fiscal )?(year|period|fy)\b|\bin which\b.*\byear\b", re.I)
_RESPECTIVE = re.compile(r"\brespective(?:ly)?\b", re.I)
_CHANGE_WORDS = re.compile(r"\b(change|difference|increase|decrease|average|total of|sum|ratio|percentage|proportion)\b", re.I)
_HIGHER = re.compile(r"\b(higher|highest|larger|largest|greater|greatest|more|most|bigger|biggest|maximum|max|increase[ds]?)\b", re.I)
_LOWER = re.compile(r"\b(lower|lowest|smaller|smallest|less|least|fewer|fewest|minimum|min|decrease[ds]?)\b", re.I)
# reasons and yes/no questions are not answered by one cell ("What drove ...", "Did ... increase?")
_NOT_A_LOOKUP = re.compile(r"^\s*(why|how (did|does|do|has|have|is|was)|what (drove|caused|led|were the drivers)|(is|are|was|were|does|did|has|have|will) \w)", re.I)
_YEARS_COVERED = re.compile(
    r"\b(which|what) (fiscal )?years\b.*\b(table|provide|information|include|included|presented|shown|calculated|given|reported)\b"
    r"|\bwhat (are|were) the (fiscal )?years\b"
    r"|\b(which|what) (financial |fiscal )?(years|periods)['’]?\b.*\b(shown|presented|included|provided|given) in the table\b"
    r"|\b(for|in) which (financial |fiscal )?(years|periods)\b.*\b(shown|presented|included|provided|given|disclosed)\b"
    r"|\b(in|for) which (fiscal )?years?(\(s\))? (is|are|was|were)\b.*\b(recorded|provided|reported|included|presented|given|shown|calculated|disclosed)\b",
    re.I,
)


# "How many years did net income exceed $30,000 thousand?" / "Which years did ... exceed ...?" / "In
# which year was ... less than 15,000 thousands?": the periods of a row beyond a threshold
_COUNT_BEYOND = re.compile(
    r"^\s*(?:how many|(?:in |for )?which(?: of the)?) (?:fiscal )?(?:years?|periods?|quarters?)(?:\(s\))?(?=\W)(.*?)\b(exceed(?:ed|s)?|(?:go|went|be|was|were|is|are) (?:above|over|more than|greater than|higher than|below|under|less than|lower than)|above|over|more than|greater than|higher than|below|under|less than|lower than|fall below|fell below)\s*\$?\s?(-?\d[\d,]*(?:\.\d+)?)",
    re.I,
)
_BELOW = re.compile(r"below|under|less|lower", re.I)


def _count_beyond(question: str, rows: list[Row]) -> Draft | None:
    """How many periods of the named row lie above (or below) the figure the question gives, in the
    table's own units ("exceed $15,000 thousand" over a table in thousands compares with 15,000)."""
    match = _COUNT_BEYOND.search(question)
    if match is None:
        return None
    threshold = parse_number(match.group(3))
    row = best_row(rows, subject_terms(match.group(1)), [])
    if row is None or threshold is None:
        return None
    values = {p: parse_number(raw) for p, raw in row.cells.items()}
    if len(values) < 2 or any(v is None for v in values.values()):
        return None
    below = bool(_BELOW.search(match.group(2)))
    chosen = [p for p, v in values.items() if v is not None and (v < threshold if below else v > threshold)]
    side = "below" if below else "above"
    listed = "; ".join(f"{row.cells[p]} in {p}" for p in sorted(values, reverse=True))
    if not question.lstrip().lower().startswith("how many"):  # which periods
        if not chosen:
            return None
        picked = sorted(chosen, reverse=True)
        return Draft(f"{row.label} is {side} the figure asked about in {', '.join(picked)} ({listed}) [{row.n}].", values=tuple(picked))
    text = f"{row.label} is {side} the figure asked about in {len(chosen)} of the {len(values)} periods shown ({listed}) [{row.n}]."
    return Draft(text, computed=(float(len(chosen)), float(len(values))), values=(str(len(chosen)),))


def _rows(evidence: Sequence[Evidence]) -> list[Row]:
    return [row for rank, item in enumerate(evidence) for row in table_rows(item, rank)]


_TABLE_YEAR = re.compile(r"(?<![\d,.$])(?:19|20)\d{2}(?![\d,])")


def _years_headed(evidence: Sequence[Evidence]) -> Draft | None:
    """The years a table states in its headings when no header row of periods keys its rows ("December
    31, 2019" over one block of rows, "December 31, 2018" over the next)."""
    for item in evidence:
        lines = [line for line in item.text.splitlines() if " | " in f" {line} "]
        heads = [line.split("|")[0] for line in lines if not any(_CELL.match(c.strip()) for c in line.split("|")[1:])]
        years = sorted({y for head in heads for y in _TABLE_YEAR.findall(head)}, reverse=True)
        if len(lines) >= 2 and years:
            return Draft(f"The table gives {', '.join(years)} [{item.n}].", values=tuple(years))
    return None


def _years_covered(question: str, rows: list[Row]) -> Draft | None:
    """The periods of the table holding the row the question names (or of the first table)."""
    row = best_row(rows, subject_terms(question), []) or (rows[0] if rows else None)
    if row is None:
        return None
    years = sorted({p for r in rows if r.n == row.n for p in r.cells}, reverse=True)  # the whole table's periods
    return Draft(f"The table gives {', '.join(years)} [{row.n}].", values=tuple(years))


def _extreme(question: str, rows: list[Row], years: list[str]) -> Draft | None:
    """The period in which the named row is highest (or lowest)."""
    higher, lower = _HIGHER.search(question), _LOWER.search(question)
    if bool(higher) == bool(lower):
        return None
    row = best_row(rows, subject_terms(question), years)
    if row is None:
        return None
    values = {p: parse_number(raw) for p, raw in row.cells.items() if not years or p in years}
    known = {p: v for p, v in values.items() if v is not None}
    if len(known) < 2 or len(set(known.values())) < len(known):
        return None
    pick = (max if higher else min)(known, key=lambda p: known[p])
    cells = ", ".join(f"{row.cells[p]} in {p}" for p in sorted(known, reverse=True))
    word = "highest" if higher else "lowest"
    return Draft(f"{row.label} was {word} in {pick} ({cells}) [{row.n}].", values=(pick,))


def _names_more(column: str, label: str, subject: set[str]) -> bool:
    """Whether a column heading names words of the question that the row label lacks."""
    have = {root(t) for t in terms(_TABLE_YEAR.sub(" ", label))}
    return bool({root(t) for t in terms(_TABLE_YEAR.sub(" ", column))} & {root(t) for t in subject} - have)


def _cells(question: str, rows: list[Row], years: list[str], evidence: Sequence[Evidence] = ()) -> Draft | None:
    """The named row's cell in each named period; for one period, a cell whose row and column words
    together name the question better than the best row's label does ("the net sales in APAC in 2017"
    is the APAC row under "Fiscal Year 2017 / Net Sales", not a "Net sales" row elsewhere)."""
    subject = subject_terms(question)
    row = best_row(rows, subject, years)
    found = best_cell(question, evidence, RANK_PENALTY) if len(years) == 1 and evidence else None
    if found is not None:
        score, cell = found  # both matches lowered by the rank of their evidence
        named = row_match(row, subject) - RANK_PENALTY * row.rank if row is not None else 0.0
        if score > named + CELL_MARGIN:
            return cell_draft(cell)
        if row is not None and (cell.n, cell.row) == (row.n, row.label) and _names_more(cell.column, row.label, subject):
            return cell_draft(cell)  # the same row, in the column group the question names ("financial liabilities")
    if row is None:
        return None
    cells = [row.cells[p] for p in years]
    said = "; ".join(f"{row.cells[p]} in {p}" for p in years) if len(years) > 1 else cells[0]
    when = "" if len(years) > 1 else f" in {years[0]}"
    return Draft(f"{row.label}{when}: {said} [{row.n}].", values=tuple(with_unit(c, row.label) for c in cells))


_HOW_MANY_PARTS = re.compile(
    r"^\s*how many (?:major |different |main )?(?:components|categories|types|kinds|items|elements|line items)\b(?: of)?(?: are there)?"
    r"(?: (?:under|in|of|within|making up|that make up))?(?: the)? (.+?)(?: are there| is there)?(?: in the table)?\s*\??\s*$",
    re.I,
)
_SUBTOTAL = re.compile(r"^\s*(total|gross|subtotal)\b", re.I)


def _parts_count(question: str, evidence: Sequence[Evidence]) -> Draft | None:
    """"How many components are there under deferred tax assets?": the figure rows under the heading
    row naming it, or above the total row naming it ("Total stock-based compensation expense"), down
    to the next heading or subtotal."""
    match = _HOW_MANY_PARTS.match(question)
    if match is None or re.search(r"\d", _TABLE_YEAR.sub(" ", match.group(1))):
        return None  # "... exceeded $50,000 in 2019" compares figures (see _count_beyond)
    subject = {t for t in subject_terms(match.group(1)) if t != "total"}
    for item in evidence:
        lines = [[c.strip() for c in line.split("|")] for line in item.text.splitlines() if " | " in f" {line} "]
        figures = [bool(row[0]) and any(_CELL.match(c) for c in row[1:] if c) for row in lines]
        for i, row in enumerate(lines):
            label = row[0]
            if not label or label_match(re.sub(r"(?i)^\s*total\s+", "", label), subject) < 0.8:
                continue
            if not figures[i]:  # a heading: the rows beneath it
                span = list(range(i + 1, len(lines)))
            elif _SUBTOTAL.match(label):  # a total: the rows above it
                span = list(range(i - 1, -1, -1))
            else:
                continue
            parts = []
            for j in span:
                if not figures[j] or _SUBTOTAL.match(lines[j][0]):
                    break
                parts.append(lines[j][0])
            if len(parts) >= 2:
                names = sorted(parts, key=lambda x: [lines[j][0] for j in range(len(lines))].index(x))
                return Draft(f"{label} has {len(parts)} parts: {'; '.join(names)} [{item.n}].", computed=(float(len(parts)),), values=(str(len(parts)),))
    return None


_SPAN = re.compile(r"\b((?:19|20)\d{2})\s*(?:to|through|-|–)\s*((?:19|20)\d{2})\b.*\brespectively\b", re.I)


def _spanned(question: str) -> list[str]:
    """The years of "for fiscal years 2019 to 2017 respectively", each in the order asked; [] for
    other questions (a change "from 2018 to 2019" names two periods, not a span)."""
    match = _SPAN.search(question)
    if match is None:
        return []
    first, last = int(match.group(1)), int(match.group(2))
    if not 0 < abs(first - last) <= 10:
        return []
    step = 1 if last > first else -1
    return [str(y) for y in range(first, last + step, step)]


def loose_cell(question: str, evidence: Sequence[Evidence]) -> bool:
    """Whether the lookup's answer is one period's cell of a row whose label names the question's
    subject only in part (``row_match`` below 1), so a sentence naming it whole may answer better."""
    years = question_years(question)
    if len(years) != 1 or _WHICH_YEAR.search(question) or _NOT_A_LOOKUP.search(question):
        return False
    subject = subject_terms(question)
    row = best_row(_rows(evidence), subject, years)
    if row is None or row_match(row, subject) >= 1.0:
        return False
    found = best_cell(question, evidence, RANK_PENALTY)  # the lookup's cell, when its row and column name it closely
    named = row_match(row, subject) - RANK_PENALTY * row.rank
    return not (found is not None and found[0] > named + CELL_MARGIN and found[0] >= CLOSE_CELL)


def lookup(question: str, evidence: Sequence[Evidence]) -> Draft | None:
    """A cited table value answering ``question``, or None when no table row clearly answers it."""
    return as_written(_lookup(question, evidence), evidence)


def _lookup(question: str, evidence: Sequence[Evidence]) -> Draft | None:
    parts = row_names(question, evidence) or (None if _WHICH_YEAR.search(question) else row_extreme(question, evidence))
    if parts is not None:  # the labels of a heading's parts; the row with the highest figure of a column
        return parts
    if not _NOT_A_LOOKUP.search(question) and not _CHANGE_WORDS.search(question):
        nth = ordinal_cell(question, evidence)  # "... during the second month": the second month's row
        if nth is not None:
            return nth
    if _HOW_MANY_PARTS.match(question):
        return _parts_count(question, evidence)
    rows = _rows(evidence)
    if _YEARS_COVERED.search(question) and not _NOT_A_LOOKUP.search(question):
        return _years_covered(question, rows) if rows else _years_headed(evidence)
    if not rows or _NOT_A_LOOKUP.search(question):
        return None
    if _COUNT_BEYOND.search(question):
        return _count_beyond(question, rows)
    years = _spanned(question) or question_years(question)
    if _WHICH_YEAR.search(question):
        return _extreme(question, rows, years)
    if len(years) == 1 and _RESPECTIVE.search(question):  # "the X and Y of 2018, respectively": two cells, not one
        return grid_respective(question, evidence) or _cells(question, rows, years, evidence)
    if years:
        return _cells(question, rows, years, evidence)
    return None
