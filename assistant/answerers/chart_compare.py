"""Questions that need values from several charts, computed from each chart's read table.

A chart's table is its read values (``ImageDescription.chart.values``); a chart's *year* is the
year its title or subtitle states ("Total, % of GDP, 2022"). Handled, always in code:

* counts of bars above/below a threshold in two charts, combined as the question's final note
  says ("the answer to the second question minus the answer to the first");
* which year (chart) has the largest/smallest value of a named category, of each chart's
  largest/smallest value, of each chart's max − min gap or top-two gap (or the gap closest to N);
* the trend of a named category over the charts' years (multiple choice);
* two steps: a category picked by rank (or highest/lowest) in one chart, then its rank or its
  value in another chart; over survey charts that print their figures in rows and columns, the
  same chain runs on the printed table (:mod:`chart_chain`).

A chart that was not read, a category not found, or a tie gives ``None``: the caller says it
cannot answer rather than guess.

Example:
    >>> found = answer_across_charts(body, images)  # doctest: +SKIP
    >>> found.text, found.charts  # doctest: +SKIP
    ('2', (0, 1))
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.lexical import terms
from assistant.types import ChartValue, ImageDescription

logger = logging.getLogger(__name__)

ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "sixth": 5}
ORDINAL_WORDS = ["First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth",
                 "Eleventh", "Twelfth", "Thirteenth", "Fourteenth", "Fifteenth"]
_CHART = r"(first|second|third|fourth|fifth|sixth)\s+charts?"
_YEAR = re.compile(r"\b((?:19|20)\d\d(?:-\d\d)?)\b")
_NUM = r"(-?\d+(?:\.\d+)?)"
_BELOW = r"(?:below|lower than|less than|smaller than|under|fewer than)"
_ABOVE = r"(?:above|higher than|greater than|larger than|more than|over|bigger than)"
_MAX = r"(?:highest|largest|greatest|biggest|maximum|most)"
_MIN = r"(?:lowest|smallest|least|minimum)"


@dataclass(frozen=True)
class Found:
    """An answer computed across charts: its text, the charts used (indexes) and the values used."""

    text: str
    charts: tuple[int, ...]
    values: tuple[tuple[int, ChartValue], ...] = ()
    quoted_from: int | None = None  # the chart whose own text the answer repeats (a year in its subtitle)


def table(image: ImageDescription) -> tuple[ChartValue, ...]:
    """The chart's read values (one series), or () when it was not read."""
    chart = image.chart
    if chart is None or not chart.values or len(chart.series) != 1:
        return ()
    return chart.values


def chart_year(image: ImageDescription) -> str | None:
    """The one year the chart's title or subtitle states (the top lines of text), or None."""
    top = sorted(image.ocr, key=lambda ln: ln.bbox[1])[:4]
    ending = list(dict.fromkeys(m.group(1) for ln in top if (m := re.search(r"[,:]\s*" + _YEAR.pattern + r"\s*$", ln.text))))
    if len(ending) == 1:  # "Total, 2015=100, 2017": the year the subtitle ends with
        return ending[0]
    years = list(dict.fromkeys(m for ln in top for m in _YEAR.findall(ln.text)))
    if image.chart is not None and image.chart.title:
        years += [y for y in _YEAR.findall(image.chart.title) if y not in years]
    return years[0] if len(years) == 1 else None


def _same_name(a: str, b: str) -> bool:
    a, b = " ".join(a.lower().split()), " ".join(b.lower().split())
    return a == b or (len(a) >= 4 and difflib.SequenceMatcher(None, a, b).ratio() >= 0.85)


def find_category(values: Sequence[ChartValue], name: str) -> ChartValue | None:
    """The value whose category is ``name`` (tolerating an OCR slip or two), or None."""
    hits = [v for v in values if v.category and _same_name(v.category, name)]
    return hits[0] if len(hits) == 1 else None


def named_category(text: str, values: Sequence[ChartValue]) -> ChartValue | None:
    """The one category of ``values`` that ``text`` names (all its words occur, longest name wins)."""
    words = set(terms(re.sub(r"['’]s\b", "", text)))
    hits = [v for v in values if v.category and set(terms(v.category)) and set(terms(v.category)) <= words]
    hits.sort(key=lambda v: -len(terms(v.category)))
    if not hits or (len(hits) > 1 and len(terms(hits[1].category)) == len(terms(hits[0].category))):
        return None
    return hits[0]


def fmt(value: float) -> str:
    text = f"{round(value, 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _charts_in(text: str, count: int) -> list[int]:
    found = [ORDINALS[m.lower()] for m in re.findall(r"\b(first|second|third|fourth|fifth|sixth)\s+charts?\b", text, re.I)]
    return [i for i in dict.fromkeys(found) if i < count]


def _parts(body: str) -> list[str]:
    starts = [m.start() for m in re.finditer(r"(?:^|\n)\s*\d\.\s", body)]
    if len(starts) < 2:
        return []
    return [body[a:b] for a, b in zip(starts, starts[1:] + [len(body)])]


def _threshold(text: str) -> tuple[str, float] | None:
    low = text.lower()
    for word, pattern in (("<", _BELOW), (">", _ABOVE)):
        match = re.search(pattern + r"\s+" + _NUM, low)
        if match:
            return word, float(match.group(1))
    return None


def _count_part(part: str, images: Sequence[ImageDescription]) -> tuple[int, int, list[ChartValue]] | None:
    """``In how many bars/countries is X below N … in the k-th chart?`` → (chart, count, counted)."""
    ask = re.split(r"\n\s*Note", part)[0]
    if not re.search(r"how many (\w+ )?(bars|countries)", ask, re.I):
        return None
    charts, rule = _charts_in(ask, len(images)), _threshold(ask)
    if len(charts) != 1 or rule is None:
        return None
    values = table(images[charts[0]])
    if not values:
        return None
    op, limit = rule
    counted = [v for v in values if (v.value < limit if op == "<" else v.value > limit)]
    return charts[0], len(counted), counted


def _combine_counts(body: str, images: Sequence[ImageDescription]) -> Found | None:
    parts = _parts(body)
    if len(parts) != 2:
        return None
    got = [_count_part(p, images) for p in parts]
    if any(g is None for g in got):
        return None
    (c1, n1, v1), (c2, n2, v2) = got  # type: ignore[misc]
    note = body.lower()
    if re.search(r"second question minus the answer to the first", note):
        value = n2 - n1
    elif re.search(r"first question minus the answer to the second", note):
        value = n1 - n2
    elif re.search(r"plus the answer", note):
        value = n1 + n2
    else:
        return None
    used = tuple((c1, v) for v in v1) + tuple((c2, v) for v in v2)
    return Found(str(value), (c1, c2), used)


def _yearly(images: Sequence[ImageDescription]) -> list[tuple[int, str, tuple[ChartValue, ...]]] | None:
    """(chart index, year, table) for every attached chart; None unless all are read and dated."""
    out = []
    for i, image in enumerate(images):
        year, values = chart_year(image), table(image)
        if year is None or not values:
            return None
        out.append((i, year, values))
    return out if len({y for _, y, _ in out}) == len(out) else None


def _pick(scores: list[tuple[float, int, str, ChartValue | None]], want_max: bool) -> tuple[float, int, str, ChartValue | None] | None:
    ordered = sorted(scores, key=lambda s: s[0], reverse=want_max)
    if len(ordered) > 1 and ordered[0][0] == ordered[1][0]:
        return None  # a tie: no single answer
    return ordered[0] if ordered else None


def _which_year(body: str, images: Sequence[ImageDescription]) -> Found | None:
    """``In which year is X the largest?`` over charts of different years."""
    ask = body.lower()
    if not re.search(r"(which|what) year", ask):
        return None
    dated = _yearly(images)
    if dated is None:
        return None
    final = re.split(r"\bthen\b", ask)[-1]
    want_max = re.search(_MAX, final) is not None
    if not want_max and re.search(_MIN, final) is None and "closest" not in final:
        return None
    scores: list[tuple[float, int, str, ChartValue | None]] = []
    for i, year, values in dated:
        ordered = sorted(values, key=lambda v: v.value, reverse=True)
        if re.search(r"gap between the (largest|highest) and (the )?(smallest|lowest)", ask):
            scores.append((ordered[0].value - ordered[-1].value, i, year, None))
        elif re.search(r"gap between the (highest|largest) and the second (highest|largest)", ask):
            scores.append((ordered[0].value - ordered[1].value, i, year, ordered[0]))
        elif re.search(r"extract the (lowest|smallest)|(lowest|smallest) \w+.* among all the countries", ask):
            scores.append((ordered[-1].value, i, year, ordered[-1]))
        elif re.search(r"extract the (largest|highest)|(highest|largest) \w+.* among all the countries", ask):
            scores.append((ordered[0].value, i, year, ordered[0]))
        else:
            named = named_category(body, values)
            if named is None:
                return None
            scores.append((named.value, i, year, named))
    close = re.search(r"closest to " + _NUM, final)
    if close:
        target = float(close.group(1))
        scores = [(-abs(s - target), i, y, v) for s, i, y, v in scores]
        want_max = True
    best = _pick(scores, want_max)
    if best is None:
        return None
    used = tuple((i, v) for _, i, _, v in scores if v is not None)
    return Found(best[2], tuple(i for _, i, _, _ in scores), used, quoted_from=best[1])


_TRENDS = {
    "increasing": r"^increasing$|^increase", "decreasing": r"^decreasing$|^decrease",
    "up-down": r"first increasing then decreasing", "down-up": r"first decreasing then increasing",
}


def _trend(body: str, images: Sequence[ImageDescription]) -> Found | None:
    """``What is the general trend of X with the passage of time?`` (options) over dated charts."""
    if not re.search(r"general trend", body, re.I):
        return None
    options = dict(re.findall(r"^\s*([A-H])[.)]\s+(.+?)\s*$", body, re.MULTILINE))
    dated = _yearly(images)
    if not options or dated is None:
        return None
    ask = re.split(r"\n\s*Note", body)[0]
    points = []
    for i, year, values in sorted(dated, key=lambda d: d[1]):
        if re.search(r"extract the (highest|largest)", ask, re.I):
            point = max(values, key=lambda v: v.value)
        else:
            point = named_category(ask, values)
        if point is None:
            return None
        points.append((i, point))
    steps = [b.value - a.value for (_, a), (_, b) in zip(points, points[1:])]
    if not steps or 0 in steps:
        return None
    if all(s > 0 for s in steps):
        kind = "increasing"
    elif all(s < 0 for s in steps):
        kind = "decreasing"
    elif len(steps) == 2:
        kind = "up-down" if steps[0] > 0 else "down-up"
    else:
        return None
    letters = [k for k, v in options.items() if re.search(_TRENDS[kind], v.strip().lower())]
    if len(letters) != 1:
        return None
    return Found(letters[0], tuple(i for i, _ in points), tuple(points))


def _ranked(values: Sequence[ChartValue], listed_only: bool) -> list[ChartValue]:
    pool = [v for v in values if v.category] if listed_only else list(values)
    return sorted(pool, key=lambda v: v.value, reverse=True)


def _rank_word(text: str) -> int | None:
    low = text.lower()
    match = re.search(r"\b(?:rank(?:s|ed)?|ranking)\s+(?:the\s+)?(first|second|third|fourth|fifth|sixth)\b", low)
    if match:
        return ORDINALS[match.group(1)]
    if re.search(r"\b(has|with|whose .*is) the " + _MAX + r"\b", low) or re.search(r"\bthe " + _MAX + r"\b", low):
        return 0
    return None


def _two_steps(body: str, images: Sequence[ImageDescription]) -> Found | None:
    """``First find the category ranked k (or highest) in chart A; then its rank/value in chart B``."""
    ask = re.split(r"\n\s*Note that your answer|\n\s*Note that Your final", body)[0]
    steps = re.split(r"\.\s*\n?\s*Then\b|\n\s*Then\b", ask, maxsplit=1, flags=re.I)
    if len(steps) != 2:
        return None
    first, then = steps
    a, b = _charts_in(first, len(images)), _charts_in(then, len(images))
    rank = _rank_word(first)
    if len(a) != 1 or len(b) != 1 or rank is None:
        return None
    listed = "listed" in ask.lower()
    ordered = _ranked(table(images[a[0]]), listed)
    if len(ordered) <= rank or not ordered[rank].category:
        return None
    if len(ordered) > rank + 1 and ordered[rank].value in (ordered[rank + 1].value, ordered[rank - 1].value if rank else None):
        return None  # a tie
    picked = ordered[rank]
    target = find_category(table(images[b[0]]), picked.category)
    if target is None:
        return None
    used = ((a[0], picked), (b[0], target))
    if re.search(r"which position|what position|rank", then, re.I):
        again = _ranked(table(images[b[0]]), listed)
        place = next(i for i, v in enumerate(again) if v is target)
        if place >= len(ORDINAL_WORDS):
            return None
        return Found(ORDINAL_WORDS[place], (a[0], b[0]), used)
    if re.search(r"what is the (value|percentage|number)", then, re.I):
        return Found(fmt(target.value), (a[0], b[0]), used)
    return None


def _chained(body: str, images: Sequence[ImageDescription]) -> Found | None:
    from assistant.answerers.chart_chain import answer_chained

    return answer_chained(body, images)


RULES = (_combine_counts, _which_year, _trend, _two_steps, _chained)


def answer_across_charts(body: str, images: Sequence[ImageDescription]) -> Found | None:
    """The first rule that computes an answer from the charts' tables, or None."""
    if len(images) < 2:
        return None
    for rule in RULES:
        found = rule(body, images)
        if found is not None:
            logger.debug("chart QA across charts: %s -> %s", rule.__name__, found.text)
            return found
    return None
