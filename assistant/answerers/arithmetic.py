"""Arithmetic over evidence: change, percentage change, average, sum and ratio, computed in code.

The operands come from table evidence (rows ``label | v1 | v2`` under a header of periods such as
``| 2019 | 2018``) or, failing that, from sentences that give a figure next to each period
("... $5,010 in 2019 and $4,320 in 2018"). The answer shows the formula, cites every operand's
evidence, and lists the result in ``Draft.computed`` so :func:`assistant.citations.verify` accepts it.
Anything ambiguous (no row clearly named, a period missing, two candidate rows with different
values) gives None, and the caller falls back to quoting the evidence.

Example:
    >>> table = "| 2019 | 2018\\nRevenue | 5,010 | 4,320\\nCost of sales | 3,100 | 2,900"
    >>> ev = [Evidence(2, table, "s", Locator("tatqa://table/t1"), 0.9)]
    >>> draft = compute("What is the change in revenue from 2018 to 2019?", ev)
    >>> draft.text
    'Change in Revenue from 2018 to 2019 = 5,010 − 4,320 = 690 [2].'
    >>> draft.computed
    (690.0,)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.answerers.base import Draft
from assistant.chunking import split_sentences
from assistant.lexical import terms
from assistant.numbers import format_number, parse_number
from assistant.types import Evidence, Locator  # noqa: F401  (Locator used in the doctest)

_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_PERCENT_CHANGE = re.compile(r"(\bpercent(?:age)?|%)\s*(?:change|increase|decrease|growth|decline|rise|fall)|\bgrowth rate\b", re.I)
_CHANGE = re.compile(r"\b(change|difference|increase|decrease|grow|growth|decline|rise|fall|variance)\b", re.I)
_AVERAGE = re.compile(r"\b(average|mean)\b", re.I)
_SUM = re.compile(r"\b(sum|combined|in total|total of|altogether)\b", re.I)
_RATIO = re.compile(r"\bratio of (.+?) to (.+?)(?: in | for | at | during |\?|$)", re.I)
_OP_WORDS = set(
    terms(
        "percentage percent change difference increase decrease grow growth decline rise fall variance average "
        "mean sum combined ratio between year years period fiscal fy amount value respectively company"
    )
)
_LONG_FY = re.compile(r"\bFY\s?((?:19|20)\d{2})\b", re.I)
_SHORT_FY = re.compile(r"\bFY\s?'?(\d{2})\b", re.I)
_RANGE = re.compile(r"\b((?:19|20)\d{2})\s*(?:-|–|to|through)\s*((?:19|20)\d{2})\b|\bfrom ((?:19|20)\d{2}) to ((?:19|20)\d{2})\b", re.I)
_CELL_NUMBER = re.compile(r"^\(?-?\$?\s*-?\d[\d,]*(?:\.\d+)?\)?\s*%?$")
_SENTENCE_NUMBER = re.compile(r"(?<![\w.])\(?-?\$?\d[\d,]*(?:\.\d+)?\)?%?")


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


def _clean(raw: str) -> str:
    return raw.replace("$", "").replace(" ", "").strip()


def table_rows(item: Evidence, rank: int) -> list[Row]:
    """Rows of a ``|``-rendered table, each keyed by the periods of the last header row above it."""
    rows: list[Row] = []
    header: dict[int, str] = {}
    right = False  # a header of years alone ("2017 | 2016", empty cells dropped) aligns with the last cells
    for line in item.text.splitlines():
        if " | " not in f" {line} ":
            continue
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 1 and all(_YEAR.fullmatch(_clean(c)) for c in cells):
            header, right = {i: _clean(c) for i, c in enumerate(cells)}, True
            continue
        years = {i: _YEAR.search(c).group() for i, c in enumerate(cells[1:], 1) if _YEAR.search(c)}
        numeric = [i for i, c in enumerate(cells[1:], 1) if c and _CELL_NUMBER.match(c)]
        if years and (not cells[0] or not numeric or all(_YEAR.fullmatch(_clean(cells[i])) for i in numeric)):
            header, right = years, False
            continue
        if cells[0] and header:
            at = {p: (len(cells) - len(header) + i if right else i) for i, p in header.items()}
            keyed = {p: cells[i] for p, i in at.items() if 0 < i < len(cells) and _CELL_NUMBER.match(cells[i] or "x")}
            if keyed:
                rows.append(Row(cells[0], keyed, item.n, rank))
    return rows


def subject_terms(question: str, extra: str = "") -> set[str]:
    text = _YEAR.sub(" ", f"{question} {extra}")
    return {t for t in terms(text) if t not in _OP_WORDS}


def label_match(label: str, subject: set[str]) -> float:
    have = set(terms(_YEAR.sub(" ", label)))
    if not have or not subject:
        return 0.0
    shared = len(have & subject)
    if not shared:
        return 0.0
    precision, recall = shared / len(have), shared / len(subject)
    f1 = 2 * precision * recall / (precision + recall)
    if precision == 1 and shared >= 2 and len(subject) >= 6:  # a long question naming the whole label ("... total current liabilities ...")
        return max(f1, min(0.9, 0.5 + 0.1 * shared))
    return f1


def best_row(rows: list[Row], subject: set[str], periods: list[str]) -> Row | None:
    """The row whose label best matches the subject and that has every period (of equal matches, the one
    in the better-ranked evidence); None when unsure (two equal matches in one piece disagree)."""
    scored = sorted(
        ((label_match(r.label, subject), -r.rank, r) for r in rows if all(p in r.cells for p in periods)),
        key=lambda x: (x[0], x[1]),
        reverse=True,
    )
    if not scored or scored[0][0] < 0.5:
        return None
    best = scored[0]
    for score, rank, row in scored[1:]:
        if score < best[0] or rank != best[1]:
            break  # a lower-ranked piece of evidence naming it as well does not make it ambiguous
        if [parse_number(row.cells[p]) for p in periods] != [parse_number(best[2].cells[p]) for p in periods]:
            return None  # two rows name the subject equally well and disagree
    return best[2]


def _from_tables(subject: set[str], periods: list[str], evidence: Sequence[Evidence]) -> list[Operand] | None:
    rows = [row for rank, item in enumerate(evidence) for row in table_rows(item, rank)]
    row = best_row(rows, subject, periods)
    if row is None:
        return None
    operands = [Operand(row.label, p, _clean(row.cells[p]), parse_number(_clean(row.cells[p])) or 0.0, row.n) for p in periods]
    return operands if all(parse_number(o.raw) is not None for o in operands) else None


def _from_sentences(subject: set[str], periods: list[str], evidence: Sequence[Evidence]) -> list[Operand] | None:
    """Operands from a sentence naming the subject, taking the figure written just before each period."""
    for item in evidence:
        for sentence in split_sentences(item.text):
            if label_match(sentence, subject) <= 0 or len(subject & set(terms(sentence))) < max(1, 0.6 * len(subject)):
                continue
            found: list[Operand] = []
            for period in periods:
                at = [m.start() for m in re.finditer(rf"\b{period}\b", sentence)]
                numbers = [m for m in _SENTENCE_NUMBER.finditer(sentence) if not _YEAR.fullmatch(m.group().strip("()$%,"))]
                before = [m for m in numbers if at and m.end() <= at[0] and at[0] - m.end() < 40]
                if not before:
                    break
                raw = before[-1].group().rstrip(",")
                found.append(Operand(" ".join(sorted(subject)), period, _clean(raw), parse_number(_clean(raw)) or 0.0, item.n))
            if len(found) == len(periods) and len({o.raw for o in found}) == len(found):
                return found
    return None


def _operands(subject: set[str], periods: list[str], evidence: Sequence[Evidence]) -> list[Operand] | None:
    return _from_tables(subject, periods, evidence) or _from_sentences(subject, periods, evidence)


def _marks(operands: Sequence[Operand]) -> str:
    return ", ".join(str(n) for n in dict.fromkeys(o.n for o in operands))


def _change(question: str, evidence: Sequence[Evidence], years: list[str], percent: bool) -> Draft | None:
    if len(years) != 2:
        return None
    old, new = sorted(years)
    ops = _operands(subject_terms(question), [new, old], evidence)
    if ops is None:
        return None
    a, b = ops
    if percent:
        if b.value == 0:
            return None
        result = round((a.value - b.value) / abs(b.value) * 100, 2)
        text = f"Percentage change in {a.label} from {old} to {new} = ({a.raw} − {b.raw}) / {b.raw} = {format_number(result)}%"
    else:
        result = round(a.value - b.value, 2)
        text = f"Change in {a.label} from {old} to {new} = {a.raw} − {b.raw} = {format_number(result)}"
    return Draft(f"{text} [{_marks(ops)}].", computed=(result,))


def _aggregate(question: str, evidence: Sequence[Evidence], years: list[str], average: bool) -> Draft | None:
    if len(years) < 2:
        return None
    ops = _operands(subject_terms(question), years, evidence)
    if ops is None:
        return None
    total = sum(o.value for o in ops)
    formula = " + ".join(o.raw for o in ops)
    span = ", ".join(years[:-1]) + f" and {years[-1]}"
    if average:
        result = round(total / len(ops), 2)
        text = f"Average {ops[0].label} over {span} = ({formula}) / {len(ops)} = {format_number(result)}"
        return Draft(f"{text} [{_marks(ops)}].", computed=(result, float(len(ops))))
    result = round(total, 2)
    return Draft(f"Sum of {ops[0].label} over {span} = {formula} = {format_number(result)} [{_marks(ops)}].", computed=(result,))


def _ratio(question: str, evidence: Sequence[Evidence], years: list[str]) -> Draft | None:
    match = _RATIO.search(question)
    if match is None or len(years) != 1:
        return None
    top = _operands(subject_terms(match.group(1)), years, evidence)
    bottom = _operands(subject_terms(match.group(2)), years, evidence)
    if top is None or bottom is None or bottom[0].value == 0 or top[0].label == bottom[0].label:
        return None
    a, b = top[0], bottom[0]
    result = round(a.value / b.value, 2)
    text = f"Ratio of {a.label} to {b.label} in {years[0]} = {a.raw} / {b.raw} = {format_number(result)}"
    return Draft(f"{text} [{_marks([a, b])}].", computed=(result,))


_OPERATIONS: list[tuple[Callable[[str], bool], Callable[[str, Sequence[Evidence], list[str]], Draft | None]]] = [
    (lambda q: bool(_RATIO.search(q)), _ratio),
    (lambda q: bool(_PERCENT_CHANGE.search(q)), lambda q, e, y: _change(q, e, y, percent=True)),
    (lambda q: bool(_AVERAGE.search(q)), lambda q, e, y: _aggregate(q, e, y, average=True)),
    (lambda q: bool(_CHANGE.search(q)), lambda q, e, y: _change(q, e, y, percent=False)),
    (lambda q: bool(_SUM.search(q)), lambda q, e, y: _aggregate(q, e, y, average=False)),
]


def question_years(question: str, aggregate: bool = False) -> list[str]:
    """The periods a question names (``FY19`` is 2019); for an aggregate, a range ``2017-2019``
    (or ``from 2017 to 2019``) includes the years between.

    >>> question_years("average sales from 2017 to 2019?", aggregate=True)
    ['2019', '2018', '2017']
    """
    text = _LONG_FY.sub(r"\1", _SHORT_FY.sub(lambda m: f"20{m.group(1)}", question))
    years = list(dict.fromkeys(_YEAR.findall(text)))
    match = _RANGE.search(text)
    if aggregate and match and len(years) == 2:
        first, last = sorted(int(y) for y in match.groups() if y)
        if 1 < last - first <= 5:
            return [str(y) for y in range(last, first - 1, -1)]
    return years


def compute(question: str, evidence: Sequence[Evidence]) -> Draft | None:
    """A cited, computed answer to an arithmetic question over ``evidence``, or None when unsure.

    Handles change and percentage change between two periods (later minus earlier), average and
    sum over periods, and the ratio of two rows in one period. The first operation the question
    names decides; if its operands are not found unambiguously the answer is None.
    """
    aggregate = bool(_AVERAGE.search(question) or _SUM.search(question))
    years = question_years(question, aggregate)
    for applies, operation in _OPERATIONS:
        if applies(question):
            return operation(question, evidence, years or _only_periods(question, evidence, aggregate))
    return None


def _only_periods(question: str, evidence: Sequence[Evidence], aggregate: bool = False) -> list[str]:
    """When the question names no period: the two periods of the table whose row it names, if the
    row has exactly two (\"the change in X\" over a 2019 | 2018 table); for an average or a sum,
    every period of that row (\"the average X\" over 2019 | 2018 | 2017)."""
    rows = [row for rank, item in enumerate(evidence) for row in table_rows(item, rank)]
    row = best_row(rows, subject_terms(question), [])
    if row is None:
        return []
    return list(row.cells) if len(row.cells) == 2 or (aggregate and len(row.cells) > 2) else []
