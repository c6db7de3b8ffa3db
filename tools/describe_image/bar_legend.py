"""Legends of bar charts with several series: each bar colour's RGB, the legend entries (text with a
swatch of a bar colour just left of it, numbers included when they line up as a legend) and the
swatches themselves, which are not bars (helpers of :mod:`tools.describe_image.grouped_bars`).

Example:
    >>> [e.text for e in series_legend(scene, bar_colours(scene, rects))]  # doctest: +SKIP
    ['North', 'South']
"""

from __future__ import annotations

import numpy as np

from assistant.types import BBox, OcrLine
from tools.describe_image.chart import parse_number
from tools.describe_image.chart_shapes import Scene, overlap
from tools.describe_image.line_chart import Legend


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


def series_legend(scene: Scene, colours: dict[int, tuple[int, int, int]]) -> list[Legend]:
    """Legend entries: text lines with a swatch (a small solid block of a bar colour, about a text
    line high) just left of them, or inside the left end of their box where the OCR took it in.
    Entries that are numbers ("100", "2020") count when two or more line up in a column (a value
    printed beside a bar is not a legend). Two entries with one colour: no legend we trust (``[]``)."""
    swatches = [(box, c) for box, c in scene.rects if c in colours]
    found: list[Legend] = []
    numeric: list[tuple[Legend, float]] = []
    for line in scene.ocr:
        x0, y0, x1, y1 = line.bbox
        h, cy = max(4.0, y1 - y0), (y0 + y1) / 2
        inner = min(1.2 * h, 0.3 * (x1 - x0))
        beside = [
            (box, c) for box, c in swatches
            if x0 - 3.5 * h <= box[0] and box[2] <= x1 and abs((box[1] + box[3]) / 2 - cy) <= 0.3 * h
            and 0.3 * h <= box[3] - box[1] <= 1.3 * h and box[2] - box[0] <= 3 * h
        ]
        lead = [bc for bc in beside if bc[0][2] <= x0 + inner]
        if not lead or not line.text.strip():
            continue
        inside = sorted((bc for bc in beside if bc[0][2] > x0 + inner), key=lambda bc: bc[0][0])
        lead_box, lead_colour = max(lead, key=lambda bc: bc[0][2])  # the swatch nearest the text
        for (box, c), text in zip([(lead_box, lead_colour), *inside], _split(line, [b for b, _ in inside])):
            if not text:
                continue
            s = scene.scale
            entry = Legend(text, colours[c], (int(box[0] * s), int(y0 * s), int(x1 * s) + 1, int(y1 * s) + 1))
            if parse_number(text) is None:
                found.append(entry)
            else:
                numeric.append((entry, box[0]))
    found += [e for e, x in numeric if sum(abs(x - other) <= 3 for _, other in numeric) >= 2]
    found.sort(key=lambda e: e.region[1])
    rows: list[list[Legend]] = []  # entries in reading order: rows (tops within a few pixels), then left to right
    for entry in found:
        if rows and entry.region[1] - rows[-1][0].region[1] <= 4:
            rows[-1].append(entry)
        else:
            rows.append([entry])
    found = [e for row in rows for e in sorted(row, key=lambda e: e.region[0])]
    colours_seen = [entry.colour for entry in found]
    return found if len(set(colours_seen)) == len(colours_seen) else []


def _split(line: OcrLine, cuts: list[BBox]) -> list[str]:
    """The line's text between the swatches inside it ("■ Men ■ Women" read as one line): each cut
    where its swatch falls by the characters' share of the box, moved to the nearest word start (a
    space, or a capital after a small letter where the OCR ran two words together)."""
    text = line.text.strip()
    x0, _, x1, _ = line.bbox
    starts = [i for i in range(1, len(text)) if text[i - 1] == " " or (text[i - 1].islower() and text[i].isupper())]
    at = [0]
    for cut in cuts:
        guess = (cut[0] - x0) / max(1.0, x1 - x0) * len(text)
        near = [i for i in starts if i > at[-1] and abs(i - guess) <= 4]
        if not near:
            return [""] * (len(cuts) + 1)
        at.append(min(near, key=lambda i: abs(i - guess)))
    at.append(len(text))
    return [text[a:b].strip() for a, b in zip(at, at[1:])]


def _area(box: BBox) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


def in_legend(box: BBox, legend: list[Legend], scale: float) -> bool:
    """A swatch: the rectangle lies (almost) wholly in a legend entry's swatch-and-text region."""
    for entry in legend:
        x0, y0, x1, y1 = (v / scale for v in entry.region)
        grown = (x0 - 2, y0 - 0.3 * (y1 - y0), x1, y1 + 0.3 * (y1 - y0))
        if overlap(box, grown) >= 0.8 * _area(box):
            return True
    return False
