"""Two-step questions over charts whose figures are printed in rows and columns (survey charts).

``First identify the <group> with the largest <measure> in the Nth chart. Then what is the
percentage of <column> for this <group> in the Mth chart?`` Step one picks a row of the first
chart's printed table (:func:`tools.describe_image.printed_table.read_printed_table`): the rows are
those of the section the question's group names ("age group" → the section with "Ages 18-29"),
or the options it lists ("from Postgrad, College grad or HS or less"); the measure is one column
(named by its heading) or the gap between two columns; largest/smallest or a rank word picks the
row, and a tie gives no answer. Step two finds the same row label in the other chart and reads the
column its words name (the only column when there is one), or ranks the row in that column.
Anything unread, unnamed or ambiguous gives ``None``: the caller says it cannot answer.

Example:
    >>> found = answer_chained(body, images)  # doctest: +SKIP
    >>> found.text, found.charts  # doctest: +SKIP
    ('29', (1, 0))
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from assistant.lexical import terms
from assistant.types import ChartValue, ImageDescription
from tools.describe_image.printed_table import PrintedRow, PrintedTable, read_printed_table

ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "sixth": 5}
ORDINAL_WORDS = ["First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth"]
_MAX = r"\b(?:highest|largest|greatest|biggest|maximum|most)\b"
_MIN = r"\b(?:lowest|smallest|least|minimum|fewest)\b"
_GENERIC_NOUN = set(terms("group category categories label item issue aspect thing option type one row kind"))
_AGGREGATE = set(terms("total all overall u.s adults net"))
_GENERIC = set(terms("percentage percent share people who say think value number first second third chart "
                     "largest smallest highest lowest among listed this these what is gap between"))


def _charts_in(text: str, count: int) -> list[int]:
    found = [ORDINALS[m.lower()] for m in re.findall(r"\b(first|second|third|fourth|fifth|sixth)\s+charts?\b", text, re.I)]
    return [i for i in dict.fromkeys(found) if i < count]


def _steps(body: str) -> tuple[str, str] | None:
    ask = re.split(r"\n\s*Note that your answer|\n\s*Note that Your final|\n\s*Finally", body)[0]
    parts = re.split(r"\bThen\b", ask, maxsplit=1, flags=re.I)
    if len(parts) != 2 or not re.search(r"\b(first(ly)?|identify|extract|find)\b", parts[0], re.I):
        return None
    return parts[0], parts[1]


def _norm(label: str) -> str:
    return " ".join(re.sub(r"^ages?\s*", "", label.lower().replace("’", "'")).split())


def _same_label(a: str, b: str) -> bool:
    a, b = _norm(a), _norm(b)
    return a == b or (len(a) >= 5 and difflib.SequenceMatcher(None, a, b).ratio() >= 0.88)


def _column(table: PrintedTable, phrase: str, exclude: set[int] = frozenset()) -> int | None:  # type: ignore[assignment]
    """The column whose heading shares the most words with ``phrase`` (the only one when there is
    one); None on a tie or when no heading shares a word."""
    candidates = [j for j in range(len(table.columns)) if j not in exclude]
    if len(table.columns) == 1:
        return 0
    wanted = set(terms(phrase)) - _GENERIC
    scored = sorted(((len(set(terms(table.columns[j])) & wanted), j) for j in candidates), reverse=True)
    if not scored or scored[0][0] == 0 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]


def _options(step: str, rows: Sequence[PrintedRow]) -> list[PrintedRow] | None:
    """Rows named by a list in the question ("from Postgrad, College grad or HS or less")."""
    match = re.search(r"\b(?:from|in|among)\s*\(?([^()?.]+?)\)?,?\s+(?:whose|which|that|where|has|with|is)\b", step, re.I)
    if not match:
        return None
    names = [n.strip() for n in re.split(r",|\bor\b|\band\b", match.group(1)) if n.strip()]
    picked = [r for r in rows if any(_same_label(r.label, n) for n in names)]
    return picked if len(names) >= 2 and len(picked) == len(names) else None


def _candidates(step: str, table: PrintedTable) -> list[PrintedRow]:
    """The rows step one chooses among: listed options, else the sections the group noun names,
    else every row but aggregates ("Total", "U.S. adults")."""
    rows = list(table.full_rows())
    listed = _options(step, rows)
    if listed:
        return listed
    noun = re.search(r"\b(?:identify|extract|find|select)\s+(?:the|an?)\s+([a-z -]+?)\s+(?:whose|which|that|with|where|who|from|in|when)\b", step, re.I)
    kinds = set(terms(noun.group(1))) - _GENERIC_NOUN if noun else set()
    if kinds:
        sections = {r.section for r in rows if set(terms(r.label)) & kinds}
        if sections:
            return [r for r in rows if r.section in sections and not set(terms(r.label)) <= _AGGREGATE]
    return [r for r in rows if not set(terms(r.label)) <= _AGGREGATE]


def _measure(step: str, table: PrintedTable):  # noqa: ANN202 - (row -> value) or None
    gap = re.search(r"gap between (.+?) and (.+?)(?:\bamong\b|\bacross\b|\bin the\b|\bis the\b|$)", step, re.I | re.S)
    if gap:
        a = _column(table, gap.group(1))
        b = _column(table, gap.group(2), {a} if a is not None else set())
        if a is None or b is None or a == b:
            return None
        return lambda r: abs(r.values[a] - r.values[b]), (a, b)
    j = _column(table, step)
    if j is None:
        return None
    return lambda r: r.values[j], (j,)


def _pick(step: str, rows: list[PrintedRow], measure) -> PrintedRow | None:  # noqa: ANN001
    low = step.lower()
    rank = re.search(r"\brank(?:s|ed)?\s+(?:the\s+)?(first|second|third|fourth|fifth|sixth)\b", low)
    want_min = re.search(_MIN, low) is not None and re.search(_MAX, low) is None
    if not rank and re.search(_MAX, low) is None and not want_min:
        return None
    place = ORDINALS[rank.group(1)] if rank else 0
    ordered = sorted(rows, key=measure, reverse=not want_min)
    if len(ordered) <= place:
        return None
    score = measure(ordered[place])
    if sum(measure(r) == score for r in ordered) > 1:
        return None  # a tie: no single row
    return ordered[place]


def _pixels(image: ImageDescription):  # noqa: ANN202 - numpy array or None
    """The image's RGB pixels (for the colour of printed figures), or None when it cannot be opened."""
    import numpy as np

    from assistant.errors import ModalystError
    from tools.describe_image.images import load_image

    try:
        return np.asarray(load_image(image.path).convert("RGB"))
    except (ModalystError, OSError):
        return None


def table_of(image: ImageDescription) -> PrintedTable | None:
    """The chart's printed table, else its read one-series chart as a one-column table, else None."""
    printed = read_printed_table(image.ocr, _pixels(image))
    if printed is not None:
        return printed
    chart = image.chart
    if chart is None or len(chart.series) != 1 or not chart.values or not all(v.category for v in chart.values):
        return None
    rows = tuple(PrintedRow(v.category, v.bbox, (v.value,), (v.bbox,), 0) for v in chart.values)
    return PrintedTable((chart.series[0] if chart.series[0] != "value" else "",), rows)


def _column_where_extreme(then: str, table: PrintedTable, target: PrintedRow) -> int | None:
    """``In which <column> is this row's value the largest among all the rows?``: the one column where
    ``target`` leads (or trails) its section's rows, aggregates aside; None unless exactly one."""
    low = then.lower()
    want_min = re.search(_MIN, low) is not None and re.search(_MAX, low) is None
    if not want_min and re.search(_MAX, low) is None:
        return None
    peers = [r for r in table.full_rows() if r.section == target.section and not set(terms(r.label)) <= _AGGREGATE]
    if target not in peers or len(peers) < 2 or not all(table.columns):
        return None
    hits = []
    for j in range(len(table.columns)):
        best = (min if want_min else max)(r.values[j] for r in peers)
        if target.values[j] == best and sum(r.values[j] == best for r in peers) == 1:
            hits.append(j)
    return hits[0] if len(hits) == 1 else None


def _gap_to_extreme(then: str, extreme: str, table: PrintedTable, target: PrintedRow, charts: tuple[int, int], used_a):  # noqa: ANN001, ANN202
    """``the gap between this row and the lowest <column> in the chart``: |row − lowest| over the
    row's section (aggregates aside), in the column the question names."""
    from assistant.answerers.chart_compare import Found, fmt

    j = _column(table, re.split(r"\band the\b", then, maxsplit=1)[-1])
    peers = [r for r in table.full_rows() if r.section == target.section and not set(terms(r.label)) <= _AGGREGATE]
    if j is None or target not in peers or len(peers) < 2:
        return None
    pick = min if re.search(_MIN, extreme, re.I) else max
    other = pick(peers, key=lambda r: r.values[j])
    if sum(r.values[j] == other.values[j] for r in peers) > 1:
        return None
    used = used_a + (_cell(charts[1], table, target, j), _cell(charts[1], table, other, j))
    return Found(fmt(abs(target.values[j] - other.values[j])), charts, used)


def _cell(chart: int, table: PrintedTable, row: PrintedRow, j: int) -> tuple[int, ChartValue]:
    return chart, ChartValue(table.columns[j] or "value", row.label, row.values[j], True, row.boxes[j])


def answer_chained(body: str, images: Sequence[ImageDescription]):  # noqa: ANN201 - chart_compare.Found | None
    """``First pick a row in one chart, then read (or rank) it in another`` over printed tables."""
    from assistant.answerers.chart_compare import Found, fmt

    steps = _steps(body)
    if steps is None:
        return None
    first, then = steps
    a, b = _charts_in(first, len(images)), _charts_in(then, len(images))
    if len(a) != 1 or len(b) != 1 or a == b:
        return None
    table_a, table_b = table_of(images[a[0]]), table_of(images[b[0]])
    if table_a is None or table_b is None:
        return None
    found = _measure(first, table_a)
    if found is None:
        return None
    measure, used_columns = found
    picked = _pick(first, _candidates(first, table_a), measure)
    if picked is None:
        return None
    used_a = tuple(_cell(a[0], table_a, picked, k) for k in used_columns)
    same = [r for r in table_b.rows if _same_label(r.label, picked.label)]
    if len(same) != 1:
        return None
    target = same[0]
    versus = re.search(r"\b(?:gap|difference) between this \w+ and the (\w+)", then, re.I)
    if versus and re.search(_MAX + "|" + _MIN, versus.group(1), re.I):
        return _gap_to_extreme(then, versus.group(1), table_b, target, (a[0], b[0]), used_a)
    if re.search(r"\b(gap|difference|subtract\w*|ratio|sum|average)\b", then, re.I):
        return None  # a computation beyond one cell: not handled here
    if re.match(r"\s*(?:,\s*)?(?:in )?(which|what) (?!position|place|rank|is\b|was\b|are\b)\w+", then, re.I) and len(table_b.columns) > 1:
        column = _column_where_extreme(then, table_b, target)
        if column is None:
            return None
        return Found(table_b.columns[column], (a[0], b[0]), used_a + (_cell(b[0], table_b, target, column),))
    j = _column(table_b, re.sub(re.escape(picked.label), " ", then, flags=re.I))
    if j is None or len(target.values) != len(table_b.columns):
        return None
    used = used_a + (_cell(b[0], table_b, target, j),)
    if re.search(r"\b(which|what) (position|place|rank)", then, re.I):
        peers = [r for r in table_b.full_rows() if r.section == target.section]
        ordered = sorted(peers, key=lambda r: r.values[j], reverse=True)
        if sum(r.values[j] == target.values[j] for r in peers) > 1:
            return None
        place = ordered.index(target)
        return Found(ORDINAL_WORDS[place], (a[0], b[0]), used) if place < len(ORDINAL_WORDS) else None
    if re.search(r"\bwhat (is|was) the (\w+ )?(percentage|value|number|share)\b", then, re.I):
        return Found(fmt(target.values[j]), (a[0], b[0]), used)
    return None
