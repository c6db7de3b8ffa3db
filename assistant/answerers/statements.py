"""Financial-statement questions answered in code from the statement tables in the evidence.

The question names what to compute, and the answer shows the operands, the formula and the result,
citing the table(s) read:

* a formula the question defines ("DPO is defined as: 365 * (average accounts payable between FY2016
  and FY2017) / (FY2017 COGS + change in inventory between FY2016 and FY2017)"), evaluated for the
  year the question names, rounded as it asks;
* a named metric (operating margin, free cash flow conversion, current ratio, ... see
  :mod:`statement_metrics`) for the year named, and, when the question asks about a trend ("improving",
  "increase", "decline"), for the year before as well, with the direction;
* a line item's change or percentage change between two named years ("year-over-year change in
  revenue from FY2016 to FY2017 in percent", "Has X increased its debt between FY2023 and FY2022?");
* a line item's value for one year ("FY2019 total inventories in USD millions"), in the unit asked
  when the table states its own.

Everything else, and any question whose year column or line item is not found unambiguously, gets
None so the other answerers run. :class:`StatementsFirst` puts this in front of another answerer.

Example:
    >>> text = "(In millions)\\n | 2017 | 2016\\nTotal net sales | 177,866 | 135,987"
    >>> ev = [Evidence(1, text, "s", Locator("10k.pdf", page=38), 0.9)]
    >>> answer("What is the change in revenue from FY2016 to FY2017 in percent, to one decimal?", ev).values
    ('30.8%',)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from assistant.answerers.base import Draft
from assistant.answerers.statement_metrics import ITEMS, Metric, find_item, find_metric, plainly_named
from assistant.answerers.statement_tables import SCALE, is_row, normalise
from assistant.answerers.statement_values import Context, Reading, Result, Unresolved, evaluate, read_item, tables_of, years_in
from assistant.lexical import terms
from assistant.numbers import format_number
from assistant.types import Evidence, ImageDescription, Locator  # noqa: F401  (Locator used in the doctest)

_DEFINED = re.compile(r"\b(?:is|are)\s+(?:defined|calculated|computed|measured)\s+as\s*:?\s*(.+?)(?:\.\s+(?=[A-Z])|\.?\s*$)", re.I | re.S)
_NAME = re.compile(r"(?:^|[.?]\s+)([A-Z][\w&/' -]{1,60}?)\s+(?:is|are)\s+(?:defined|calculated|computed|measured)\s+as\b")
_DECIMALS = re.compile(r"\b(?:round(?:ed)?|to)\b[^.?]*?\b(one|two|three|zero|no|\d)\s+decimal", re.I)
_WORD_NUMBERS = {"zero": 0, "no": 0, "one": 1, "two": 2, "three": 3}
_TREND = re.compile(r"\b(improv\w*|increas\w*|decreas\w*|declin\w*|deteriorat\w*|trend\w*|expand\w*|contract\w*|grow\w*|shrink\w*|better|worse|change[ds]?)\b", re.I)
_UP = re.compile(r"\b(improv\w*|increas\w*|expand\w*|grow\w*|better|ris\w+|higher)\b", re.I)
_DOWN = re.compile(r"\b(decreas\w*|declin\w*|deteriorat\w*|contract\w*|shrink\w*|worse|fall\w*|lower)\b", re.I)
_YES_NO = re.compile(r"^\s*(?:is|are|was|were|does|do|did|has|have|had)\b", re.I)
_PERCENT = re.compile(r"\bper ?cent\w*|%|\bgrowth rate\b|\bin percent", re.I)
_CHANGE = re.compile(r"\b(chang\w*|increas\w*|decreas\w*|grow\w*|growth|declin\w*|difference|rise|fall)\b", re.I)
_ASKS_UNIT = re.compile(r"\b(?:usd|us\$|\$|dollars?)?\s*(thousands|millions|billions)\b", re.I)
# questions that ask for reasons, drivers or a narrative are not statement arithmetic
_NOT_HERE = re.compile(r"^\s*(?:why|how did|what (?:drove|caused|led|explains?)|what (?:is|are|was|were) the (?:main |primary |key )?(?:reasons?|drivers?|causes?))\b", re.I)
# operations this module leaves to the arithmetic answerer
_OTHER_OPERATION = re.compile(
    r"\b(ratio|proportion|percentage of|percent of|as a percent\w*|share of|average|mean|sum|combined|total of|respectively|each|portion)\b", re.I
)
# a metric or item the question restricts to a part of the company is not the statement's total
_PART = re.compile(r"\b(segment|region|division|per share|by geography|quarter|q[1-4])\b", re.I)


def _decimals(question: str, default: int) -> int:
    match = _DECIMALS.search(question)
    if not match:
        return default
    word = match.group(1).lower()
    return _WORD_NUMBERS.get(word, int(word) if word.isdigit() else default)


def _round(value: float, decimals: int) -> float:
    return round(value, decimals) + 0.0


def _written(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def _cites(ctx: Context) -> str:
    return ", ".join(str(n) for n in sorted({n for r in ctx.readings for n in r.cites}))


def _operands(ctx: Context) -> str:
    seen: dict[tuple[str, str], Reading] = {}
    for r in ctx.readings:
        seen.setdefault((r.label, r.year), r)
    return "; ".join(f"{r.label} {r.year}: {r.raw}" for r in seen.values())


def _metric_value(result: Result, unit: str, decimals: int) -> float:
    return _round(result.value * 100 if unit == "%" else result.value, decimals)


def _defined(question: str, ctx: Context, year: str) -> Draft | None:
    """A formula the question itself defines, evaluated for the year it names."""
    match = _DEFINED.search(question)
    if match is None:
        return None
    formula = match.group(1).strip()
    result = evaluate(formula, ctx)
    decimals = _decimals(question, 2)
    value = _round(result.value, decimals)
    name = _NAME.search(question)
    label = name.group(1).strip() if name else "The defined measure"
    text = (f"{label} for {year} = {result.shown} = {_written(value, decimals)} "
            f"({_operands(ctx)}) [{_cites(ctx)}].")
    return Draft(text, computed=(value, *ctx.constants), values=(_written(value, decimals).replace(",", ""),))


def _metric(question: str, metric: Metric, ctx: Context, years: list[str]) -> Draft | None:
    """A named metric for the year asked, and the year before when the question asks about a trend."""
    decimals = _decimals(question, 1 if metric.unit == "%" else 2)  # 34.6%, 1.27x, 93.86 days
    trend = bool(_TREND.search(question)) and len(years) <= 1
    asked = sorted(years, reverse=True)[:2] if len(years) >= 2 else years
    if trend:
        asked = [years[0], str(int(years[0]) - 1)]
    values: dict[str, float] = {}
    shown: dict[str, str] = {}
    for year in asked:
        ctx.year = year
        result = evaluate(metric.formula, ctx)
        values[year] = _metric_value(result, metric.unit, decimals)
        shown[year] = result.shown
    suffix = "%" if metric.unit == "%" else (" days" if metric.unit == "days" else "")
    computed = list(values.values()) + ctx.constants
    if len(asked) == 1:
        year = asked[0]
        text = f"{metric.key.capitalize()} for {year} = {shown[year]} = {_written(values[year], decimals)}{suffix} [{_cites(ctx)}]."
        return Draft(text, computed=tuple(computed), values=(f"{_written(values[year], decimals)}{suffix}",))
    late, early = asked[0], asked[1]
    change = _round(values[late] - values[early], decimals)
    computed.append(change)
    direction = "rose" if change > 0 else ("fell" if change < 0 else "was unchanged")
    points = " percentage points" if metric.unit == "%" else ""
    lead = _verdict(question, change)
    text = (f"{lead}{metric.key.capitalize()} {direction} from {_written(values[early], decimals)}{suffix} in {early} "
            f"to {_written(values[late], decimals)}{suffix} in {late}, a change of {_written(change, decimals)}{points} "
            f"({metric.formula}: {shown[early]} in {early}; {shown[late]} in {late}) [{_cites(ctx)}].")
    return Draft(text, computed=tuple(computed), values=(f"{_written(values[late], decimals)}{suffix}",))


def _verdict(question: str, change: float) -> str:
    """"Yes. " / "No. " for a yes/no question about a rise or a fall; '' otherwise."""
    if not _YES_NO.search(question) or change == 0:
        return ""
    up, down = bool(_UP.search(question)), bool(_DOWN.search(question))
    if up == down:
        return ""
    return "Yes. " if (change > 0) == up else "No. "


def _item_change(question: str, ctx: Context, years: list[str]) -> Draft | None:
    """A line item's change (or percentage change) from the earlier to the later named year."""
    item = find_item(question)
    if item is None:
        return None
    early, late = sorted(years[:2])
    first = _read(item, early, ctx)
    second = _read(item, late, ctx)
    if first.n != second.n:
        return None  # two tables, perhaps in two units
    cites = _cites(ctx)
    label = second.label
    if _PERCENT.search(question):
        if first.value == 0:
            return None
        decimals = _decimals(question, 2)
        change = _round((second.value - first.value) / abs(first.value) * 100, decimals)
        said = f"{_written(change, decimals)}%"
        text = (f"{_verdict(question, change)}{label} went from {first.raw} in {early} to {second.raw} in {late}: "
                f"({second.raw} - {first.raw}) / {first.raw} = {said} [{cites}].")
        return Draft(text, computed=(change,), values=(said,))
    change = second.value - first.value
    decimals = 2 if any("." in r.raw for r in (first, second)) else 0
    change = _round(change, decimals)
    extra, computed = "", [change]
    if second.unit == "millions" and abs(change) >= 1000:
        billions = _round(change / 1000, 1)
        extra, computed = f" (about ${format_number(abs(billions))} billion)", [change, abs(billions), billions]
    text = (f"{_verdict(question, change)}{label} went from {first.raw} in {early} to {second.raw} in {late}, "
            f"a change of {_written(change, decimals)}{_unit_words(second.unit)}{extra} [{cites}].")
    return Draft(text, computed=tuple(computed), values=(_written(change, decimals),))


def _unit_words(unit: str) -> str:
    return {"thousands": " thousand", "millions": " million", "billions": " billion"}.get(unit, "")


def _read(item: Any, year: str, ctx: Context) -> Reading:
    reading = read_item(item, item.key, year, ctx)
    ctx.readings.append(reading)
    return reading


def _item_value(question: str, ctx: Context, year: str) -> Draft | None:
    """A line item's value for one year, converted to the unit the question asks for."""
    item = find_item(question)
    if item is None:
        return None
    reading = _read(item, year, ctx)
    asked = _ASKS_UNIT.search(question)
    base = f"{reading.label} for {year}: {reading.raw}{_unit_words(reading.unit)}"
    cites = _cites(ctx)
    if not asked or asked.group(1).lower() == reading.unit:
        return Draft(f"{base} [{cites}].", values=(reading.raw,))
    want = asked.group(1).lower()
    if reading.unit:
        value = _round(reading.value * SCALE[reading.unit] / SCALE[want], 1)
        said = f"{format_number(value)} {want[:-1]}"
        return Draft(f"{base}, that is {said} [{cites}].", computed=(value,), values=(format_number(value),))
    if abs(reading.value) >= 1e6 and want != "thousands":  # a figure this large is rarely stated in millions already
        value = _round(reading.value * 1e3 / SCALE[want], 1)
        said = f"{format_number(value)} {want[:-1]}"
        return Draft(f"{base} (the excerpt states no unit; read as thousands that is {said}) [{cites}].", computed=(value,), values=(format_number(value),))
    return Draft(f"{base} (the excerpt states no unit) [{cites}].", values=(reading.raw,))


def _stated(question: str, ctx: Context, year: str, names: Sequence[str]) -> Draft | None:
    """The row that states a metric itself, every word of its label in the question ("Adjusted EBITDA"
    for "What was the adjusted non-GAAP EBITDA for FY 2023?"); of several, the one naming most words."""
    asked = set(terms(question))
    found: list[tuple[int, int, str, str]] = []
    for rank, table in enumerate(ctx.tables):
        at = table.column(year)
        if at is None:
            continue
        for row in table.rows:
            label = normalise(row.label)
            words = set(terms(label))
            if words and words <= asked and any(re.search(rf"\b{re.escape(n)}\b", label) for n in names):
                found.append((len(words), -rank, row.raws[at], row.label))
    if not found:
        return None
    found.sort(reverse=True)
    best = [f for f in found if f[0] == found[0][0]]
    if len({b[2] for b in best}) > 1 and best[0][1] == best[1][1]:
        return None  # two rows of one table state it differently
    _, rank, raw, label = best[0]
    table = ctx.tables[-rank]
    ctx.stated = True
    cites = ", ".join(str(n) for n in sorted({table.n, table.heading_n} - {0}))
    return Draft(f"{label} for {year}: {raw} [{cites}].", values=(raw,))


_GENERIC_LABEL = {"total", "other", "net", "basic", "diluted"}
_ITEM_LABELS = {label for item in ITEMS for label in item.labels}


def _literal_rows_used(question: str, evidence: Sequence[Evidence], ctx: Context) -> bool:
    """False when the question names, word for word, a row label of the evidence ("Total receivables,
    net", "Operating income (GAAP)", "Operating margin") that the answer did not read: the table lookups
    read the row as named, better than a synonym or a computation here."""
    asked = f" {normalise(question)} "
    literal = set()
    for item in evidence:
        for line in item.text.splitlines():
            label = normalise(line.split("|")[0]) if is_row(line) else ""
            if label and not set(label.split()) <= _GENERIC_LABEL and re.search(rf"(?<![\w']){re.escape(label)}(?![\w'])", asked):
                literal.add(label)
    literal = {a for a in literal if not any(a != b and a in b for b in literal)}  # "net sales" within "total net sales"
    used = {normalise(r.label) for r in ctx.readings if not r.derived}
    words = {t for r in ctx.readings for t in terms(r.label)}
    literal = {a for a in literal if set(terms(a)) & words or a in _ITEM_LABELS}  # rows of another kind ("Best Buy" stores) say nothing here
    return not literal or (bool(used) and used <= literal and not any(r.derived for r in ctx.readings))


def answer(question: str, evidence: Sequence[Evidence]) -> Draft | None:
    """A cited statement answer computed in code, or None when the question or tables do not fit."""
    if _NOT_HERE.search(question) or _PART.search(question):
        return None
    tables = tables_of(evidence)
    if not tables:
        return None
    head = _DEFINED.split(question, maxsplit=1)[0]
    years = years_in(head) or years_in(question)
    if not years:
        return None
    ctx = Context(tables, years[0], question)
    try:
        draft = _answer(question, ctx, years)
    except (Unresolved, ValueError, ZeroDivisionError):
        return None
    if draft is not None and not _DEFINED.search(question) and not ctx.stated and not _literal_rows_used(question, evidence, ctx):
        return None  # the question names a row in its own words and this answer read another
    derived = tuple(r.value for r in ctx.readings if r.derived)  # sums of rows shown as operands
    return Draft(draft.text, draft.computed + derived, draft.values) if draft and derived else draft


def _answer(question: str, ctx: Context, years: list[str]) -> Draft | None:
    if _DEFINED.search(question):
        return _defined(question, ctx, years[0])
    metric = find_metric(question)
    if metric is not None:
        single = len(years) == 1 and not _TREND.search(question)
        stated = _stated(question, ctx, years[0], metric.aliases) if single else None
        if stated is not None:
            return stated  # a reported figure ("Adjusted EBITDA") before computing it
        return _metric(question, metric, ctx, years) if plainly_named(question, metric.key, metric.aliases) else None
    item = find_item(question)
    if item is None or _OTHER_OPERATION.search(question) or not plainly_named(question, item.key, item.aliases):
        return None  # "license revenue", "revenue from UK", "the ratio of total assets to ...": other answerers
    if len(years) >= 2 and _CHANGE.search(question):
        return _item_change(question, ctx, years)
    if len(years) == 1 and not _CHANGE.search(question):
        return _item_value(question, ctx, years[0])
    return None


class StatementsFirst:
    """Another answerer with statement questions answered in code first."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.description = f"{inner.description}; financial-statement figures and ratios computed in code"

    def warm_up(self) -> None:
        self.inner.warm_up()

    def run(self, question: str, evidence: Sequence[Evidence], images: Sequence[ImageDescription] = ()) -> Draft:
        found = None if images else answer(question, evidence)
        return found if found is not None else self.inner.run(question, evidence, images=images)
