"""Answer questions about attached charts in code, from the chart table and the OCR geometry.

"The first chart" is ``images[0]``, "the second chart" ``images[1]`` and so on. Handled: axis
tick questions (lowest/highest/leftmost/rightmost labelled tick, counts of ticks and labels,
max − min and step of the tick values, shared tick values between two charts), titles, subplot
counts, "what does the axis represent" (multiple choice, matched against the chart's text) and
max/min/lookups over a chart table (over a table of several series by :mod:`chart_series`, which
also answers when a lone attached chart is not named by its ordinal). Questions across charts (counts combined, which year, trend,
rank in one chart then rank or value in another) are computed by :mod:`chart_compare` and cite
each value used. Questions numbered "1. … 2. …" are answered part by part and the parts joined
with "; ". Anything else returns ``None``: the caller falls back to another answerer.

Example:
    >>> draft = answer_chart_question("What is the title of the first chart?", [desc], evidence)  # doctest: +SKIP
    >>> draft.text  # doctest: +SKIP
    'Answer: Household financial transactions [1].'
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Callable, Sequence

from assistant.answerers.base import Draft
from assistant.answerers.chart_compare import Found, answer_across_charts
from assistant.answerers.chart_series import answer_series_question
from assistant.lexical import terms
from assistant.numbers import numbers_in
from assistant.types import AxisTick, Evidence, ImageDescription, OcrLine

logger = logging.getLogger(__name__)

ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "sixth": 5}
_CHART_REF = re.compile(r"\b(first|second|third|fourth|fifth|sixth)\s+(?:chart|plot|figure|image)", re.IGNORECASE)
_OPTION = re.compile(r"^\s*([A-H])[.)]\s+(.+?)\s*$", re.MULTILINE)
_PART = re.compile(r"(?:^|\n)\s*(\d)\.\s")
MAX_QUOTED = 8  # chart values quoted under an answer computed across charts


def answer_chart_question(
    question: str, images: Sequence[ImageDescription], evidence: Sequence[Evidence]
) -> Draft | None:
    """A cited answer computed from the attached charts, or None when no rule answers confidently."""
    if not images:
        return None
    body = _body(question)
    across = answer_across_charts(body, images)
    if across is not None:
        return _cited_draft(across, images, evidence)
    parts = _split_parts(body)
    answers: list[tuple[str, list[int]]] = []
    for part in parts:
        found = _answer_part(part, images)
        if found is None:
            logger.debug("chart QA: no rule for %r", part[:80])
            return None
        text, used = found
        answers.append((text, used))
    cited = sorted({_evidence_n(images[i], evidence) for _, used in answers for i in used} - {None})  # type: ignore[type-var]
    marks = "".join(f"[{n}]" for n in cited)
    text = "; ".join(a for a, _ in answers)
    computed = tuple(numbers_in(text))
    return Draft(f"Answer: {text}{' ' + marks if marks else ''}.", computed)


def _cited_draft(found: Found, images: Sequence[ImageDescription], evidence: Sequence[Evidence]) -> Draft:
    """``Answer: X [n][m].`` then, on its own line, the chart values it was computed from, each
    cited so that the citation narrows to that value's box."""
    quotes = [(i, v) for i, v in found.values if v.category][:MAX_QUOTED]
    # Values quoted below carry their own marks (narrowed to their boxes); the answer line cites the
    # charts only when it quotes nothing, and the piece that prints the answer when it repeats one.
    cited = set() if quotes else {_evidence_n(images[i], evidence) for i in found.charts}
    if found.quoted_from is not None:  # the evidence piece of that chart that prints the answer
        path = images[found.quoted_from].path
        cited |= {e.n for e in evidence if e.locator.path == path and found.text in e.text}
    marks = "".join(f"[{n}]" for n in sorted(cited - {None}))  # type: ignore[type-var]
    text = f"Answer: {found.text}{' ' + marks if marks else ''}."
    quoted = []
    for i, value in quotes:
        n = _evidence_n(images[i], evidence)
        if n is not None:
            quoted.append(f"{value.category} = {value.value:g} [{n}]")
    if quoted:
        rest = len(found.values) - len(quotes)
        more = f" and {rest} more" if rest > 0 else ""
        text += "\nFrom the chart values: " + "; ".join(quoted) + more + "."
    return Draft(text, () if found.quoted_from is not None else tuple(numbers_in(found.text)))


def _body(question: str) -> str:
    """The question without the "The first chart is <image>." preamble."""
    return question.split("Question:", 1)[1] if "Question:" in question else question


def _split_parts(body: str) -> list[str]:
    """``1. … 2. …`` sub-questions (each with its notes and options), or the whole body."""
    starts = [m.start() for m in _PART.finditer(body)]
    if len(starts) < 2:
        return [body]
    starts.append(len(body))
    return [body[a:b] for a, b in zip(starts, starts[1:])]


def _evidence_n(image: ImageDescription, evidence: Sequence[Evidence]) -> int | None:
    for item in evidence:
        if item.locator.path == image.path:
            return item.n
    return None


def _charts_named(text: str, count: int) -> list[int]:
    """Indexes of the charts a question names, in order of mention (within the attached count)."""
    found = [ORDINALS[m.group(1).lower()] for m in _CHART_REF.finditer(text)]
    return [i for i in dict.fromkeys(found) if i < count]


def _question_line(part: str) -> str:
    """The asking sentence of a sub-question (before its "Note that" guidance)."""
    return re.split(r"\n\s*Note that|\nNote:", part, maxsplit=1)[0].strip()


def _answer_part(part: str, images: Sequence[ImageDescription]) -> tuple[str, list[int]] | None:
    ask = _question_line(part)
    low = ask.lower()
    charts = _charts_named(ask, len(images)) or ([0] if len(images) == 1 else [])
    if not charts:
        return None
    table = images[charts[0]].chart
    several = answer_series_question(low, table) if table is not None else None
    if several is not None:  # a chart of several series: the question names series and categories
        return several.text, charts[:1]
    if not _charts_named(ask, len(images)):
        return None
    if len(charts) >= 2 and re.match(r"\s*first(ly)?\b", low) and re.search(r"\bthen\b", low):
        return None  # two steps across charts: only chart_compare's rules compute those
    options = dict(_OPTION.findall(part))
    if options and re.search(r"axis .*represent|represent", low):
        return _choose_option(options, images[charts[0]], low), charts[:1]
    if len(charts) >= 2 and re.search(r"same (explicitly written |labeled )?(tick|label|countries)", low):
        return _shared_ticks(low, images[charts[0]], images[charts[1]]), charts[:2]
    for pattern, rule in RULES:
        if re.search(pattern, low):
            value = rule(low, images[charts[0]])
            return (value, charts[:1]) if value is not None else None
    return None


def _frame(image: ImageDescription):  # noqa: ANN202 - tools.describe_image.axes.Axes
    from tools.describe_image.axes import read_axes

    return read_axes(image.ocr, image.width, image.height)


def _axis_ticks(low: str, image: ImageDescription, every: bool = False) -> tuple[AxisTick, ...] | None:
    """The tick labels of the axis a question names (``every``: of all panels)."""
    frame = _frame(image)
    x, y = (frame.x_all, frame.y_all) if every else (frame.x_ticks, frame.y_ticks)
    if re.search(r"vertical axis|y[ -]?(position )?axis|y-axis", low):
        return y
    if re.search(r"horizontal axis|x[ -]?(position )?axis|x-axis", low):
        return x
    if "all axes" in low:
        return x + y
    return None


def _fmt(value: float) -> str:
    text = f"{round(value, 6):.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _extreme_tick(low: str, image: ImageDescription) -> str | None:
    ticks = _axis_ticks(low, image)
    if not ticks:
        return None
    first = re.search(r"spatially highest|leftmost|topmost", low) is not None
    return (ticks[0] if first else ticks[-1]).text


def _count_ticks(low: str, image: ImageDescription) -> str | None:
    ticks = _axis_ticks(low, image)
    return str(len(ticks)) if ticks else None


def _tick_range(low: str, image: ImageDescription) -> str | None:
    values = [t.value for t in _axis_ticks(low, image) or () if t.value is not None]
    return _fmt(max(values) - min(values)) if len(values) >= 2 else None


def _tick_step(low: str, image: ImageDescription) -> str | None:
    values = [t.value for t in _axis_ticks(low, image) or () if t.value is not None]
    steps = sorted(abs(b - a) for a, b in zip(values, values[1:]) if b != a)
    if not steps:
        return None
    return _fmt(steps[len(steps) // 2])


def _title(low: str, image: ImageDescription) -> str | None:
    if image.chart is not None and image.chart.title:
        return image.chart.title
    return _frame(image).title or "Not Applicable"


def _subplots(low: str, image: ImageDescription) -> str | None:
    if image.chart is not None and image.chart.panels > 1:
        return str(image.chart.panels)
    return str(_frame(image).panels)


def _table_extreme(low: str, image: ImageDescription) -> str | None:
    chart = image.chart
    if chart is None or not chart.values or len(chart.series) != 1:
        return None
    pick = max if re.search(r"\b(highest|largest|most|maximum|biggest)\b", low) else min
    return pick(chart.values, key=lambda v: v.value).category


def _table_lookup(low: str, image: ImageDescription) -> str | None:
    chart = image.chart
    if chart is None or not chart.values:
        return _ocr_row_lookup(low, image)
    named = [v for v in chart.values if terms(v.category) and set(terms(v.category)) <= set(terms(low))]
    return _fmt(named[0].value) if len(named) == 1 else _ocr_row_lookup(low, image)


_GENERIC = set(terms("first second third chart graph figure subplot percentage percent value number share people who say"))
_FIGURE_TEXT = re.compile(r"[-+]?\$?\d[\d,]*(?:\.\d+)?%?")


def _row_figures(label: OcrLine, lines: Sequence[OcrLine]) -> list[OcrLine]:
    """Printed figures right of ``label`` on its row."""
    centre = (label.bbox[1] + label.bbox[3]) / 2
    reach = max((label.bbox[3] - label.bbox[1]) / 2, 6.0)
    return [
        line
        for line in lines
        if _FIGURE_TEXT.fullmatch(line.text.strip())
        and abs((line.bbox[1] + line.bbox[3]) / 2 - centre) <= reach
        and line.bbox[0] >= label.bbox[2] - 2
    ]


def _column_named(figures: list[OcrLine], label: OcrLine, lines: Sequence[OcrLine], wanted: set[str]) -> list[OcrLine]:
    """Of a row's figures, the one under the column heading (text above the row, spanning the figure's
    centre) that names more of the question's remaining words than any other column's heading."""

    centres = [(f.bbox[0] + f.bbox[2]) / 2 for f in figures]

    def heading_hits(figure: OcrLine) -> int:
        centre = (figure.bbox[0] + figure.bbox[2]) / 2
        above = [
            line for line in lines
            if line.bbox[3] <= label.bbox[1] and not _FIGURE_TEXT.fullmatch(line.text.strip())
            and [c for c in centres if line.bbox[0] <= c <= line.bbox[2]] == [centre]  # this column only
        ]
        return len(set(terms(" ".join(line.text for line in above))) & wanted)

    scored = [(heading_hits(figure), figure) for figure in figures]
    best = max(hit for hit, _ in scored)
    chosen = [figure for hit, figure in scored if hit == best]
    return chosen if best > 0 else figures


def _ocr_row_lookup(low: str, image: ImageDescription) -> str | None:
    """The printed figure beside the one row label the question names (bars whose values are printed
    beside their labels, as in most survey charts). Only labels with exactly one figure on their row
    count, words rare on the chart weigh more; None unless one label matches the question best."""
    wanted = set(terms(low)) - _GENERIC
    line_terms = [set(terms(line.text)) for line in image.ocr]
    spread = {t: sum(t in words for words in line_terms) for t in wanted}  # rarer words name a row better
    rows = []
    for line, words in zip(image.ocr, line_terms):
        if _FIGURE_TEXT.fullmatch(line.text.strip()):
            continue
        figures = _row_figures(line, image.ocr)
        hit = sum(1.0 / spread[t] for t in words & wanted)
        if hit and len(figures) > 1:
            figures = _column_named(figures, line, image.ocr, wanted - words)
        if hit and len(figures) == 1:
            rows.append((hit, figures[0]))
    best = max((hit for hit, _ in rows), default=0)
    found = [figure for hit, figure in rows if hit == best]
    if best == 0 or len(found) != 1:
        return None
    return found[0].text.strip().lstrip("+$").rstrip("%")


def _count_bars(low: str, image: ImageDescription) -> str | None:
    chart = image.chart
    if chart is None or not chart.type.endswith("bar") or not chart.values:
        return None
    if chart.type == "stacked bar":  # a bar of several segments counts once
        return str(len(chart.categories))
    return str(len(chart.values))


def _bar_colours(low: str, image: ImageDescription) -> str | None:
    chart = image.chart
    if chart is None or not chart.type.endswith("bar"):
        return None
    return str(len(chart.series))


def _legend_names(low: str, image: ImageDescription) -> str | None:
    """The legend's entries as the chart reader read them (top to bottom, then left to right)."""
    chart = image.chart
    return ", ".join(chart.legend) if chart is not None and chart.legend else None


RULES: list[tuple[str, Callable[[str, ImageDescription], str | None]]] = [
    (r"(spatially (lowest|highest)|leftmost|rightmost) label", _extreme_tick),
    (r"difference between (the )?maximum and minimum values of the tick", _tick_range),
    (r"difference between consecutive", _tick_step),
    (r"how many (labeled |labelled |explicitly written )?(ticks|labels|labeles|tick labels)\b", _count_ticks),
    (r"(total )?number of (explicitly )?(labeled |labelled |written )*(ticks|labels)", _count_ticks),
    (r"how many (countries|categories|years) are there on the (horizontal|vertical) axis", _count_ticks),
    (r"what is the title of", _title),
    (r"how many subplots", _subplots),
    (r"how many distinct bars", _count_bars),
    (r"how many colou?rs are used for the bars", _bar_colours),
    (r"names of the (labels|entries) in the legend", _legend_names),
    (r"^(which|what) \w+( \w+)? has the (highest|lowest|largest|smallest)", _table_extreme),
    (r"what (is|was) the (value|percentage|number|share)|^what percentage", _table_lookup),
]


_CATEGORY_WORDS = set(terms("countries country regions region names name categories category platforms ranked"))


def _choose_option(options: dict[str, str], image: ImageDescription, low: str) -> str:
    """The option sharing the most words with the chart's text (axis titles weigh double). An axis
    labelled with names (countries, platforms) represents those names: options that say so are
    preferred for it and set aside for a numeric axis."""
    frame = _frame(image)
    vertical = "vertical" in low or "y-axis" in low
    axis_title = frame.y_title if vertical else frame.x_title
    text = " ".join(line.text for line in image.ocr)
    text_terms = set(terms(text)) | ({"percentage", "percent"} if "%" in text else set())
    title_terms = set(terms(axis_title or ""))
    ticks = frame.y_ticks if vertical else frame.x_ticks
    if ticks:
        named_axis = sum(t.value is None for t in ticks) > len(ticks) / 2
        naming = {k: v for k, v in options.items() if set(terms(v)) & _CATEGORY_WORDS}
        kept = naming if named_axis else {k: v for k, v in options.items() if k not in naming}
        options = kept or options

    def score(item: tuple[str, str]) -> tuple[float, str]:
        words = set(terms(item[1]))
        if not words:
            return (0.0, item[0])
        hit = len(words & text_terms) + len(words & title_terms)
        return (hit / len(words) ** 0.5, item[0])

    return max(options.items(), key=lambda kv: (score(kv)[0], -ord(kv[0])))[0]


def _category_ticks(low: str, image: ImageDescription) -> tuple[AxisTick, ...] | None:
    """A read bar chart's named categories as the ticks of its category axis, when the question asks
    about that axis (or all axes, or names no axis); None otherwise."""
    chart = image.chart
    if chart is None or not chart.type.endswith("bar") or not any(v.category for v in chart.values):
        return None
    horizontal_bars = chart.x_title is not None and chart.y_title is None
    asks_x = re.search(r"horizontal axis|x[ -]?(position )?axis|x-axis", low) is not None
    asks_y = re.search(r"vertical axis|y[ -]?(position )?axis|y-axis", low) is not None
    if (asks_x and horizontal_bars) or (asks_y and not horizontal_bars):
        return None
    first = {}  # one tick per category (a chart of several series repeats each category per series)
    for v in chart.values:
        first.setdefault(v.category, v)
    names = tuple(AxisTick(v.category, None, v.bbox) for v in first.values() if v.category)
    if "all axes" in low:
        frame = _frame(image)
        return names + (frame.x_ticks if horizontal_bars else frame.y_ticks)
    return names


def _shared_ticks(low: str, a: ImageDescription, b: ImageDescription) -> str:
    every = lambda image: _category_ticks(low, image) or _axis_ticks(low, image, every=True) or ()  # noqa: E731
    key = lambda t: _fmt(t.value) if t.value is not None else " ".join(t.text.lower().split())  # noqa: E731
    keys_a, keys_b = {key(t) for t in every(a)}, {key(t) for t in every(b)}
    shared = keys_a & keys_b
    for name in keys_a - shared:  # an OCR slip ("Inited Kingdom") still names the same label
        if len(name) >= 5 and any(difflib.SequenceMatcher(None, name, other).ratio() >= 0.85 for other in keys_b - shared):
            shared.add(name)
    return str(len(shared))
