"""Legends of bar charts with several series: each bar colour's RGB, the legend entries (text with a
swatch of a bar colour just left of it, numbers included when they line up as a legend) and the
swatches themselves, which are not bars (helpers of :mod:`tools.describe_image.grouped_bars`).

Example:
    >>> [e.text for e in series_legend(scene, [np.array(c) for c in bar_colours(scene, rects).values()])]  # doctest: +SKIP
    ['North', 'South']
"""

from __future__ import annotations

import numpy as np

from assistant.types import BBox
from tools.describe_image.chart import parse_number
from tools.describe_image.chart_shapes import Scene, overlap
from tools.describe_image.line_chart import COLOUR_TOLERANCE, Legend, find_legend


def bar_colours(scene: Scene, rects: list[tuple[BBox, int]]) -> dict[int, tuple[int, int, int]]:
    """Each colour id's RGB: the median pixel of its largest rectangle (printed labels aside)."""
    largest: dict[int, BBox] = {}
    for box, c in rects:
        if c not in largest or _area(box) > _area(largest[c]):
            largest[c] = box
    out = {}
    for c, (x0, y0, x1, y1) in largest.items():
        s = scene.scale
        patch = scene.rgb[int(y0 * s) : max(int(y1 * s), int(y0 * s) + 1), int(x0 * s) : max(int(x1 * s), int(x0 * s) + 1)]
        px = np.median(patch.reshape(-1, 3), axis=0)
        out[c] = (int(px[0]), int(px[1]), int(px[2]))
    return out


def series_legend(scene: Scene, colours: list[np.ndarray]) -> list[Legend]:
    """Legend entries: text with a swatch left of it, plus entries that are numbers ("100", "2020")
    when two or more line up as a legend and each swatch ends within its legend (a value printed
    beside a horizontal bar has the bar itself running on to its left)."""
    entries = find_legend(scene, colours, set())
    numbers = [line for line in scene.ocr if parse_number(line.text) is not None]
    if len(numbers) < 2:
        return entries
    rgb, s = scene.rgb.astype(np.int16), scene.scale
    boxed = []
    for line in numbers:
        x0, y0, x1, y1 = (v * s for v in line.bbox)
        h, cy = max(4.0, y1 - y0), int((y0 + y1) / 2)
        region = (max(0, int(x0 - 3.5 * h)), max(0, int(cy - 0.4 * h)), max(0, int(x0 - 1)), int(cy + 0.4 * h) + 1)
        patch = rgb[region[1] : region[3], region[0] : region[2]].reshape(-1, 3)
        hits = [int((np.abs(patch - c).max(axis=1) <= COLOUR_TOLERANCE).sum()) for c in colours]
        if not len(patch) or max(hits) < 0.6 * h:
            continue
        colour = colours[int(np.argmax(hits))]
        row = rgb[min(cy, rgb.shape[0] - 1), max(0, int(x0 - 7 * h)) : max(0, int(x0 - 3.6 * h))]
        under = np.median(rgb[int(y0) : int(y1) + 1, int(x0) : int(x1) + 1].reshape(-1, 3), axis=0)
        on_colour = np.abs(under - colour).max() <= COLOUR_TOLERANCE  # a value printed inside a bar
        if not on_colour and len(row) and (np.abs(row - colour).max(axis=1) > COLOUR_TOLERANCE).any():
            entry = Legend(line.text.strip(), tuple(int(v) for v in colour), (region[0], int(y0), int(x1) + 1, int(y1) + 1))
            boxed.append((entry, line))
    column = [e for e, ln in boxed if sum(abs(ln.bbox[0] - o.bbox[0]) <= 3 for _, o in boxed) >= 2]
    found = entries + column
    found.sort(key=lambda e: (round(e.region[1] / 4), e.region[0]))
    colours_seen = [entry.colour for entry in found]
    return found if len(set(colours_seen)) == len(colours_seen) else []


def _area(box: BBox) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


def in_legend(box: BBox, legend: list[Legend], scale: float) -> bool:
    """A swatch: the rectangle lies in (or overlaps) a legend entry's swatch-and-text region."""
    for entry in legend:
        region = tuple(v / scale for v in entry.region)
        x0, y0, x1, y1 = region
        h = y1 - y0
        grown = (x0 - h, y0 - h, x1, y1 + h)
        if overlap(box, grown) > 0 and _area(box) <= 4 * _area(region):
            return True
    return False
