"""Answer questions about a chart of several series (grouped or stacked bars, several lines) from its
series × category table, in code.

A question names series and categories by their words (every content word of a name must occur in
the question; a name inside a longer named one counts once). Handled:

* the gap (difference) between two series: in which category it is largest or smallest;
* the difference or ratio of two series at one category, or of one series at two categories;
* which category is highest or lowest for one series, which series is highest or lowest at one category;
* one series' value at one category.

Anything else (or a name matching two cells) returns ``None`` and the caller tries its other rules.

Example:
    >>> answer_series_question("what was north's value in 2019?", chart)  # doctest: +SKIP
    SeriesAnswer(text='12', values=(ChartValue(series='North', category='2019', ...),))
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.lexical import terms
from assistant.types import Chart, ChartValue

_HIGH = re.compile(r"\b(highest|largest|most|maximum|biggest|greatest|widest|top|peak(ed)?)\b")
_LOW = re.compile(r"\b(lowest|smallest|least|minimum|fewest|narrowest|bottom)\b")
_GAP = re.compile(r"\b(gap|difference|differ|spread|margin)\b")
_RATIO = re.compile(r"\bratio\b|\bhow many times\b|\btimes (as|larger|higher|greater|bigger)\b")
_WHICH_SERIES = re.compile(r"\b(which|what) (series|group|legend|colou?r|bar|segment|line)\b")


@dataclass(frozen=True)
class SeriesAnswer:
    """The answer text and the table cells it was computed from."""

    text: str
    values: tuple[ChartValue, ...]


def answer_series_question(question: str, chart: Chart) -> SeriesAnswer | None:
    """A value computed from a several-series chart table, or None when no rule fits the question."""
    if chart is None or len(chart.series) < 2 or not chart.values:
        return None
    low = re.sub(r"['’]s\b", "", question.lower())
    words = set(terms(low))
    series = _named(chart.series, words, low)
    categories = _named(chart.categories, words, low)
    cell = {(v.series, v.category): v for v in chart.values}
    high, lowest = _HIGH.search(low), _LOW.search(low)
    if len(series) == 2 and not categories and _GAP.search(low) and (high or lowest):
        return _widest_gap(chart, cell, series, bool(high))
    if _RATIO.search(low) or _GAP.search(low):
        pair = _pair(cell, series, categories)
        if pair is None:
            return None
        a, b = pair
        if _RATIO.search(low):
            return SeriesAnswer(_fmt(a.value / b.value), (a, b)) if b.value else None
        return SeriesAnswer(_fmt(abs(a.value - b.value)), (a, b))
    if len(series) == 1 and not categories and (high or lowest):
        row = [v for v in chart.values if v.series == series[0]]
        return _extreme(row, bool(high), lambda v: v.category)
    if len(categories) == 1 and not series and (high or lowest) and _WHICH_SERIES.search(low):
        column = [v for v in chart.values if v.category == categories[0]]
        return _extreme(column, bool(high), lambda v: v.series)
    if len(series) == 1 and len(categories) == 1 and not (high or lowest):
        found = cell.get((series[0], categories[0]))
        return SeriesAnswer(_fmt(found.value), (found,)) if found is not None else None
    return None


def _named(names: tuple[str, ...], words: set[str], low: str) -> list[str]:
    """The names whose every content word is in the question, in order of mention; a name whose
    words are all part of another named one is dropped ("Total" beside "Total tax")."""
    hits = [n for n in names if terms(n) and set(terms(n)) <= words]
    hits = [n for n in hits if not any(m != n and set(terms(n)) < set(terms(m)) for m in hits)]
    if len({frozenset(terms(n)) for n in hits}) != len(hits):
        return []  # two names with the same words: the question cannot tell them apart

    def position(name: str) -> int:
        spots = [low.find(w) for w in name.lower().split() if low.find(w) >= 0]
        return min(spots) if spots else len(low)

    return sorted(hits, key=position)


def _pair(cell: dict, series: list[str], categories: list[str]) -> tuple[ChartValue, ChartValue] | None:
    """The two cells a difference or ratio compares: two series at one category, or one series at two."""
    if len(series) == 2 and len(categories) == 1:
        keys = [(series[0], categories[0]), (series[1], categories[0])]
    elif len(series) == 1 and len(categories) == 2:
        keys = [(series[0], categories[0]), (series[0], categories[1])]
    else:
        return None
    a, b = cell.get(keys[0]), cell.get(keys[1])
    return (a, b) if a is not None and b is not None else None


def _widest_gap(chart: Chart, cell: dict, series: list[str], high: bool) -> SeriesAnswer | None:
    gaps = []
    for category in chart.categories:
        a, b = cell.get((series[0], category)), cell.get((series[1], category))
        if a is not None and b is not None:
            gaps.append((abs(a.value - b.value), category, a, b))
    if len(gaps) < 2:
        return None
    pick = max(gaps, key=lambda g: g[0]) if high else min(gaps, key=lambda g: g[0])
    if sum(g[0] == pick[0] for g in gaps) > 1:
        return None  # a tie: no single answer
    return SeriesAnswer(pick[1], (pick[2], pick[3]))


def _extreme(cells: list[ChartValue], high: bool, name) -> SeriesAnswer | None:  # noqa: ANN001 - cell -> str
    if len(cells) < 2:
        return None
    best = max(cells, key=lambda v: v.value) if high else min(cells, key=lambda v: v.value)
    if sum(v.value == best.value for v in cells) > 1:
        return None
    return SeriesAnswer(name(best), (best,))


def _fmt(value: float) -> str:
    text = f"{round(value, 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
