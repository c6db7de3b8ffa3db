"""Read grouped and stacked bar charts (vertical or horizontal, several series) into a series ×
category table, or say it cannot (``None``).

The series are the legend's entries: text with a swatch of one bar colour just left of it (each
colour named once, every bar colour named). Bars are the solid rectangles in those colours (the
swatches set aside), seen in the canonical frame of :mod:`tools.describe_image.chart` where every
bar grows upwards from a common baseline:

* **grouped**: every bar stands on (or hangs from) the baseline; runs of bars side by side, split
  where the gap between neighbours is clearly wider than inside a group, are the categories. A
  group holds each colour at most once, in one order shared by all groups. A value is the number
  printed at the bar's end, else the bar's end measured against the value axis (the single-series
  reader's tick fitting and consistency checks are reused);
* **stacked**: segments of different colours, one on another, over one base per category. A
  segment's value is the number printed inside it, else its length measured on the value axis (or
  scaled by the printed segments' value per pixel when there is no axis). Stacks hang together
  (touching segments, one colour order; a gap only where another stack shows a series between)
  and printed values must agree with the lengths. Horizontal stacks without a legend are named by
  the column headings over the top stack's segments.

The category of a group or stack is the text under (or left of) it. Anything inconsistent (no
legend, a bar colour the legend does not name, bars off the baseline, a label contradicting its
bar) gives ``None``; a bar too thin to be seen leaves its cell out rather than guessing it.

Example:
    >>> chart = read_grouped_bars(make_scene(image, ocr_lines))  # doctest: +SKIP
    >>> [(v.series, v.category, v.value) for v in chart.values][:2]  # doctest: +SKIP
    [('Men', 'High school', 34.0), ('Men', 'College', 21.0)]
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace

import numpy as np

from assistant.types import BBox, Chart, ChartValue
from tools.describe_image.chart import (
    VALUE_TOLERANCE,
    BarBox,
    bar_category,
    value_digits,
    fit_axis,
    Frame,
    on_gridlines,
    printed_label,
    slanted,
    TextBox,
    tick_labels,
    bar_values,
    parse_number,
)
from tools.describe_image.bar_legend import bar_colours, in_legend, series_legend
from tools.describe_image.chart_shapes import Scene, mostly_text, union
from tools.describe_image.chart_titles import chart_title, value_axis_title

logger = logging.getLogger(__name__)

EDGE = 2.0  # px: bars "on" the baseline, segments of one stack sharing their sides
JOIN = 3.0  # px: most space between two touching segments of a stack (a separator line)
MAX_SERIES = 8
_YEAR = re.compile(r"(19|20)\d\d")


@dataclass(frozen=True)
class _Piece:
    """A bar (grouped) or segment (stacked): canonical box, series index, and its group or stack."""

    box: BBox
    series: int
    group: int


def read_grouped_bars(scene: Scene) -> Chart | None:
    """A grouped or stacked bar chart with a legend; None unless every drawn bar is read consistently."""
    words = [line.bbox for line in scene.ocr if parse_number(line.text) is None]
    glyph = min((b[3] - b[1] for b in (line.bbox for line in scene.ocr)), default=0.0)  # a value may cover a thin bar
    solid = [(box, c) for box, c in scene.rects if not mostly_text(box, words)
             and not (max(box[2] - box[0], box[3] - box[1]) < glyph and mostly_text(box, [ln.bbox for ln in scene.ocr]))]
    colours = bar_colours(scene, solid)
    if len(colours) < 2:
        return None
    ids = sorted(colours)
    legend = series_legend(scene, colours)
    id_of = {colours[i]: i for i in ids}
    entry_of = {id_of[entry.colour]: entry for entry in legend if entry.colour in id_of}
    bars = [(box, c) for box, c in solid if c in entry_of and not in_legend(box, legend, scene.scale)]
    named = sorted({c for _, c in bars})
    if not legend:
        return _headed_stacks(scene, solid)
    if len(named) < 2 or len(named) > MAX_SERIES or len(bars) < 4 or len(named) < len(entry_of):
        return None  # (a legend entry whose colour has no bars: another kind of mark, not read here)
    order = sorted(named, key=lambda c: legend.index(entry_of[c]))
    names = [entry_of[c].text for c in order]
    if len(set(names)) != len(names):
        return None
    legend_lines = {line for line in scene.ocr if line.text.strip() in set(names)}
    best: Chart | None = None
    for frame in (Frame(horizontal=False), Frame(horizontal=True)):
        pieces = [(frame.box(box), order.index(c)) for box, c in bars]
        for build in (_grouped, _stacked):
            found = build(pieces)
            if found is None:
                continue
            others = [frame.box(box) for box, c in solid if c not in entry_of]
            if _unnamed_bars(found, others):
                logger.debug("grouped bars: bars of a colour the legend does not name")
                continue
            chart = _read(scene, frame, found, names, legend_lines, stacked=build is _stacked)
            if chart is not None and (best is None or len(chart.values) > len(best.values)):
                best = chart
    return best


def _headed_stacks(scene: Scene, solid: list[tuple[BBox, int]]) -> Chart | None:
    """Horizontal stacked bars without a legend whose series are named by column headings: text just
    above the top stack, over each of its segments (one heading per segment, none left over)."""
    frame = Frame(horizontal=True)
    found = _stacked([(frame.box(box), c) for box, c in solid])
    if found is None:
        return None
    pieces, base = found
    top = [p for p in pieces if p.group == 0]
    if {p.series for p in top} != {p.series for p in pieces} or len(top) > MAX_SERIES:
        return None  # a series missing from the top stack has no heading
    top.sort(key=lambda p: -p.box[3])  # left to right in the image
    y_top = min(frame.unbox(p.box)[1] for p in top)
    names, heading_lines = [], set()
    for p in top:
        x0, _, x1, _ = frame.unbox(p.box)
        over = sorted((ln for ln in scene.ocr if x0 <= (ln.bbox[0] + ln.bbox[2]) / 2 <= x1 and ln.bbox[3] <= y_top + 1
                       and parse_number(ln.text) is None), key=lambda ln: -ln.bbox[3])
        lines = []  # the heading: lines stacked tight, the lowest just above the top stack
        for ln in over:
            h = ln.bbox[3] - ln.bbox[1]
            if ln.bbox[3] >= (lines[-1].bbox[1] if lines else y_top) - (0.8 if lines else 1.5) * h:
                lines.append(ln)
            else:
                break
        if not lines:
            return None
        lines.sort(key=lambda ln: ln.bbox[1])
        names.append(" ".join(ln.text.strip() for ln in lines))
        heading_lines.update(lines)
    left, right = min(frame.unbox(p.box)[0] for p in top), max(frame.unbox(p.box)[2] for p in top)
    band = [ln for ln in scene.ocr if left <= (ln.bbox[0] + ln.bbox[2]) / 2 <= right
            and y_top - 1.5 * (ln.bbox[3] - ln.bbox[1]) <= ln.bbox[3] <= y_top + 1]
    if len(set(names)) != len(names) or any(ln not in heading_lines for ln in band):
        return None  # a heading over no segment: a series the colour pass did not find
    rank = {p.series: k for k, p in enumerate(top)}
    pieces = [_Piece(p.box, rank[p.series], p.group) for p in pieces]
    chart = _read(scene, frame, (pieces, base), names, heading_lines, stacked=True)
    return replace(chart, legend=()) if chart is not None else None  # headings, not a legend


def _baseline(pieces: list[tuple[BBox, int]]) -> float | None:
    """The canonical v where most pieces start (bottoms of standing bars, tops of hanging ones)."""
    best, count = None, 1
    for base in sorted({b[3] for b, _ in pieces}):
        n = sum(abs(b[3] - base) <= EDGE or abs(b[1] - base) <= EDGE for b, _ in pieces)
        if n > count:
            best, count = base, n
    return best


def _grouped(pieces: list[tuple[BBox, int]]) -> tuple[list[_Piece], float] | None:
    """Bars side by side on one baseline, in groups that each hold a colour once, in one order."""
    base = _baseline(pieces)
    if base is None or any(abs(b[3] - base) > EDGE and abs(b[1] - base) > EDGE for b, _ in pieces):
        return None
    ordered = sorted(pieces, key=lambda p: p[0][0])
    widths = [b[2] - b[0] for b, _ in ordered]
    width = float(np.median(widths))
    if any(abs(w - width) > max(2.0, 0.1 * width) for w in widths):
        return None
    gaps = [nxt[0][0] - prev[0][2] for prev, nxt in zip(ordered, ordered[1:])]
    if min(gaps) < -1:
        return None  # overlapping bars
    inner, outer = min(gaps), max(gaps)
    if outer <= 2 * max(inner, 0.0) + 3 or outer < 0.2 * width:
        return None  # evenly spaced bars: no groups to tell apart
    split = (inner + outer) / 2
    out, group = [], 0
    for k, (box, s) in enumerate(ordered):
        if k and gaps[k - 1] > split:
            group += 1
        out.append(_Piece(box, s, group))
    if not _one_order(out):
        return None
    return out, base


def _stacked(pieces: list[tuple[BBox, int]]) -> tuple[list[_Piece], float] | None:
    """Segments stacked on one baseline: same sides, touching, each colour once per stack, one order."""
    stacks: list[list[tuple[BBox, int]]] = []
    for box, s in sorted(pieces, key=lambda p: (p[0][0], -p[0][3])):
        for stack in stacks:
            if abs(stack[0][0][0] - box[0]) <= EDGE and abs(stack[0][0][2] - box[2]) <= EDGE:
                stack.append((box, s))
                break
        else:
            stacks.append([(box, s)])
    if len(stacks) < 2 or max(len(s) for s in stacks) < 2:
        return None
    bottoms = [max(b[3] for b, _ in stack) for stack in stacks]
    base = float(np.median(bottoms))
    widths = [stack[0][0][2] - stack[0][0][0] for stack in stacks]
    width = float(np.median(widths))
    if any(abs(w - width) > max(2.0, 0.1 * width) for w in widths):
        return None
    stacks.sort(key=lambda st: st[0][0][0])
    for stack in stacks:
        stack.sort(key=lambda p: -p[0][3])
    orders = [[-1] + [sr for _, sr in stack] for stack in stacks if abs(stack[0][0][3] - base) <= EDGE]  # -1: the base
    out = []
    for g, stack in enumerate(stacks):
        if abs(stack[0][0][3] - base) > EDGE and not (stack[0][0][3] < base and _between(-1, stack[0][1], orders)):
            return None  # a stack off the baseline (or hanging below it: diverging bars are not read)
        for (lower, a), (upper, b) in zip(stack, stack[1:]):
            if not -1 <= lower[1] - upper[3] <= JOIN and not _between(a, b, orders):
                return None  # apart, with no series that another stack shows between them
        out += [_Piece(box, sr, g) for box, sr in stack]
    return (out, base) if _one_order(out, key=lambda p: -p.box[3]) else None


def _between(a: int, b: int, orders: list[list[int]]) -> bool:
    """True when some stack holds a series between ``a`` and ``b`` (-1: the baseline), a segment too
    thin to be seen (or to be found whole under its printed value) in this one."""
    return any(a in o and b in o and o.index(b) - o.index(a) > 1 for o in orders)


def _unnamed_bars(found: tuple[list[_Piece], float], others: list[BBox]) -> bool:
    """True when a block of another colour stands on the baseline among the bars, as wide as they are."""
    pieces, base = found
    width = float(np.median([p.box[2] - p.box[0] for p in pieces]))
    lo, hi = min(p.box[0] for p in pieces), max(p.box[2] for p in pieces)
    return any(
        abs((b[2] - b[0]) - width) <= max(2.0, 0.1 * width) and lo - width <= b[0] and b[2] <= hi + width
        and (abs(b[3] - base) <= EDGE or abs(b[1] - base) <= EDGE)
        for b in others
    )


def _one_order(pieces: list[_Piece], key=lambda p: p.box[0]) -> bool:  # noqa: ANN001 - a sort key
    """Each group holds a series once, and every two series come in the same order in every group."""
    seen: dict[tuple[int, int], bool] = {}
    for g in {p.group for p in pieces}:
        members = sorted((p for p in pieces if p.group == g), key=key)
        order = [p.series for p in members]
        if len(set(order)) != len(order):
            return False
        for i, a in enumerate(order):
            for b in order[i + 1 :]:
                if seen.setdefault((b, a), False) or not seen.setdefault((a, b), True):
                    return False
    return True


def _read(scene: Scene, frame: Frame, found: tuple[list[_Piece], float], names: list[str],
          legend_lines: set, stacked: bool) -> Chart | None:
    pieces, base = found
    texts = [TextBox(line, frame.box(line.bbox), parse_number(line.text)) for line in scene.ocr]
    used = {i for i, t in enumerate(texts) if t.line in legend_lines}
    groups = sorted({p.group for p in pieces})
    spans = [_span([p for p in pieces if p.group == g], base) for g in groups]
    taken = used | _year_row(texts)  # years in a row are category names, not values or ticks
    if stacked:
        cells = _stack_values(scene, frame, pieces, spans, base, texts, taken)
    else:
        cells = _bar_values(scene, frame, pieces, spans, base, texts, taken)
    used |= taken - _year_row(texts)
    if cells is None:
        return None
    values, ticks = cells
    categories = _categories(scene, frame, spans, base, texts, used)
    if categories is None:
        return None
    title = chart_title(scene, [t for i, t in enumerate(texts) if t.line not in legend_lines], spans, frame)
    value_title = value_axis_title(frame, spans, texts, ticks, used, title) if ticks else None
    table = [
        ChartValue(names[p.series], categories[groups.index(p.group)], value, printed, box)
        for p, (value, printed, box) in sorted(zip(pieces, values), key=lambda pv: (pv[0].series, pv[0].group))
    ]
    return Chart(
        type="stacked bar" if stacked else "grouped bar",
        title=title,
        x_title=value_title if frame.horizontal else None,
        y_title=None if frame.horizontal else value_title,
        categories=tuple(categories),
        series=tuple(names),
        values=tuple(table),
        legend=tuple(names),
    )


def _year_row(texts: list[TextBox]) -> set[int]:
    """Texts showing a year that share their line (canonical v) with another such text."""
    years = [i for i, t in enumerate(texts) if _YEAR.fullmatch(t.line.text.strip())]
    return {i for i in years if any(j != i and abs(texts[j].vc - texts[i].vc) <= 2 for j in years)}


def _span(members: list[_Piece], base: float) -> BarBox:
    """A whole group or stack as one bar from the baseline (for categories, ticks and titles)."""
    u0, u1 = min(p.box[0] for p in members), max(p.box[2] for p in members)
    v0, v1 = min(p.box[1] for p in members), max(p.box[3] for p in members)
    positive = v0 < base - EDGE or v1 <= base + EDGE
    return BarBox((u0, min(v0, base), u1, max(v1, base)) if positive else (u0, base, u1, v1), positive)


def _categories(scene: Scene, frame: Frame, spans: list[BarBox], base: float, texts: list[TextBox],
                used: set[int]) -> list[str] | None:
    """The text under (left of) each group or stack: under the group itself, or else all in one row
    under the lowest bar (category labels along the plot's edge, below bars that hang)."""
    blocks = [frame.box(box) for box, _ in scene.rects]
    found = slanted(frame, spans, base, texts, used) if len(spans) >= 3 else None
    floor = max(span.box[3] for span in spans)
    low = [BarBox((s.box[0], s.box[1], s.box[2], floor), s.positive) for s in spans]
    for row in ([] if found else [spans, low]):
        taken = set(used)
        found = [bar_category(span, row, base, texts, taken, blocks) for span in row]
        if None not in found:
            used |= taken
            break
    if found is None or None in found or "" in found or len(set(found)) != len(found):
        logger.debug("grouped bars: categories missing or repeated: %s", found)
        return None
    if frame.horizontal and any(parse_number(c) is not None and not _YEAR.fullmatch(c.strip()) for c in found):
        return None  # numbers beside horizontal bars are values, not names (years excepted)
    return [str(c) for c in found]


def _axis(scene: Scene, frame: Frame, spans: list[BarBox], texts: list[TextBox], used: set[int]):  # noqa: ANN202
    ticks, gridded = on_gridlines(scene, frame, spans, tick_labels(spans, texts, used))
    return fit_axis(ticks, least=2 if gridded else 3), ticks


def _bar_values(scene, frame, pieces, spans, base, texts, used):  # noqa: ANN001, ANN202 - see _read
    """Grouped bars: printed values at the bar ends, else the axis (the single-series rules)."""
    bars = [BarBox(p.box, positive=abs(p.box[3] - base) <= EDGE) for p in pieces]
    printed = [printed_label(bar, texts, used) for bar in bars]
    axis, ticks = _axis(scene, frame, spans, texts, used)
    values = bar_values(bars, base, printed, axis, ticks)
    if values is None:
        return None
    out = []
    for bar, label, (value, was_printed) in zip(bars, printed, values):
        box = frame.unbox(bar.box)
        out.append((value, was_printed, union(box, label.line.bbox) if label is not None else box))
    return out, ticks


def _stack_values(scene, frame, pieces, spans, base, texts, used):  # noqa: ANN001, ANN202 - see _read
    """Stacked segments: the number printed inside each, else its length on the axis (or at the
    printed segments' value per pixel); printed numbers must agree with the lengths."""
    printed = [_inside_label(p.box, texts, used) for p in pieces]
    axis, ticks = _axis(scene, frame, spans, texts, used)
    lengths = [p.box[3] - p.box[1] for p in pieces]
    known = [(n, float(t.number)) for n, t in zip(lengths, printed) if t is not None]
    if axis is not None:
        measured = [axis(p.box[1]) - axis(p.box[3]) for p in pieces]
        numbers = [float(t.number) for t in ticks if t.number is not None]
        tolerance = VALUE_TOLERANCE * (max(numbers) - min(numbers))
        if any(t is not None and abs(m - float(t.number)) > tolerance for m, t in zip(measured, printed)):
            logger.debug("stacked bars: printed values disagree with the axis")
            return None
    else:
        if len(known) < 2 or (len(known) < len(pieces) and len(known) < 3):
            return None
        unit = float(np.median([v / n for n, v in known if n >= 1]))
        top = max(abs(v) for _, v in known)
        if any(abs(v - unit * n) > 0.05 * top + 2 * abs(unit) for n, v in known):
            logger.debug("stacked bars: printed values do not grow with the segments' lengths")
            return None
        measured = [unit * n for n in lengths]
    digits = value_digits(axis, [BarBox(p.box, True) for p in pieces]) if axis is not None else 1
    out = []
    for p, label, m in zip(pieces, printed, measured):
        box = frame.unbox(p.box)
        if label is not None:
            out.append((float(label.number), True, union(box, label.line.bbox)))
        else:
            out.append((round(m, digits), False, box))
    return out, ticks


def _inside_label(box: BBox, texts: list[TextBox], used: set[int]) -> TextBox | None:
    """The number printed inside a segment (nearest its centre)."""
    uc, vc = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    inside = [
        i for i, t in enumerate(texts)
        if t.number is not None and i not in used and box[0] <= t.uc <= box[2] and box[1] <= t.vc <= box[3]
    ]
    if not inside:
        return None
    best = min(inside, key=lambda i: abs(texts[i].uc - uc) + abs(texts[i].vc - vc))
    used.add(best)
    return texts[best]
