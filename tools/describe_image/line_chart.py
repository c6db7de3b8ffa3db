"""Read a line chart (one or more coloured series) into a series × category table, or None.

The frame comes from :func:`tools.describe_image.axes.read_axes`: the value axis is its column of
numeric tick labels, which must fit a straight pixel-to-value line; the categories are its
horizontal tick labels, and each series is read at their x positions. A series is one colour of
line (greys and black are axes, gridlines and text, so they are not read); its name is the legend
entry whose swatch has that colour (or the value axis title for a lone series, else "series k").
A point's value is the number printed beside it where there is one (it must agree with the axis),
otherwise the line's height there measured against the axis: where the line runs straight on both
sides of a category, the two segments are extended to meet there (a marker-less vertex), otherwise
the centre of the line in that column is used. Anything inconsistent (a scatter of dots, bars or
filled areas in the colour, several panels, a log axis, a printed label contradicting its point)
gives None.

Example:
    >>> chart = read_line_chart(make_scene(image, ocr_lines))  # doctest: +SKIP
    >>> [(v.series, v.category, v.value, v.printed) for v in chart.values][:1]  # doctest: +SKIP
    [('Sales', '2019', 4.2, False)]
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from assistant.types import AxisTick, BBox, Chart, ChartValue, OcrLine
from tools.describe_image.axes import read_axes, tick_number
from tools.describe_image.chart_shapes import Scene

logger = logging.getLogger(__name__)

MIN_CHROMA = 60  # a series colour: max - min channel at least this
COLOUR_TOLERANCE = 40  # per channel, for a pixel to belong to a series colour
MAX_SERIES = 6
MIN_COVERAGE = 0.7  # share of columns between a series' first and last category where it is seen
MAX_THICKNESS = 0.12  # a line's run in one column, as a share of the plot height (markers excepted)
AGREE = 0.05  # a printed point label vs its measured height: share of the axis span
STRAIGHT_PX = 1.5  # max residual (px) for a segment between two categories to count as straight


@dataclass(frozen=True)
class Legend:
    """A legend entry: its text, the swatch colour left of it and the region (text + swatch), in scene pixels."""

    text: str
    colour: tuple[int, int, int]
    region: tuple[int, int, int, int]


@dataclass(frozen=True)
class _Axis:
    a: float  # value = a * y + b (y in image pixels)
    b: float
    span: float

    def value(self, y: float) -> float:
        return self.a * y + self.b


def fit_value_axis(ticks: tuple[AxisTick, ...]) -> _Axis | None:
    """value = a*y + b from at least three numeric tick labels on a straight line (values rise upwards)."""
    pts = [((t.bbox[1] + t.bbox[3]) / 2, t.value) for t in ticks if t.value is not None]
    if len({v for _, v in pts}) < 3:
        return None
    pos = np.array([p for p, _ in pts])
    val = np.array([v for _, v in pts], dtype=float)
    a, b = np.polyfit(pos, val, 1)
    span_px = float(pos.max() - pos.min())
    if a >= 0 or span_px <= 0 or np.abs(a * pos + b - val).max() / abs(a) > max(2.0, 0.01 * span_px):
        return None
    return _Axis(float(a), float(b), float(val.max() - val.min()))


def chromatic_colours(pixels: np.ndarray, least: int, limit: int = MAX_SERIES) -> list[np.ndarray]:
    """Frequent saturated colours among ``pixels`` (n × 3), most frequent first, each seen ``least``
    times; tints of a chosen colour towards the background (anti-aliased edges) are not colours."""
    pixels = pixels.astype(np.int32)
    background = np.median(pixels, axis=0)
    chroma = pixels.max(axis=1) - pixels.min(axis=1)
    pixels = pixels[chroma >= MIN_CHROMA]
    if len(pixels) == 0:
        return []
    packed = ((pixels[:, 0] >> 3) << 10) | ((pixels[:, 1] >> 3) << 5) | (pixels[:, 2] >> 3)
    values, counts = np.unique(packed, return_counts=True)
    centres = np.stack([(values >> 10) & 31, (values >> 5) & 31, values & 31], axis=1) * 8 + 4  # each bin's colour
    chosen: list[np.ndarray] = []
    for i in np.argsort(counts)[::-1][: 4 * limit]:  # a few bins: a heatmap's thousands are not lines
        if len(chosen) > limit:
            break
        colour = centres[i].astype(np.int16)
        near = counts[np.abs(centres - colour).max(axis=1) <= COLOUR_TOLERANCE].sum()
        if near < least:
            break
        if all(np.abs(colour - c).max() > 1.5 * COLOUR_TOLERANCE and not _tint(colour, c, background) for c in chosen):
            chosen.append(colour)
    return chosen


def _tint(colour: np.ndarray, base: np.ndarray, background: np.ndarray) -> bool:
    """True when ``colour`` lies between ``base`` and the background (a blend of the two)."""
    d = base - background
    t = float(np.dot(colour - background, d) / max(1.0, float(np.dot(d, d))))
    return 0.0 < t < 1.0 and float(np.abs(colour - (background + t * d)).max()) <= 0.75 * COLOUR_TOLERANCE


def find_legend(scene: Scene, colours: list[np.ndarray], skip: set[OcrLine]) -> list[Legend]:
    """Text lines with a swatch of one of ``colours`` just left of them."""
    rgb = scene.rgb.astype(np.int16)
    s = scene.scale
    found = []
    for line in scene.ocr:
        if line in skip or tick_number(line.text) is not None:
            continue
        x0, y0, x1, y1 = (v * s for v in line.bbox)
        h = max(4.0, y1 - y0)
        cy = (y0 + y1) / 2
        region = (max(0, int(x0 - 3.5 * h)), max(0, int(cy - 0.4 * h)), max(0, int(x0 - 1)), int(cy + 0.4 * h) + 1)
        patch = rgb[region[1] : region[3], region[0] : region[2]].reshape(-1, 3)
        if len(patch) == 0:
            continue
        hits = [int((np.abs(patch - c).max(axis=1) <= COLOUR_TOLERANCE).sum()) for c in colours]
        if not hits or max(hits) < 0.6 * h:
            continue
        best = int(np.argmax(hits))
        colour = tuple(int(v) for v in colours[best])
        found.append(Legend(line.text.strip(), colour, (region[0], int(y0), int(x1) + 1, int(y1) + 1)))  # type: ignore[arg-type]
    found.sort(key=lambda e: (round(e.region[1] / 4), e.region[0]))
    colours_seen = [entry.colour for entry in found]
    if len(set(colours_seen)) != len(colours_seen):
        return []  # two entries with one swatch colour: not a legend we can trust
    return found


def read_line_chart(scene: Scene) -> Chart | None:
    """A line chart with coloured series, read at its category ticks; None when anything is inconsistent."""
    s = scene.scale
    height, width = scene.rgb.shape[:2]
    axes = read_axes(scene.ocr, width=round(width / s), height=round(height / s))
    axis = fit_value_axis(axes.y_ticks)
    xs = [t for t in axes.x_ticks]
    if axes.panels > 1 or axis is None or len(xs) < 2:
        logger.debug("line chart: no single value axis and category row")
        return None
    centres = [(t.bbox[0] + t.bbox[2]) / 2 for t in xs]
    if any(b <= a for a, b in zip(centres, centres[1:])) or max(t.bbox[2] for t in axes.y_ticks) >= centres[0]:
        return None
    if not _consistent_categories(xs, centres):
        logger.debug("line chart: category labels mix numbers and text, or numbers off a linear axis: %s", [t.text for t in xs])
        return None
    tick_ys = sorted((t.bbox[1] + t.bbox[3]) / 2 for t in axes.y_ticks)
    step = (tick_ys[-1] - tick_ys[0]) / max(1, len(tick_ys) - 1)
    pitch = min(b - a for a, b in zip(centres, centres[1:]))
    top = max(0.0, tick_ys[0] - 0.6 * step)
    bottom = min(tick_ys[-1] + 0.6 * step, min(t.bbox[1] for t in xs) - 1)
    left = max(t.bbox[2] for t in axes.y_ticks) + 2
    right = min(width / s, centres[-1] + 0.5 * pitch)
    box = tuple(int(round(v * s)) for v in (left, top, right, bottom))
    if box[2] - box[0] < 20 or box[3] - box[1] < 20:
        return None
    ticks = set(axes.y_all) | set(axes.x_all)
    tick_boxes = {t.bbox for t in ticks}
    tick_lines = {ln for ln in scene.ocr if ln.bbox in tick_boxes}
    plot = scene.rgb[box[1] : box[3], box[0] : box[2]].astype(np.int16)
    text_free = _text_free(scene, box)
    colours = chromatic_colours(plot[text_free][::2], least=int(0.25 * (box[2] - box[0])))  # every other pixel
    if not colours or len(colours) > MAX_SERIES:
        logger.debug("line chart: %d series colours", len(colours))
        return None
    legend = find_legend(scene, colours, tick_lines)
    for entry in legend:
        x0, y0, x1, y1 = entry.region
        text_free[max(0, y0 - box[1]) : max(0, y1 - box[1]), max(0, x0 - box[0]) : max(0, x1 - box[0])] = False
    xs_px = [c * s - box[0] for c in centres]
    read = []
    for colour in colours:
        mask = (np.abs(plot - colour.astype(np.int16)).max(axis=2) <= COLOUR_TOLERANCE) & text_free
        ys = _read_series(mask, xs_px)
        if ys is None:
            return None
        read.append((colour, [None if y is None else (y + box[1]) / s for y in ys]))
    names = _series_names(read, legend, axes.y_title)
    if names is None:
        return None
    if legend:  # the legend's order (top to bottom, left to right)
        order = sorted(range(len(read)), key=lambda k: [e.text for e in legend].index(names[k]))
        read, names = [read[k] for k in order], [names[k] for k in order]
    return _chart(scene, axes, axis, xs, centres, read, names, legend, tick_lines)


def _consistent_categories(xs: list[AxisTick], centres: list[float]) -> bool:
    """All text, or all numbers placed linearly (OCR that merged or split tick labels fails this)."""
    numbers = [t.value for t in xs]
    if all(v is None for v in numbers):
        return True
    if any(v is None for v in numbers):
        return False
    if len(xs) < 3:
        return False
    a, b = np.polyfit(centres, numbers, 1)
    span = max(numbers) - min(numbers)  # type: ignore[type-var,operator]
    return bool(span > 0 and np.abs(a * np.array(centres) + b - np.array(numbers, dtype=float)).max() <= 0.02 * span)


def _text_free(scene: Scene, box: tuple[int, ...]) -> np.ndarray:
    """Plot pixels not covered by an OCR line (coloured text is not a line)."""
    free = np.ones((box[3] - box[1], box[2] - box[0]), dtype=bool)
    for line in scene.ocr:
        x0, y0, x1, y1 = (int(round(v * scene.scale)) for v in line.bbox)
        free[max(0, y0 - box[1]) : max(0, y1 - box[1]), max(0, x0 - box[0]) : max(0, x1 - box[0])] = False
    return free


def _read_series(mask: np.ndarray, xs: list[float]) -> list[float | None] | None:
    """The line's y (plot pixels) at each x; None at categories outside its extent; None overall
    when the colour is not a line (too thick, or seen in too few columns)."""
    height, width = mask.shape
    centre = np.full(width, np.nan)
    thick = 0
    for x in range(width):
        rows = np.flatnonzero(mask[:, x])
        if len(rows) == 0:
            continue
        runs = np.split(rows, np.flatnonzero(np.diff(rows) > 2) + 1)
        if len(runs) > 1:
            continue  # the colour twice in one column (a legend swatch, another mark): not used
        length = rows[-1] - rows[0] + 1
        if length > MAX_THICKNESS * height:
            thick += 1
            continue
        centre[x] = (rows[0] + rows[-1]) / 2
    seen = np.flatnonzero(~np.isnan(centre))
    if len(seen) == 0:
        return None
    first, last = seen[0], seen[-1]
    inside = [i for i, x in enumerate(xs) if first - 2 <= x <= last + 2]
    if len(inside) < 2:
        logger.debug("line chart: a colour spans fewer than two categories")
        return None
    lo, hi = int(xs[inside[0]]), int(xs[inside[-1]])
    covered = np.mean(~np.isnan(centre[max(lo, 0) : min(hi, width - 1) + 1]))
    if covered < MIN_COVERAGE or thick > 0.2 * (hi - lo + 1):
        logger.debug("line chart: colour seen in %.0f%% of columns, %d thick: not a line", 100 * covered, thick)
        return None
    fits = [_segment(centre, xs[i], xs[j]) for i, j in zip(inside, inside[1:])]
    out: list[float | None] = [None] * len(xs)
    for k, i in enumerate(inside):
        left = fits[k - 1] if k > 0 else None
        right = fits[k] if k < len(fits) else None
        ends = k == 0 or k == len(inside) - 1
        usable = [f for f in (left, right) if f is not None]
        if usable and (len(usable) == 2 or ends):
            out[i] = float(np.mean([a * xs[i] + b for a, b in usable]))
        else:
            x = int(round(xs[i]))
            near = centre[max(0, x - 1) : x + 2]
            near = near[~np.isnan(near)]
            out[i] = float(np.median(near)) if len(near) else None
    return out


def _segment(centre: np.ndarray, x0: float, x1: float) -> tuple[float, float] | None:
    """y = a*x + b fitted to the middle of the line between two categories, if it runs straight there."""
    d = x1 - x0
    cols = np.arange(int(math.ceil(x0 + 0.25 * d)), int(x1 - 0.25 * d) + 1)
    cols = cols[(cols >= 0) & (cols < len(centre))]
    cols = cols[~np.isnan(centre[cols])]
    if len(cols) < 3:
        return None
    a, b = np.polyfit(cols, centre[cols], 1)
    if np.abs(a * cols + b - centre[cols]).max() > STRAIGHT_PX + 0.15 * abs(a):
        return None
    return float(a), float(b)


def _series_names(read: list, legend: list[Legend], y_title: str | None) -> list[str] | None:
    """Each colour's legend text; without a legend, the axis title for a lone series, else "series k"."""
    if not legend:
        return [y_title or "value"] if len(read) == 1 else [f"series {k + 1}" for k in range(len(read))]
    names = []
    for colour, _ in read:
        match = [e.text for e in legend if np.abs(np.array(e.colour) - colour).max() <= COLOUR_TOLERANCE]
        if len(match) != 1:
            logger.debug("line chart: a series colour has %d legend entries", len(match))
            return None
        names.append(match[0])
    return names if len(set(names)) == len(names) else None


def _chart(scene, axes, axis: _Axis, xs, centres, read, names, legend, tick_lines) -> Chart | None:
    digits = max(0, 3 - math.ceil(math.log10(axis.span or 1.0)))
    legend_text = {e.text for e in legend}
    labels = [ln for ln in scene.ocr if ln not in tick_lines and ln.text.strip() not in legend_text
              and tick_number(ln.text) is not None]
    points = [(k, i, centres[i], y) for k, (_, ys) in enumerate(read) for i, y in enumerate(ys) if y is not None]
    printed: dict[tuple[int, int], OcrLine] = {}
    pairs = []  # (value disagreement, label, point) for each label beside a point
    for n, label in enumerate(labels):
        lx, ly = (label.bbox[0] + label.bbox[2]) / 2, (label.bbox[1] + label.bbox[3]) / 2
        h = max(4.0, label.bbox[3] - label.bbox[1])
        number = float(tick_number(label.text))  # type: ignore[arg-type]
        near = [(abs(number - axis.value(y)), n, (k, i)) for k, i, x, y in points
                if abs(lx - x) <= (label.bbox[2] - label.bbox[0]) / 2 + h and abs(ly - y) <= 2.5 * h]
        if near and min(near)[0] > AGREE * axis.span:
            logger.debug("line chart: printed %s agrees with no point beside it", label.text)
            return None
        pairs += near
    placed: set[int] = set()
    for miss, n, point in sorted(pairs):
        if n not in placed and point not in printed and miss <= AGREE * axis.span:
            printed[point] = labels[n]
            placed.add(n)
    cells = []
    for k, i, x, y in points:
        estimate = axis.value(y)
        box: BBox = (x - 3, y - 3, x + 3, y + 3)
        label = printed.get((k, i))
        if label is not None:
            number = float(tick_number(label.text))  # type: ignore[arg-type]
            box = (min(box[0], label.bbox[0]), min(box[1], label.bbox[1]), max(box[2], label.bbox[2]), max(box[3], label.bbox[3]))
            cells.append(ChartValue(names[k], xs[i].text, number, True, box))
        else:
            cells.append(ChartValue(names[k], xs[i].text, round(estimate, digits), False, box))
    return Chart(
        type="line",
        title=axes.title if axes.title not in legend_text else None,
        x_title=axes.x_title if axes.x_title not in legend_text else None,
        y_title=axes.y_title,
        categories=tuple(t.text for t in xs),
        series=tuple(names),
        values=tuple(cells),
        legend=tuple(e.text for e in legend),
    )
