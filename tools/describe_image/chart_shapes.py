"""Pixel geometry for the chart reader: solid colour rectangles and aligned groups of bars (numpy only)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

logger = logging.getLogger(__name__)

COLOUR_TOLERANCE = 24  # max per-channel difference for a pixel to belong to a colour
MIN_COLOUR_SHARE = 0.002  # a bar colour covers at least this share of the image
MAX_COLOURS = 8
MAX_RUNS = 150_000  # more runs than this in one colour mask: a photo, not a chart
MIN_FILL = 0.9  # pixels of the colour / area of the component's box


@dataclass(frozen=True)
class Rect:
    """A solid block of one colour; x1 and y1 exclusive."""

    x0: int
    y0: int
    x1: int
    y1: int
    colour: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0


def candidate_colours(rgb: np.ndarray) -> list[np.ndarray]:
    """Frequent colours other than the background (the most frequent one), most frequent first."""
    sample = rgb[::2, ::2].reshape(-1, 3).astype(np.int32)
    packed = (sample[:, 0] << 16) | (sample[:, 1] << 8) | sample[:, 2]
    values, counts = np.unique(packed, return_counts=True)
    order = np.argsort(counts)[::-1]
    colours = [np.array([(v >> 16) & 255, (v >> 8) & 255, v & 255]) for v in values[order[:64]]]
    shares = counts[order[:64]] / len(packed)
    if not colours:
        return []
    background, chosen = colours[0], []
    for colour, share in zip(colours[1:], shares[1:]):
        if share < MIN_COLOUR_SHARE or len(chosen) >= MAX_COLOURS:
            break
        if all(np.abs(colour - other).max() > 2 * COLOUR_TOLERANCE for other in [background, *chosen]):
            chosen.append(colour)
    return chosen


def colour_rects(rgb: np.ndarray, colour: np.ndarray, colour_id: int, min_side: int = 3) -> list[Rect]:
    """Connected blocks of ``colour`` that fill at least MIN_FILL of their bounding box."""
    mask = np.abs(rgb.astype(np.int16) - colour.astype(np.int16)).max(axis=2) <= COLOUR_TOLERANCE
    height, width = mask.shape
    padded = np.zeros((height, width + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    step = np.diff(padded, axis=1)
    rows, starts = np.nonzero(step == 1)
    _rows_end, ends = np.nonzero(step == -1)
    if len(rows) == 0 or len(rows) > MAX_RUNS:
        return []
    roots = _link_runs(rows, starts, ends, height)
    rects = []
    for root in np.unique(roots):
        member = roots == root
        x0, x1 = int(starts[member].min()), int(ends[member].max())
        y0, y1 = int(rows[member].min()), int(rows[member].max()) + 1
        filled = int((ends[member] - starts[member]).sum())
        if min(x1 - x0, y1 - y0) >= min_side and filled >= MIN_FILL * (x1 - x0) * (y1 - y0):
            rects.append(Rect(x0, y0, x1, y1, colour_id))
    return rects


def _link_runs(rows: np.ndarray, starts: np.ndarray, ends: np.ndarray, height: int) -> np.ndarray:
    """Union-find over horizontal runs that overlap a run in the row above; returns each run's root."""
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first = np.searchsorted(rows, np.arange(height + 1))
    for y in range(1, height):
        i, i_end, j, j_end = int(first[y - 1]), int(first[y]), int(first[y]), int(first[y + 1])
        while i < i_end and j < j_end:
            if starts[i] < ends[j] and starts[j] < ends[i]:
                a, b = find(i), find(j)
                if a != b:
                    parent[b] = a
            if ends[i] < ends[j]:
                i += 1
            else:
                j += 1
    return np.array([find(i) for i in range(len(rows))])


def find_rects(rgb: np.ndarray) -> list[Rect]:
    """Solid rectangles of every frequent non-background colour."""
    rects: list[Rect] = []
    for colour_id, colour in enumerate(candidate_colours(rgb)):
        rects.extend(colour_rects(rgb, colour, colour_id))
    logger.debug("found %d solid rectangles", len(rects))
    return rects
