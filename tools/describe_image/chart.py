"""Read a chart image into a table of values, or say it cannot (``None``); it never guesses.

One reader per chart type, tried in order (:data:`CHART_READERS`): bars here, then grouped and stacked
bars (:mod:`tools.describe_image.grouped_bars`), line charts (:mod:`tools.describe_image.line_chart`) and
pies (:mod:`tools.describe_image.pie_chart`). Bar charts (vertical or
horizontal, one series, a highlighted bar allowed) are read so far: the bars are solid rectangles
of one colour standing on a common baseline (bars the colour pass missed are recovered where the
bars' pitch leaves a gap); their categories are the OCR text under (or left of) each bar, or 45°
labels on every k-th bar (the others stay unnamed, ``""``); their values are the numbers printed
at the bar ends, or else are measured against the value axis, whose numeric tick labels must fit a
straight pixel-to-value line (labels printed above gridlines are moved onto them). Any
inconsistency gives ``None``. Bars of several series (grouped or stacked) are left to
:mod:`tools.describe_image.grouped_bars`, which reuses the axis, label and category helpers here.

Horizontal charts are handled in a "canonical" frame where every bar grows upwards:
``(u, v) = (y, -x)``; vertical charts use ``(u, v) = (x, y)``.

Example:
    >>> chart = read_chart(load_image("bars.png"), ocr_lines)  # doctest: +SKIP
    >>> [(v.category, v.value, v.printed) for v in chart.values]  # doctest: +SKIP
    [('Q1', 4.2, True), ('Q2', 5.1, True)]
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

from assistant.types import BBox, Chart, ChartValue, OcrLine
from tools.describe_image.bar_labels import gridline_position, slanted_categories
from tools.describe_image.chart_titles import chart_title as _title
from tools.describe_image.chart_titles import value_axis_title as _value_axis_title
from tools.describe_image.chart_shapes import Scene, bars_touch_blocks, make_scene, missing_bars, mostly_text, overlap, union
from tools.describe_image.line_chart import read_line_chart
from tools.describe_image.pie_chart import read_pie_chart

logger = logging.getLogger(__name__)

MAX_SIDE = 2000  # larger images are read at this size (coordinates are mapped back)
VALUE_TOLERANCE = 0.05  # printed values vs the axis: share of the axis span
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_number(text: str) -> float | None:
    """The number a label shows ("4.2", "39%", "$1,250", "-3.5bn", "(2.1)"), or None if it is not one."""
    t = text.strip().replace("−", "-").replace("–", "-").replace(" ", "")
    negative = t.startswith("(") and t.endswith(")")
    t = t.strip("()").lstrip("+$€£¥").rstrip("%")
    for suffix in ("bn", "pp", "k", "m", "b", "x", "K", "M", "B"):
        if t.endswith(suffix) and len(t) > len(suffix):
            t = t[: -len(suffix)]
            break
    t = t.lstrip("$€£¥")
    if _THOUSANDS.match(t):
        t = t.replace(",", "")
    if not re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)", t):
        return None
    value = float(t)
    return -value if negative else value


@dataclass(frozen=True)
class Frame:
    """Maps boxes between the image and the canonical frame (bars grow towards smaller v)."""

    horizontal: bool

    def box(self, b: BBox) -> BBox:
        x0, y0, x1, y1 = b
        return (y0, -x1, y1, -x0) if self.horizontal else b

    def unbox(self, b: BBox) -> BBox:
        u0, v0, u1, v1 = b
        return (-v1, u0, -v0, u1) if self.horizontal else b


@dataclass(frozen=True)
class TextBox:
    line: OcrLine
    box: BBox  # canonical
    number: float | None

    @property
    def uc(self) -> float:
        return (self.box[0] + self.box[2]) / 2

    @property
    def vc(self) -> float:
        return (self.box[1] + self.box[3]) / 2

    @property
    def size(self) -> float:
        """Text height in the image (the smaller side of the box: rotated text counts too)."""
        x0, y0, x1, y1 = self.line.bbox
        return max(1.0, min(x1 - x0, y1 - y0))


@dataclass(frozen=True)
class BarBox:
    box: BBox  # canonical (u0, v0, u1, v1)
    positive: bool

    @property
    def end(self) -> float:
        return self.box[1] if self.positive else self.box[3]


def read_chart(image: Image.Image, ocr: tuple[OcrLine, ...]) -> Chart | None:
    """The chart on ``image`` as a table, or None when no reader can read it with confidence."""
    scene = make_scene(image, ocr, MAX_SIDE)
    for reader in CHART_READERS:
        chart = reader(scene)
        if chart is not None:
            return chart
    return None


def read_bar_chart(scene: Scene) -> Chart | None:
    """A single-series bar chart, vertical or horizontal; None unless every bar is read."""
    texts_area = [line.bbox for line in scene.ocr]
    solid = [r for r in scene.rects if not mostly_text(r[0], texts_area)]
    best: tuple[Frame, list[BarBox], float] | None = None
    for frame in (Frame(horizontal=False), Frame(horizontal=True)):
        found = _bar_group(frame, solid)
        if found is not None and (best is None or len(found[0]) > len(best[1])):
            best = (frame, *found)
    if best is None:
        logger.debug("bar chart: no group of aligned bars")
        return None
    frame, bars, base = best
    if not frame.horizontal:
        extra = missing_bars(scene, [bar.box for bar in bars], base)
        bars = sorted(bars + [BarBox(box, positive=box[1] < base or box[3] <= base) for box in extra], key=lambda b: b.box[0])
    tall = [frame.unbox(bar.box) for bar in bars if bar.box[3] - bar.box[1] >= 4]  # a sliver has no sides to test
    if not tall or bars_touch_blocks(scene, tall, frame.horizontal):
        logger.debug("bar chart: bars touch other blocks (grouped bars or a histogram): not read yet")
        return None
    texts = [TextBox(line, frame.box(line.bbox), parse_number(line.text)) for line in scene.ocr]
    return _read_bars(scene, frame, bars, base, texts)


def _bar_group(frame: Frame, rects: list[tuple[BBox, int]]) -> tuple[list[BarBox], float] | None:
    """The largest set of same-width rectangles standing on one baseline (one colour plus highlights)."""
    boxes = [(frame.box(box), colour) for box, colour in rects]
    best: tuple[tuple[int, int], list[BarBox], float] | None = None
    for base in sorted({b[3] for b, _ in boxes} | {b[1] for b, _ in boxes}):
        on = [(b, c) for b, c in boxes if abs(b[3] - base) <= 2 or abs(b[1] - base) <= 2]
        if len(on) < 2:
            continue
        width = float(np.median([b[2] - b[0] for b, _ in on]))
        on = sorted(((b, c) for b, c in on if abs((b[2] - b[0]) - width) <= max(2.0, 0.1 * width)), key=lambda x: x[0][0])
        colours = [c for _, c in on]
        if len(on) < 2 or sum(colours.count(c) >= 2 for c in set(colours)) > 1:
            continue  # several series (or none): not read yet
        if any(nxt[0] < prev[2] - 1 for (prev, _), (nxt, _) in zip(on, on[1:])):
            continue  # overlapping in the cross direction
        if _stacked([b for b, _ in on], [b for b, _ in boxes], base):
            return None
        bars = [BarBox(b, positive=abs(b[3] - base) <= 2) for b, _ in on]
        rank = (len(bars), sum(bar.positive for bar in bars))  # equal bars: standing beats hanging
        if best is None or rank > best[0]:
            best = (rank, bars, base)
    return (best[1], best[2]) if best else None


def _stacked(bars: list[BBox], boxes: list[BBox], base: float) -> bool:
    """True when another block sits on a bar's far end with the same width (a stacked chart)."""
    for bar in bars:
        end = bar[1] if abs(bar[3] - base) <= 2 else bar[3]
        for other in boxes:
            same_width = abs(other[0] - bar[0]) <= 2 and abs(other[2] - bar[2]) <= 2
            touches = abs(other[3] - end) <= 2 or abs(other[1] - end) <= 2
            if same_width and touches and other != bar:
                return True
    return False


def _read_bars(scene: Scene, frame: Frame, bars: list[BarBox], base: float, texts: list[TextBox]) -> Chart | None:
    used: set[int] = set()
    printed = [printed_label(bar, texts, used) for bar in bars]
    blocks = [frame.box(box) for box, _ in scene.rects]
    categories = slanted(frame, bars, base, texts, used)
    if categories is None:
        categories = [bar_category(bar, bars, base, texts, used, blocks) for bar in bars]
    named = [c for c in categories if c]
    numeric = frame.horizontal and any(parse_number(c) is not None for c in named)
    if numeric or (None in categories and "" not in categories) or len(set(named)) != len(named) or not named:
        logger.debug("bar chart: categories missing, repeated or numbers beside bars: %s", categories)
        return None
    ticks, gridded = on_gridlines(scene, frame, bars, tick_labels(bars, texts, used))
    axis = fit_axis(ticks, least=2 if gridded else 3)
    values = bar_values(bars, base, printed, axis, ticks)
    if values is None:
        return None
    title = _title(scene, texts, bars, frame)
    value_title = _value_axis_title(frame, bars, texts, ticks, used, title) if axis else None
    series = value_title or "value"
    cells = []
    for bar, label, category, (value, was_printed) in zip(bars, printed, categories, values):
        box = frame.unbox(bar.box)
        if label is not None:
            box = union(box, label.line.bbox)
        cells.append(ChartValue(series, str(category), value, was_printed, box))
    return Chart(
        type="bar",
        title=title,
        x_title=value_title if frame.horizontal else None,
        y_title=None if frame.horizontal else value_title,
        categories=tuple(str(c) for c in categories),
        series=(series,),
        values=tuple(cells),
    )


def slanted(frame: Frame, bars: list[BarBox], base: float, texts: list[TextBox], used: set[int]) -> list[str] | None:
    """Categories from 45° labels under a vertical chart ("" for the bars left unlabelled), or None."""
    if frame.horizontal:
        return None
    free = [i for i, t in enumerate(texts) if i not in used and t.number is None]
    centres = [(b.box[0] + b.box[2]) / 2 for b in bars]
    floor = max(b.box[3] for b in bars)  # under every bar, hanging ones too
    found = slanted_categories(centres, _pitch(bars), floor, [texts[i].line for i in free])
    if found is None:
        return None
    names = set(found)
    used.update(i for i in free if texts[i].line.text.strip() in names)
    return [c or "" for c in found]


def on_gridlines(scene: Scene, frame: Frame, bars: list[BarBox], ticks: list[TextBox]) -> tuple[list[TextBox], bool]:
    """Tick labels moved onto their gridlines when every one of them has a gridline beside it
    (and whether they were: two ticks on drawn gridlines fix an axis, three are needed otherwise)."""
    if len(ticks) < 2:
        return ticks, False
    plot = frame.unbox((min(b.box[0] for b in bars), min(b.box[1] for b in bars),
                        max(b.box[2] for b in bars), max(b.box[3] for b in bars)))
    moved = []
    for t in ticks:
        at = gridline_position(scene.rgb, scene.scale, t.line.bbox, plot, frame.horizontal)
        if at is None:
            return ticks, False
        shift = (-at if frame.horizontal else at) - t.vc
        moved.append(TextBox(t.line, (t.box[0], t.box[1] + shift, t.box[2], t.box[3] + shift), t.number))
    return moved, True


def printed_label(bar: BarBox, texts: list[TextBox], used: set[int]) -> TextBox | None:
    """The number printed just beyond the bar's end, or just inside it."""
    u0, _, u1, _ = bar.box
    width = u1 - u0
    best, best_gap = None, math.inf
    for i, t in enumerate(texts):
        if t.number is None or i in used or not (u0 - 0.25 * width <= t.uc <= u1 + 0.25 * width):
            continue
        outside = (bar.end - t.box[3]) if bar.positive else (t.box[1] - bar.end)
        inside = (t.box[1] - bar.end) if bar.positive else (bar.end - t.box[3])
        if -0.5 * t.size <= outside <= 2.0 * t.size:
            gap = abs(outside)
        elif 0 <= inside <= 2.0 * t.size:
            gap = inside + 0.5
        else:
            continue
        if gap < best_gap:
            best, best_gap = i, gap
    if best is None:
        return None
    used.add(best)
    return texts[best]


def bar_category(
    bar: BarBox, bars: list[BarBox], base: float, texts: list[TextBox], used: set[int], blocks: list[BBox]
) -> str | None:
    """The text under the bar (canonical frame), joined over wrapped lines; None if a block is between."""
    pitch = _pitch(bars)
    lo, hi = (bar.box[0] + bar.box[2]) / 2 - pitch / 2, (bar.box[0] + bar.box[2]) / 2 + pitch / 2
    floor = max(base, bar.box[3])
    near = [i for i, t in enumerate(texts) if i not in used and lo <= t.uc <= hi and t.box[1] >= floor - 2]
    near = [i for i in near if texts[i].box[1] - floor <= 3 * texts[i].size]
    if not near:
        return None
    group = [min(near, key=lambda i: texts[i].box[1])]
    gap = (bar.box[0], floor + 1, bar.box[2], texts[group[0]].box[1] - 1)
    if any(overlap(gap, block) > 0 for block in blocks):
        return None  # another bar or block sits between this bar and the text: not its label
    for i in sorted(near, key=lambda i: texts[i].box[1]):
        if i not in group and any(_adjacent(texts[i].line.bbox, texts[j].line.bbox) for j in group):
            group.append(i)
    used.update(group)
    lines = sorted((texts[i].line for i in group), key=lambda ln: (ln.bbox[1], ln.bbox[0]))
    return " ".join(line.text for line in lines)


def _pitch(bars: list[BarBox]) -> float:
    centres = sorted((b.box[0] + b.box[2]) / 2 for b in bars)
    return float(np.median(np.diff(centres)))


def _adjacent(a: BBox, b: BBox) -> bool:
    """Wrapped lines of one label: overlapping horizontally, at most ~0.8 line apart vertically."""
    height = min(a[3] - a[1], b[3] - b[1])
    gap = max(a[1], b[1]) - min(a[3], b[3])
    return min(a[2], b[2]) > max(a[0], b[0]) and gap <= 0.8 * height


def tick_labels(bars: list[BarBox], texts: list[TextBox], used: set[int]) -> list[TextBox]:
    """Numeric labels beside the plot (outside the bars' cross range), on the side nearest the bars."""
    lo, hi = min(b.box[0] for b in bars), max(b.box[2] for b in bars)
    top = min(b.box[1] for b in bars)
    bottom = max(b.box[3] for b in bars)
    reach = max(bottom - top, 60.0)  # the axis may run well above the tallest bar
    sides: list[list[TextBox]] = [[], []]
    for i, t in enumerate(texts):
        if t.number is None or i in used or not (top - reach <= t.vc <= bottom + 3 * t.size):
            continue
        if t.box[2] <= lo + 2:
            sides[0].append(t)
        elif t.box[0] >= hi - 2:
            sides[1].append(t)
    side = max(sides, key=len)
    if not side:
        return []
    edge = max(t.box[2] for t in side) if side is sides[0] else min(t.box[0] for t in side)
    size = float(np.median([t.size for t in side]))
    return [t for t in side if min(abs(t.box[2] - edge), abs(t.box[0] - edge)) <= 3 * size]


def fit_axis(ticks: list[TextBox], least: int = 3) -> Callable[[float], float] | None:
    """value = a*v + b from at least ``least`` tick labels lying on a straight line (values rise upwards)."""
    if len({t.number for t in ticks}) < least:
        return None
    for subset in [ticks] + [ticks[:i] + ticks[i + 1 :] for i in range(len(ticks))] * (len(ticks) >= 4):
        pos = np.array([t.vc for t in subset])
        val = np.array([t.number for t in subset], dtype=float)
        a, b = np.polyfit(pos, val, 1)
        span_px = pos.max() - pos.min()
        residual = np.abs(a * pos + b - val).max() / abs(a) if a else math.inf
        if a < 0 and span_px > 0 and residual <= max(2.0, 0.01 * span_px):
            return lambda v, a=a, b=b: float(a * v + b)
    logger.debug("bar chart: tick labels do not fit a linear axis: %s", [t.line.text for t in ticks])
    return None


def bar_values(
    bars: list[BarBox], base: float, printed: list[TextBox | None], axis: Callable[[float], float] | None,
    ticks: list[TextBox],
) -> list[tuple[float, bool]] | None:
    """Printed values where present, axis estimates elsewhere; None if they disagree or one is missing."""
    known = [(bar.end, float(label.number)) for bar, label in zip(bars, printed) if label and label.number is not None]
    if axis is not None and known:
        numbers = [float(t.number) for t in ticks if t.number is not None]
        span = max(numbers) - min(numbers)
        if any(abs(axis(end) - value) > VALUE_TOLERANCE * span for end, value in known):
            logger.debug("bar chart: printed values disagree with the axis")
            return None
    unit = _unit_from_labels(base, known)
    if len(known) >= 2 and unit is not None and not _labels_fit(base, known, unit):
        return None
    if axis is None and len(known) < len(bars) and unit is not None and len(known) >= 3:
        axis = lambda end: unit * (base - end)  # noqa: E731 - bars start at zero
    if axis is None and len(known) < len(bars):
        logger.debug("bar chart: %d of %d bars have no printed value and no axis", len(bars) - len(known), len(bars))
        return None
    digits = value_digits(axis, bars)
    out = []
    for bar, label in zip(bars, printed):
        if label is not None and label.number is not None:
            out.append((float(label.number), True))
        else:
            out.append((round(axis(bar.end), digits), False))  # type: ignore[misc]
    return out


def _unit_from_labels(base: float, known: list[tuple[float, float]]) -> float | None:
    """Value per pixel of bar length implied by the printed values (bars start at zero)."""
    ratios = [value / (base - end) for end, value in known if abs(base - end) >= 1 and value]
    return float(np.median(ratios)) if ratios else None


def _labels_fit(base: float, known: list[tuple[float, float]], unit: float) -> bool:
    """Printed values must grow linearly with bar length, within label rounding and a pixel or two."""
    top = max(abs(value) for _, value in known)
    for end, value in known:
        if abs(value - unit * (base - end)) > 0.05 * top + 2 * abs(unit):
            logger.debug("bar chart: printed value %s does not match its bar's length", value)
            return False
    return True


def value_digits(axis: Callable[[float], float] | None, bars: list[BarBox]) -> int:
    if axis is None:
        return 2
    ends = [bar.end for bar in bars]
    span = abs(axis(min(ends)) - axis(max(ends))) or 1.0
    return max(0, 3 - math.ceil(math.log10(span)))


def read_grouped_bars(scene: Scene) -> Chart | None:
    """:func:`tools.describe_image.grouped_bars.read_grouped_bars`, imported at the first call: that module
    builds on this one's helpers, so importing it here at load time would make an import cycle."""
    from tools.describe_image.grouped_bars import read_grouped_bars as read

    return read(scene)


ChartReader = Callable[[Scene], Chart | None]
# Tried in order: the first reader that returns a chart wins.
CHART_READERS: tuple[ChartReader, ...] = (read_bar_chart, read_grouped_bars, read_line_chart, read_pie_chart)
