"""Arithmetic on two cells of one table whose columns are not periods.

A question naming two things and an operation on them ("the difference between Workforce reduction
and Facility costs for the balance payable as at June 30, 2019", "the percentage of the operating
leases of more than 5 years in the total operating leases") reads, in one table, the line (row or
column) the whole question names best and, along it, the two cells whose headings the two parts
name. Used by :func:`assistant.answerers.arithmetic.compute` when no period-keyed row answers.
None when unsure: no line or two lines named equally well, a part naming no heading or two
equally, both parts naming the same heading, or the two orientations (row fixed, column fixed)
giving different answers.

Example:
    >>> table = "Plan | Workforce reduction | Facility costs\\nBalance as at June 30, 2019 | $1,046 | $2,949"
    >>> ev = [Evidence(1, table, "s", Locator("tatqa://table/t1"), 0.9)]
    >>> pair_operation("difference", "workforce reduction", "facility costs", "What is the difference between workforce reduction and facility costs at June 30, 2019?", ev).text
    'Difference between Facility costs and Workforce reduction (Balance as at June 30, 2019) = 2,949 − 1,046 = 1,903 [1].'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answerers.base import Draft
from assistant.answerers.grid import Cell, cells
from assistant.answerers.table_rows import clean, label_match, subject_terms
from assistant.lexical import terms
from assistant.numbers import format_number, parse_number
from assistant.types import Evidence, Locator  # noqa: F401  (Locator used in the doctest)

_YEAR = re.compile(r"(?<![\d,.])(?:19|20)\d{2}(?!\d|,\d)")  # "June 30, 2019," but not "2,019" or "2019,5"
_STOP = re.compile(r"\s*\.(?=\s|\)|$)")  # "vs." or "Total ." ends no sentence
MAX_TABLES = 3  # the best-ranked pieces of evidence looked at, in order


def _years(text: str) -> set[str]:
    return set(_YEAR.findall(text))


_NEGATION = re.compile(r"\b(?:no|not|without|excluding)\b(?!-)", re.I)  # not "non-vested", "non-current": names, not negations


def _negated(text: str) -> bool:
    return bool(_NEGATION.search(text))


def _in_years(headings: str, years: set[str]) -> bool:
    """Whether a cell may answer for the years a question names: its headings name them all, or
    name no year ("Granted" in a roll-forward to "December 31, 2019")."""
    named = _years(headings)
    return years <= named or not named


def _unique_best(scored: list[tuple[float, str]]) -> str | None:
    scored = sorted(scored, reverse=True)
    if not scored or scored[0][0] <= 0 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]


_NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "ten": "10"}


def _words(text: str) -> set[str]:
    """A heading's or a part's terms, small numbers as digits ("less than one year" is "less than 1 year")."""
    return {_NUMBER_WORDS.get(t, t) for t in terms(text)}


def _pick(options: dict[str, set[str]], part: set[str]) -> str | None:
    """The heading sharing most of the part's words, of equal counts the one they cover more of
    (None when none shares any, or two tie)."""
    return _unique_best([(len(words & part) + len(words & part) / (10 * len(words) or 1), name) for name, words in options.items()])


def _exact(options: dict[str, set[str]], part: set[str]) -> str | None:
    """The one heading whose words are exactly the part's (">360" for ">360 due" along "Total past due")."""
    same = [name for name, words in options.items() if part and words == part]
    return same[0] if len(same) == 1 else None


def _figure_cells(item: Evidence, rank: int, years: set[str]) -> list[Cell]:
    """The cells of a table holding a figure, under headings of the years asked (any, when none)."""
    return [c for c in cells(item, rank) if _in_years(f"{c.row} {c.column}", years) and parse_number(clean(c.raw)) is not None]


def _pair(found: list[Cell], subject: set[str], parts: Sequence[set[str]], whole: Sequence[set[str]], asked: set[str], years: set[str]) -> list[tuple[Cell, ...]]:
    """For each orientation, the cells along the one best-named line that the parts name (at least
    half the line's words among the words ``asked``); a line headed by exactly the ``years`` asked
    ("2020 – 2024") is named by them."""
    pairs = []
    for fixed, varying in (("row", "column"), ("column", "row")):
        names = {getattr(c, fixed) for c in found}
        by_years = [name for name in names if years and _years(name) == years and not {t for t in _words(name) if not _YEAR.fullmatch(t)}]
        line_name = by_years[0] if len(by_years) == 1 else _unique_best([(label_match(name, subject), name) for name in names])
        named = {t for t in _words(line_name or "") if not _YEAR.fullmatch(t)}
        if line_name is None or len(named & asked) < 0.5 * len(named):
            continue  # the line must be named by the question, not merely share a word with it
        line = [c for c in found if getattr(c, fixed) == line_name]
        options = {getattr(c, varying): _words(getattr(c, varying)) for c in line}
        # the line's own words name the line, not a cell along it (unless nothing else names one)
        own = [part - named if _pick(options, part - named) else part for part in parts]
        picked = [_exact(options, full - named) or _pick(options, part) for full, part in zip(whole, own)]
        if None in picked or len(set(picked)) < len(picked):
            continue
        across = [_words(name) for name in {getattr(c, fixed) for c in found} - {line_name}]  # the other rows (or columns)
        if any(len(options[name] & part) < max((len(w & part) for w in across), default=0) for name, part in zip(picked, own)):
            continue  # a part names a heading across the line better: it is not a cell along it
        pairs.append(tuple(next(c for c in line if getattr(c, varying) == name) for name in picked))
    return pairs


def _result(operation: str, a: float, b: float, fraction: bool) -> tuple[float, str] | None:
    if operation in {"difference", "change"}:
        return round(a - b, 2), "−"
    if operation == "sum":
        return round(a + b, 2), "+"
    if b == 0:
        return None
    if operation == "share" and abs(a) > 10 * abs(b):
        return None  # a part ten times its whole is a misreading, not a share
    if operation == "share" and not fraction:
        return round(a / b * 100, 2), "/"
    if operation == "percentage change":
        return round((a - b) / b * 100, 2), "−"
    return round(a / b, 2), "/"


def pair_operation(operation: str, first: str, second: str, question: str, evidence: Sequence[Evidence], fraction: bool = False) -> Draft | None:
    """``first`` − ``second`` ("difference", or "change" from ``second`` to ``first``), + ("sum"),
    / ("ratio"), / × 100 ("share"; a plain fraction when ``fraction``) or (``first`` − ``second``) /
    ``second`` × 100 ("percentage change") over the two cells of one table the parts name, or None."""
    whole = (_words(first), _words(second))
    parts = (whole[0] - whole[1] or whole[0], whole[1] - whole[0] or whole[1])  # what tells the two apart
    if not parts[0] or not parts[1] or parts[0] == parts[1]:
        return None
    subject = {_NUMBER_WORDS.get(t, t) for t in subject_terms(question)}
    years = _years(question)
    for rank, item in enumerate(evidence[:MAX_TABLES]):
        found = _figure_cells(item, rank, years)
        headed = {w for c in found for w in _words(f"{c.row} {c.column}")}
        unheaded = [{w for w in part if not _YEAR.fullmatch(w)} - headed for part in whole]
        if any(len(left) >= 2 and len(left) * 2 >= len(part) for left, part in zip(unheaded, whole)):
            continue  # a part mostly named by words this table does not have is about another table
        pairs = _pair(found, subject, parts, whole, _words(question), years)
        values = {(parse_number(clean(a.raw)), parse_number(clean(b.raw))) for a, b in pairs}
        if len(values) != 1:
            continue  # nothing found here, or the two orientations disagree
        a, b = pairs[0]
        x, y = values.pop()
        if operation == "difference" and (x or 0.0) < (y or 0.0):
            a, b, first, second, x, y = b, a, second, first, y, x  # "the difference between A and B": the larger less the smaller
        if any(_negated(f"{c.row} {c.column}") != _negated(text) for c, text in ((a, first), (b, second))):
            return None  # "on which interest is earned" is not the row "on which no interest is earned"
        if ("%" in a.raw) != ("%" in b.raw):
            return None  # a percentage and an amount do not add, subtract or divide into a share
        shown = clean(a.raw)
        if operation == "share" and (x or 0.0) < 0 < (y or 0.0):  # a deduction in brackets as a part of a positive whole: its size
            x, shown = -(x or 0.0), f"|{shown}|"
        done = _result(operation, x or 0.0, y or 0.0, fraction)
        if done is None:
            return None
        result, sign = done
        same_row = a.row == b.row
        names = (a.column, b.column) if same_row else (a.row, b.row)
        where = a.row if same_row else a.column
        formula = f"{shown} {sign} {clean(b.raw)}"
        if operation in {"change", "percentage change"}:  # first is the later, second the earlier
            shown = f"({formula}) / {clean(b.raw)}" if operation == "percentage change" else formula
            unit = "%" if operation == "percentage change" else ""
            text = f"{operation.capitalize()} from {names[1]} to {names[0]} ({where}) = {shown} = {format_number(result)}{unit}"
            return Draft(f"{_STOP.sub('', text)} [{item.n}].", computed=(result,))
        if operation == "share" and not fraction:
            text = f"{names[0]} as a percentage of {names[1]} ({where}) = {formula} × 100 = {format_number(result)}%"
            return Draft(f"{_STOP.sub('', text)} [{item.n}].", computed=(result, 100.0))
        title = {"difference": "Difference between", "sum": "Sum of", "ratio": "Ratio of", "share": "Ratio of"}[operation]
        joint = " to " if operation in {"ratio", "share"} else " and "
        text = f"{title} {names[0]}{joint}{names[1]} ({where}) = {formula} = {format_number(result)}"
        return Draft(f"{_STOP.sub('', text)} [{item.n}].", computed=(result,))
    return None


def listed_operation(operation: str, items: Sequence[str], question: str, evidence: Sequence[Evidence]) -> Draft | None:
    """The sum or average ("sum", "average") of the cells of one table that the listed ``items`` name
    along one line ("the average of the net balances at September 30, 2019 for Cubic Transportation
    Systems, Cubic Mission Solutions and Cubic Global Defense"), or None."""
    whole = [_words(item) for item in items]
    parts = [words - set().union(*(other for j, other in enumerate(whole) if j != k)) or words for k, words in enumerate(whole)]
    if len(items) < 2 or not all(parts):
        return None
    subject = {_NUMBER_WORDS.get(t, t) for t in subject_terms(question)}
    years = _years(question)
    for rank, item in enumerate(evidence[:MAX_TABLES]):
        found = _figure_cells(item, rank, years)
        chosen = _pair(found, subject, parts, whole, _words(question), years)
        values = {tuple(parse_number(clean(c.raw)) for c in cells_) for cells_ in chosen}
        if len(values) != 1:
            continue
        picked = chosen[0]
        if len({"%" in c.raw for c in picked}) > 1:
            return None
        total = sum(v or 0.0 for v in values.pop())
        same_row = picked[0].row == picked[1].row
        names = [c.column if same_row else c.row for c in picked]
        where = picked[0].row if same_row else picked[0].column
        listed = ", ".join(names[:-1]) + f" and {names[-1]}"
        formula = " + ".join(clean(c.raw) for c in picked)
        if operation == "average":
            result = round(total / len(picked), 2)
            text = f"Average of {listed} ({where}) = ({formula}) / {len(picked)} = {format_number(result)}"
            return Draft(f"{_STOP.sub('', text)} [{item.n}].", computed=(result, float(len(picked))))
        result = round(total, 2)
        return Draft(f"{_STOP.sub('', f'Sum of {listed} ({where}) = {formula} = {format_number(result)}')} [{item.n}].", computed=(result,))
    return None
