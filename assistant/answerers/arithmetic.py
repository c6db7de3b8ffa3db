"""Arithmetic over evidence: change, percentage change, average, sum, ratio and share, computed in code.

The operands come from table evidence (rows ``label | v1 | v2`` under a header of periods such as
``| 2019 | 2018``) or, failing that, from sentences that give a figure next to each period
("... $5,010 in 2019 and $4,320 in 2018", or "$5,010 and $4,320 in 2019 and 2018, respectively"). The answer shows the formula, cites every operand's
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
from datetime import datetime

from assistant.answerers.base import Draft
from assistant.answerers.cell_pairs import listed_operation, pair_operation
from assistant.answerers.respectively import respective_figures
from assistant.answerers.table_rows import (
    RANGE,
    YEAR,
    Operand,
    clean,
    operand_marks,
    short_years,
    label_match,
    named_row,
    question_years,
    subject_terms,
    sum_of_rows,
)
from assistant.answerers.table_rows import from_tables as _from_tables
from assistant.answerers.shares import FRACTION, LIST, PERCENT_WORD, RATIO, listed_rows, ratio_draft, share_draft, share_parts
from assistant.chunking import split_sentences
from assistant.lexical import terms
from assistant.numbers import format_number, numbers_in, parse_number
from assistant.types import Evidence, Locator  # noqa: F401  (Locator used in the doctest)

_PERCENT_CHANGE = re.compile(r"(\bpercent(?:age)?|%)\s*(?:change|increase|decrease|growth|decline|rise|fall)|\bgrowth rate\b", re.I)
_CHANGE = re.compile(r"\b(change|difference|increase|decrease|grow|growth|decline|rise|fall|variance)\b", re.I)
_AVERAGE = re.compile(r"(?<!weighted[- ])\b(average|mean)\b", re.I)  # "weighted-average shares" names a row
_SUM = re.compile(r"\b(sum|combined|in total|total of|altogether)\b", re.I)
# "the sum of A and B in 2019": two rows in one period
_TWO_ROWS = re.compile(r"\b(?:sum|total) of (?:the )?(.+?) and (?:the )?(.+?)(?: in | for | at | as of | during |\?|$)", re.I)
# "the difference between A and B in 2019": two rows in one period
_ROW_DIFFERENCE = re.compile(r"\bdifference (?:between|in|of) (?:the )?(.+?) and (?:the )?(.+?)(?: in | for | at | as of | during |\?|$)", re.I)
# "the total X in 2018 and 2019": a sum over the periods named
_TOTAL = re.compile(r"\btotal\b", re.I)
_PERCENT_OF = re.compile(r"(?:\bpercent(?:age)?|%) of\b", re.I)
# "the change in X between the first and second quarter": the later of two ordinals minus the earlier
_ORDINAL = re.compile(r"\b(first|second|third|fourth|1st|2nd|3rd|4th)\b", re.I)
_ORDINALS = ["fir", "sec", "thi", "fou"]
_ORDINAL_SPAN = re.compile(r"\b(?:between|from) (?:the )?([^?]*?\b(?:first|second|third|fourth)\b[^?]*?) (?:and|to) (?:the )?([^?]*?\b(?:first|second|third|fourth)\b[^?]*?)(?: in | for | of |\?|$)", re.I)
_ALL_PERIODS = re.compile(r"\b(?:across|over|for|in) (?:all|the|both)(?: (?:the )?(?:two|three|2|3))? (?:fiscal )?(?:years|periods)\b", re.I)
# "... from Apple and Huawei in 2017", "... for A, B and C?": the items a question lists after its last preposition
_LISTED = re.compile(r"\b(?:of|from|for|by) (?:the )?((?:(?!\b(?:of|from|for|by)\b)[^?])*? and (?:(?!\b(?:in|for|at|as of|during)\b)[^?])+?)(?: in | for | at | as of | during |\s*\?|$)", re.I)
_AVERAGES_DIFFERENCE = re.compile(r"\b(?:difference|change) between (?:the )?((?:(?:19|20)\d{2} )?average .+?) and (?:the )?((?:(?:19|20)\d{2} )?average .+?)((?: from | for | in | between )[^?]*\??|\s*\?|$)", re.I)
_AVERAGE_CHANGE = re.compile(r"\b(?:difference|change) between ((?:19|20)\d{2}) and ((?:19|20)\d{2}) average (.+?)\s*\??$", re.I)
_DECREASE_BY = re.compile(r"\b(?:decrease|decline|drop|fall|reduction)d? by\b|\bhow much (?:did|has|have|had) [^?]+? (?:decrease|decline|drop|fall)\b", re.I)
_DATE = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}(?:, (?:19|20)\d{2})?"
_DATE_SPAN = re.compile(rf"\b(?:from|between|at) ({_DATE}) (?:to|and) ({_DATE})", re.I)
_DIFFERENCE_ONLY = re.compile(r"\bdifference\b", re.I)
_ABSOLUTE = re.compile(r"\babsolute (?:percent(?:age)? )?change\b", re.I)
# "the (percentage) change in X in 2019" with one year: the change over that year; an "increase" or
# "decrease" in one year is often a figure the text states ("an increase of $9.6 million"), and dates
# in one year ("between June 30 and December 31, 2019") are not a year's change
_OVER_THE_YEAR = re.compile(r"\bchange in (?:the )?\w[^?]* (?:in|during|for) (?:fiscal |fy ?)?(?:19|20)\d{2}\s*\??\s*$", re.I)
_NOT_OVER_THE_YEAR = re.compile(r"\b(?:increase|decrease|between|quarters?)\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d", re.I)
# "the 2019 average X": the average balance over the year, its opening (the year before's close) and its close
_YEAR_AVERAGE = re.compile(r"\b((?:19|20)\d{2}) average\b", re.I)
_YEAR_LIST = re.compile(r"\b(?:19|20)\d{2},? and (?:fiscal |fy ?)?(?:19|20)\d{2}\b", re.I)
_NOT_A_SUM = re.compile(r"\brespective(?:ly)?\b|\b(which|what) (fiscal )?(year|period)\b|\beach\b", re.I)
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_MONTH_END = re.compile(rf"\b{_MONTHS}\s*$", re.I)
_SCALE_WORD = re.compile(r"\s?(?:thousand|million|billion|bn|m)\b", re.I)
_SENTENCE_NUMBER = re.compile(r"(?<![\w.])\(?-?\$?\d[\d,]*(?:\.\d+)?\)?%?")


def _sentence_label(subject: set[str]) -> str:
    """What a figure read from a sentence is called in the formula: the subject's words, numbers left
    out (a date's day in the question is not a figure of the evidence)."""
    return " ".join(sorted(t for t in subject if not any(ch.isdigit() for ch in t))) or "value"


def _from_sentences(subject: set[str], periods: list[str], evidence: Sequence[Evidence]) -> list[Operand] | None:
    """Operands from a sentence naming the subject, taking the figure written just before each period."""
    for item in evidence:
        for sentence in split_sentences(item.text):
            if " | " in sentence or label_match(sentence, subject) <= 0 or len(subject & set(terms(sentence))) < max(1, 0.6 * len(subject)):
                continue  # rows of a table are read as a table, not as prose
            respective = respective_figures(sentence, " ".join(sorted(subject)))
            if all(p in respective for p in periods) and len(periods) > 1:
                raws = [clean(_SCALE_WORD.sub("", respective[p])) for p in periods]
                if all(parse_number(r) is not None for r in raws):
                    label = _sentence_label(subject)
                    return [Operand(label, p, r, parse_number(r) or 0.0, item.n) for p, r in zip(periods, raws)]
            found: list[Operand] = []
            for period in periods:
                at = [m.start() for m in re.finditer(rf"\b{period}\b", sentence)]
                numbers = [
                    m
                    for m in _SENTENCE_NUMBER.finditer(sentence)
                    if not YEAR.fullmatch(m.group().strip("()$%,")) and not _MONTH_END.search(sentence[: m.start()])
                ]  # years and the day of a date ("December 31, 2019") are not figures
                # the first mention of the period with a figure just before it ("... in fiscal 2019
                # compared to 2018 ..., $2.0 billion of notes during fiscal 2019")
                before = next(([m for m in numbers if m.end() <= p and p - m.end() < 40] for p in at if any(m.end() <= p and p - m.end() < 40 for m in numbers)), [])
                if not before:
                    break
                raw = before[-1].group().rstrip(",")
                found.append(Operand(_sentence_label(subject), period, clean(raw), parse_number(clean(raw)) or 0.0, item.n))
            if len(found) == len(periods) and len({o.raw for o in found}) == len(found):
                return found
    return None


def _operands(subject: set[str], periods: list[str], evidence: Sequence[Evidence], columns: set[str] | None = None) -> list[Operand] | None:
    return _from_tables(subject, periods, evidence, columns) or _from_sentences(subject, periods, evidence)


def _column_words(question: str) -> set[str]:
    """The words that may name a column under a period: the subject's, and 'percent' for "the percent
    of total sales" (a "% of Total" column), not for a percentage change."""
    return subject_terms(question) | ({"percent"} if _PERCENT_OF.search(question) else set())


def _listed_over(question: str, periods: list[str], evidence: Sequence[Evidence]) -> list[Operand] | None:
    """"The change in net sales of International and Foodservice from 2018 to 2019": in each period
    the sum of the rows the question lists, all from one table (see ``shares.listed_rows``)."""
    listed = _LISTED.search(question)
    found = [listed_rows(listed.group(1), p, evidence) for p in periods] if listed else []
    if not found or any(f is None for f in found) or len({f[0].n for f in found if f}) != 1:
        return None
    return [f[0] for f in found if f]


def _names_list(question: str, label: str) -> bool:
    """Whether a row's label holds every word of the items a question lists ("Land, property and
    equipment, net" for "land, property, and equipment"), or the question lists none."""
    listed = _LISTED.search(question)
    return listed is None or subject_terms(listed.group(1)) <= subject_terms(label)


def _rank(n: int, evidence: Sequence[Evidence]) -> int:
    return next((i for i, item in enumerate(evidence) if item.n == n), len(evidence))


def _mixed(*raws: str) -> bool:
    """Whether figures mix percentages with amounts (a high price less a share of revenue)."""
    return len({"%" in raw for raw in raws}) > 1


def _row_difference(question: str, evidence: Sequence[Evidence], years: list[str]) -> Draft | None:
    """The first named row minus the second in one period ("the difference between A and B in 2019")."""
    match = _ROW_DIFFERENCE.search(question)
    if match is None or len(years) != 1:
        return None
    first = _from_tables(subject_terms(match.group(1)), years, evidence)
    second = _from_tables(subject_terms(match.group(2)), years, evidence)
    if first is None or second is None or first[0].label == second[0].label or _mixed(first[0].raw, second[0].raw):
        return None
    a, b = first[0], second[0]
    result = round(a.value - b.value, 2)
    text = f"Difference between {a.label} and {b.label} in {years[0]} = {a.raw} − {b.raw} = {format_number(result)}"
    return Draft(f"{text} [{operand_marks([a, b])}].", computed=(result,))


def _change(question: str, evidence: Sequence[Evidence], years: list[str], percent: bool) -> Draft | None:
    if len(years) == 1:
        if not percent and _ROW_DIFFERENCE.search(question):
            return _row_difference(question, evidence, years)
        if not _OVER_THE_YEAR.search(question) or _NOT_OVER_THE_YEAR.search(question):
            return None
        years = [years[0], str(int(years[0]) - 1)]  # "the change in X in 2019": over that year, from the year before's
    if len(years) != 2:
        return None
    old, new = sorted(years)
    ops = _operands(subject_terms(question), [new, old], evidence, _column_words(question))
    if ops is None or not _names_list(question, ops[0].label):  # the listed rows, from a table ranked no lower
        listed = _listed_over(question, [new, old], evidence)
        ops = listed if listed and (ops is None or _rank(listed[0].n, evidence) <= _rank(ops[0].n, evidence)) else ops
    if ops is None:
        return None
    a, b = ops
    if percent and _ABSOLUTE.search(question) and a.raw.endswith("%") and b.raw.endswith("%"):
        result = round(a.value - b.value, 2)  # "the absolute percentage change" of a rate: in percentage points
        text = f"Change in {a.label} from {old} to {new} in percentage points = {a.raw} − {b.raw} = {format_number(result)}"
    elif percent:
        if b.value == 0:
            return None
        result = round((a.value - b.value) / b.value * 100, 2)  # as the formula shows it, over a negative base too
        text = f"Percentage change in {a.label} from {old} to {new} = ({a.raw} − {b.raw}) / {b.raw} = {format_number(result)}%"
    elif _DECREASE_BY.search(question) and not re.search(r"\bincreas", question, re.I):
        result = round(b.value - a.value, 2)  # "how much did X decrease by": the decrease, positive when X fell
        text = f"Decrease in {a.label} from {old} to {new} = {b.raw} − {a.raw} = {format_number(result)}"
    elif _DIFFERENCE_ONLY.search(question) and not re.search(r"\b(?:change|increase|decrease|grow|growth|decline|rise|fall)|\bfrom (?:fiscal |fy ?)?(?:19|20)\d{2} to\b", question, re.I):
        big, small = (a, b) if a.value >= b.value else (b, a)  # "the difference in X between 2018 and 2019": its size, the larger less the smaller
        result = round(big.value - small.value, 2)
        text = f"Difference in {a.label} between {old} and {new} = {big.raw} − {small.raw} = {format_number(result)}"
    else:
        result = round(a.value - b.value, 2)
        text = f"Change in {a.label} from {old} to {new} = {a.raw} − {b.raw} = {format_number(result)}"
    return Draft(f"{text} [{operand_marks(ops)}].", computed=(result,))


def _aggregate(question: str, evidence: Sequence[Evidence], years: list[str], average: bool) -> Draft | None:
    if len(years) == 1:
        return (None if average else _two_row_sum(question, evidence, years)) or _listed(question, evidence, years[0], average)
    if len(years) < 2:
        return None
    subject = subject_terms(question)
    ops = _operands(subject, years, evidence, _column_words(question))
    if ops is None and not average and "total" in subject:  # "the total X from 2017 to 2019": "total" asks for the sum
        ops = _operands(subject - {"total"}, years, evidence, _column_words(question))
    if ops is None:
        return None
    total = sum(o.value for o in ops)
    formula = " + ".join(o.raw for o in ops)
    span = ", ".join(years[:-1]) + f" and {years[-1]}"
    if average:
        result = round(total / len(ops), 2)
        text = f"Average {ops[0].label} over {span} = ({formula}) / {len(ops)} = {format_number(result)}"
        return Draft(f"{text} [{operand_marks(ops)}].", computed=(result, float(len(ops))))
    result = round(total, 2)
    return Draft(f"Sum of {ops[0].label} over {span} = {formula} = {format_number(result)} [{operand_marks(ops)}].", computed=(result,))


def _listed(question: str, evidence: Sequence[Evidence], period: str, average: bool) -> Draft | None:
    """The sum or average of the rows a question lists in one period ("the average percentage of
    revenue from Apple and Huawei in 2017"): each item its own row of one table."""
    match = _LISTED.search(question)
    items = [item for item in LIST.split(match.group(1)) if item.strip()] if match else []
    if len(items) < 2:
        return None
    found = sum_of_rows([subject_terms(item) for item in items], period, evidence)
    if found is None:
        return None
    count = len(items)
    if average:
        result = round(found.value / count, 2)
        text = f"Average of {found.label} in {period} = {found.raw} / {count} = {format_number(result)}"
        return Draft(f"{text} [{found.n}].", computed=(result, float(count)))
    result = round(found.value, 2)
    return Draft(f"Sum of {found.label} in {period} = {found.raw.strip('()')} = {format_number(result)} [{found.n}].", computed=(result,))


def _two_row_sum(question: str, evidence: Sequence[Evidence], years: list[str]) -> Draft | None:
    """The sum of two named rows in one period ("the sum of A and B in 2019")."""
    match = _TWO_ROWS.search(question)
    if match is None or len(years) != 1:
        return None
    first = _from_tables(subject_terms(match.group(1)), years, evidence)
    second = _from_tables(subject_terms(match.group(2)), years, evidence)
    if first is None or second is None or first[0].label == second[0].label or _mixed(first[0].raw, second[0].raw):
        return None
    a, b = first[0], second[0]
    result = round(a.value + b.value, 2)
    text = f"Sum of {a.label} and {b.label} in {years[0]} = {a.raw} + {b.raw} = {format_number(result)}"
    return Draft(f"{text} [{operand_marks([a, b])}].", computed=(result,))


def _is_total_over_periods(question: str) -> bool:
    """"What is the total X in 2018 and 2019?": a sum over the periods (not "... respectively")."""
    if not _TOTAL.search(question) or _NOT_A_SUM.search(question) or _CHANGE.search(question) or share_parts(question):
        return False
    if _ALL_PERIODS.search(question) and not question_years(question):
        return True  # "the total X across all 3 years": every period of the row
    if not (RANGE.search(question) or _YEAR_LIST.search(question)):
        return False  # years inside dates ("notes due December 2024, as of December 31, 2019") are not the periods summed
    return len(question_years(question, aggregate=True)) > 1


_OPERATIONS: list[tuple[Callable[[str], bool], Callable[[str, Sequence[Evidence], list[str]], Draft | None]]] = [
    (lambda q: bool(RATIO.search(q)), ratio_draft),
    (lambda q: bool(_PERCENT_CHANGE.search(q)), lambda q, e, y: _change(q, e, y, percent=True)),
    (lambda q: bool(_AVERAGE.search(q)), lambda q, e, y: _aggregate(q, e, y, average=True)),
    (lambda q: share_parts(q) is not None, share_draft),
    (lambda q: bool(_CHANGE.search(q)), lambda q, e, y: _change(q, e, y, percent=False)),
    (lambda q: bool(_SUM.search(q)), lambda q, e, y: _aggregate(q, e, y, average=False)),
    (_is_total_over_periods, lambda q, e, y: _aggregate(q, e, y, average=False) if len(y) > 1 else None),
    (lambda q: bool(_TOTAL.search(q) and _LISTED.search(q)) and not _NOT_A_SUM.search(q), lambda q, e, y: _aggregate(q, e, y, average=False) if len(y) == 1 else None),
]


_REASON = re.compile(r"^\s*(why|what (drove|caused|led to)|what (is|was|were|are) the ((main|primary|key|major) )?(reasons?|drivers?|causes?))\b", re.I)
_SHORTHAND = re.compile(r"\bFY?\s?'?\d{2}(?:\d{2})?\b", re.I)


def as_written(draft: Draft | None, evidence: Sequence[Evidence]) -> Draft | None:
    """The draft with each period a cited table heads in shorthand (``FY19``) written that way, not as
    the year it stands for, so every number in the answer is in its evidence."""
    if draft is None:
        return None
    cited = {int(n) for group in re.findall(r"\[([\d, ]+)\]", draft.text) for n in group.split(",")}
    written: dict[str, str] = {}
    for item in evidence:
        if item.n in cited:
            for short in _SHORTHAND.findall(item.text):
                year = short_years(short).replace(" ", "")[-4:]
                if YEAR.fullmatch(year) and float(year) not in numbers_in(item.text):  # as verification reads it
                    written.setdefault(year, short)
    if not written:
        return draft
    text = re.sub(r"(?<![\d,.])(?:19|20)\d{2}(?!\d|,\d)", lambda m: written.get(m.group(), m.group()), draft.text)
    return Draft(text, draft.computed, draft.values)


def compute(question: str, evidence: Sequence[Evidence]) -> Draft | None:
    """A cited, computed answer to an arithmetic question over ``evidence``, or None when unsure.

    Handles change and percentage change between two periods (later minus earlier), average and
    sum over periods ("the total X in 2018 and 2019"), the ratio of two rows (each side in its own
    period if it names one), A as a percentage of B, and the sum or difference of two rows in one
    period. The first operation the question names decides; if its operands are not found
    unambiguously the answer is None.
    """
    if _REASON.search(question):
        return None  # "Why did X decrease?" asks for a reason, not the change
    if _AVERAGES_DIFFERENCE.search(question) or _AVERAGE_CHANGE.search(question):
        return _two_averages(question, evidence)  # not one average when the other is not found
    aggregate = bool(_AVERAGE.search(question) or _SUM.search(question)) or _is_total_over_periods(question)
    years = question_years(question, aggregate)
    opening = _YEAR_AVERAGE.search(question)
    if opening and years == [opening.group(1)]:
        years = [years[0], str(int(years[0]) - 1)]
    for applies, operation in _OPERATIONS:
        if applies(question):
            found = operation(question, evidence, years or _only_periods(question, evidence, aggregate))
            return as_written(found or _two_cells(question, evidence), evidence)
    return None


def _two_averages(question: str, evidence: Sequence[Evidence]) -> Draft | None:
    """"The difference between (the 2019) average A and (the 2019) average B (from 2018 to 2019)" or
    "the change between 2018 and 2019 average X": one average minus the other, each computed as its
    own question would be; None when the question is neither or either average is not found."""
    pair = _AVERAGES_DIFFERENCE.search(question)
    change = _AVERAGE_CHANGE.search(question)
    if pair:
        asked = [f"What is the {side}{pair.group(3)}" for side in pair.group(1, 2)]
    elif change:
        asked = [f"What is the {year} average {change.group(3)}?" for year in sorted(change.group(1, 2), reverse=True)]
    else:
        return None
    first, second = (compute(a, evidence) for a in asked)
    if first is None or second is None or not first.text.startswith("Average") or not second.text.startswith("Average"):
        return None
    a, b = first.computed[0], second.computed[0]
    result = round(a - b, 2)
    marks = ", ".join(dict.fromkeys(m for d in (first, second) for group in re.findall(r"\[([\d, ]+)\]", d.text) for m in group.split(", ")))
    text = f"{first.text} {second.text} Difference = {format_number(a)} − {format_number(b)} = {format_number(result)} [{marks}]."
    return Draft(text, computed=(result, *first.computed, *second.computed))


def _two_cells(question: str, evidence: Sequence[Evidence]) -> Draft | None:
    """A difference, sum, ratio or share of two things the question names, read as two cells of one
    table whose columns are not periods (see :mod:`assistant.answerers.cell_pairs`)."""

    ratio, share, difference, two = RATIO.search(question), share_parts(question), _ROW_DIFFERENCE.search(question), _TWO_ROWS.search(question)
    if ratio:
        return pair_operation("ratio", ratio.group(1), ratio.group(2), question, evidence)
    if share:
        fraction = bool(FRACTION.search(question) and not PERCENT_WORD.search(question))
        return pair_operation("share", share[0], share[1], question, evidence, fraction)
    ordered = _ORDINAL_SPAN.search(question)
    if ordered and _CHANGE.search(question) and not re.search(r"\bdifference\b", question, re.I):
        ranks = [[_ORDINALS.index(w.lower()[:3]) for w in _ORDINAL.findall(part)] for part in ordered.groups()]
        if all(len(r) == 1 for r in ranks) and ranks[0] != ranks[1]:
            earlier, later = sorted(ordered.groups(), key=lambda part: ranks[ordered.groups().index(part)])
            operation = "percentage change" if _PERCENT_CHANGE.search(question) else "change"
            return pair_operation(operation, later, earlier, question, evidence)
    dated = _dated(question)
    if dated and _CHANGE.search(question):
        operation = "percentage change" if _PERCENT_CHANGE.search(question) else "change"
        return pair_operation(operation, dated[1], dated[0], question, evidence)
    listed = _LISTED.search(question)
    items = [item for item in LIST.split(listed.group(1)) if item.strip()] if listed else []
    if len(items) >= 2 and (_AVERAGE.search(question) or _SUM.search(question) or _TOTAL.search(question)) and not (_PERCENT_CHANGE.search(question) or _NOT_A_SUM.search(question)):
        return listed_operation("average" if _AVERAGE.search(question) else "sum", items, question, evidence)
    if _PERCENT_CHANGE.search(question) or _AVERAGE.search(question):
        return None
    if difference:
        return pair_operation("difference", difference.group(1), difference.group(2), question, evidence)
    if two:
        return pair_operation("sum", two.group(1), two.group(2), question, evidence)
    return None


def _dated(question: str) -> tuple[str, str] | None:
    """The two dates a change runs between ("from July 7, 2019 to September 29, 2019", "at June 30
    and December 31, 2019"), earlier first, each with its year (the second's when the first has
    none); None unless both are full dates in order."""
    match = _DATE_SPAN.search(question)
    if match is None:
        return None
    first, second = match.group(1), match.group(2)
    year = YEAR.search(second)
    if not YEAR.search(first) and year:
        first = f"{first}, {year.group()}"
    try:
        when = [datetime.strptime(re.sub(r"[.,]", "", d)[:3] + " " + " ".join(re.sub(r"[.,]", "", d).split()[1:]), "%b %d %Y") for d in (first, second)]
    except ValueError:
        return None
    if when[0] == when[1]:
        return None
    return (first, second) if when[0] < when[1] else (second, first)


def _only_periods(question: str, evidence: Sequence[Evidence], aggregate: bool = False) -> list[str]:
    """When the question names no period: the two periods of the table whose row it names, if the
    row has exactly two (\"the change in X\" over a 2019 | 2018 table); for an average or a sum,
    every period of that row (\"the average X\" over 2019 | 2018 | 2017)."""
    row = named_row(subject_terms(question), [], evidence, _column_words(question))
    if row is None and aggregate and _TOTAL.search(question):  # "the total X across all 3 years"
        row = named_row(subject_terms(question) - {"total"}, [], evidence, _column_words(question))
    if row is None:
        return []
    return list(row.cells) if len(row.cells) == 2 or (aggregate and len(row.cells) > 2) else []
