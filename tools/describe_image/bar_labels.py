"""Where a bar chart's labels point: slanted category labels and tick labels that sit on gridlines.

Two layouts common in published charts (OECD, spreadsheet exports) that the plain rules miss:

* category labels written at 45° under the bars, often on every other bar only: a slanted label ends
  (its top-right corner) at its bar's centre;
* value-axis tick labels printed just above their gridline rather than centred on it: the tick's
  position is the gridline's, found as a pixel row (or column) drawn across the plot.

Example:
    >>> labels = slanted_categories(centres=[10.0, 30.0, 50.0], pitch=20.0, base=100.0,
    ...     lines=[OcrLine("Korea", (-20.0, 104.0, 12.0, 140.0), 1.0), OcrLine("Spain", (20.0, 104.0, 52.0, 140.0), 1.0)])
    >>> labels
    ['Korea', None, 'Spain']
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from assistant.types import BBox, OcrLine

logger = logging.getLogger(__name__)

GRID_COVER = 0.9  # share of a row's pixels (label to plot end) that must be drawn for a gridline


def _slanted(box: BBox, size: float) -> bool:
    """A box about as tall as wide and taller than a line of text: text written on a diagonal."""
    w, h = box[2] - box[0], box[3] - box[1]
    return h >= 1.5 * size and 0.45 <= w / max(h, 1.0) <= 2.2


def slanted_categories(
    centres: Sequence[float], pitch: float, base: float, lines: Sequence[OcrLine], size: float | None = None
) -> list[str | None] | None:
    """Each bar's category from labels slanted under a vertical bar chart (image coordinates; ``base``
    is the bottom of the lowest bar):
    the label whose top-right corner lies nearest the bar's centre (after the shift common to all
    labels, as OCR boxes pad text), within a third of a bar pitch.

    ``None`` for the whole chart unless the labels are slanted, every label finds its own bar, and
    the labelled bars are all bars or every k-th one (a few of those may lack a label OCR missed;
    a label off that pattern is a misread)."""
    below = [ln for ln in lines if ln.bbox[1] >= base - 4]
    if size is None:
        flat = [ln.bbox[3] - ln.bbox[1] for ln in lines if (ln.bbox[2] - ln.bbox[0]) > 2.5 * (ln.bbox[3] - ln.bbox[1])]
        size = float(np.median(flat)) if flat else 12.0
    slanted = [ln for ln in below if _slanted(ln.bbox, size) and len(ln.text.strip()) >= 2]
    if len(slanted) < 2 or len(slanted) < 0.6 * len(below):
        return None
    found: list[str | None] = [None] * len(centres)
    shift = _common_shift([ln.bbox[2] for ln in slanted], centres, pitch)
    for line in sorted(slanted, key=lambda ln: ln.bbox[2]):
        end = line.bbox[2] - shift
        i = int(np.argmin([abs(end - c) for c in centres]))
        if abs(end - centres[i]) > 0.35 * pitch or found[i] is not None:
            logger.debug("slanted label %r has no bar of its own", line.text)
            return None
        found[i] = line.text.strip()
    labelled = [i for i, label in enumerate(found) if label is not None]
    step = min(np.diff(labelled).tolist())
    slots = range(labelled[0] % step, len(centres), step)
    on_grid = all(i % step == labelled[0] % step for i in labelled)
    if not on_grid or labelled[0] >= step or len(labelled) < 0.8 * len(slots):  # OCR may miss a label or two
        logger.debug("slanted labels are not on every k-th bar: %s", labelled)
        return None
    return found


def _common_shift(ends: Sequence[float], centres: Sequence[float], pitch: float) -> float:
    """How far right of their bars' centres the labels end (OCR boxes pad the text): the shift within
    half a pitch that best lines the label ends up with bar centres (the smaller one on a tie)."""
    grid = np.asarray(centres, dtype=float)

    def cost(d: float) -> float:
        return float(sum(np.min(np.abs(grid - (end - d))) for end in ends))

    shifts = sorted(np.arange(-0.5 * pitch, 0.5 * pitch + 0.5, 1.0), key=abs)
    return float(min(shifts, key=cost))


def gridline_position(
    rgb: np.ndarray, scale: float, label: BBox, plot: BBox, horizontal: bool
) -> float | None:
    """The gridline a value-axis tick label belongs to (image coordinates), or None.

    Vertical charts: a pixel row within about a label height of ``label``, drawn across the plot
    (``plot`` = the bars' span) in one colour other than the background for ``GRID_COVER`` of it.
    Horizontal charts: the same with a pixel column. The nearest one to the label's centre wins."""
    height, width = rgb.shape[:2]
    background = np.median(rgb[:: max(1, height // 50), :: max(1, width // 50)].reshape(-1, 3).astype(np.int16), axis=0)

    def drawn(block: np.ndarray) -> np.ndarray:  # only the strip searched, not the whole image
        return np.abs(block.astype(np.int16) - background).max(axis=-1) > 24

    s = scale
    if not horizontal:
        lo, hi = label[1] - 0.6 * (label[3] - label[1]), label[3] + 0.8 * (label[3] - label[1])
        x0, x1 = int(max(label[2], plot[0] - 4) * s), int(plot[2] * s)
        if x1 - x0 < 10:
            return None
        rows = range(max(0, int(lo * s)), min(height, int(hi * s) + 1))
        strip = drawn(rgb[rows.start : rows.stop, x0:x1]).mean(axis=1) if len(rows) else np.zeros(0)
        hits = [y for y, cover in zip(rows, strip) if cover >= GRID_COVER]
        centre = (label[1] + label[3]) / 2
    else:
        lo, hi = label[0] - 0.6 * (label[2] - label[0]), label[2] + 0.6 * (label[2] - label[0])
        y0, y1 = int(plot[1] * s), int(min(label[1], plot[3] + 4) * s)
        if y1 - y0 < 10:
            return None
        cols = range(max(0, int(lo * s)), min(width, int(hi * s) + 1))
        strip = drawn(rgb[y0:y1, cols.start : cols.stop]).mean(axis=0) if len(cols) else np.zeros(0)
        hits = [x for x, cover in zip(cols, strip) if cover >= GRID_COVER]
        centre = (label[0] + label[2]) / 2
    if not hits:
        return None
    runs = np.split(np.array(hits), np.nonzero(np.diff(hits) > 1)[0] + 1)
    if any(len(run) > 4 for run in runs):
        runs = [run for run in runs if len(run) <= 4]  # a thick band is a bar, not a line
    if not runs:
        return None
    best = min(runs, key=lambda run: abs(run.mean() / s - centre))
    return float(best.mean() + 0.5) / s
