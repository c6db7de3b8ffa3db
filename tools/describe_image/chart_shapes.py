"""Pixel geometry for the chart reader: solid colour rectangles and aligned groups of bars (numpy only)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from PIL import Image

from assistant.types import BBox, OcrLine

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


def horizontal_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's runs of true pixels in ``mask``: ``(rows, starts, ends)``, ends exclusive, in row order."""
    height, width = mask.shape
    padded = np.zeros((height, width + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    step = np.diff(padded, axis=1)
    rows, starts = np.nonzero(step == 1)
    _rows_end, ends = np.nonzero(step == -1)
    return rows, starts, ends


def colour_rects(rgb: np.ndarray, colour: np.ndarray, colour_id: int, min_side: int = 3) -> list[Rect]:
    """Connected blocks of ``colour`` that fill at least MIN_FILL of their bounding box."""
    mask = np.abs(rgb.astype(np.int16) - colour.astype(np.int16)).max(axis=2) <= COLOUR_TOLERANCE
    height = mask.shape[0]
    rows, starts, ends = horizontal_runs(mask)
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


@dataclass(frozen=True)
class Scene:
    """What chart readers look at: pixels (downscaled by ``scale`` if large), solid rectangles as
    ``(box, colour id)`` in image coordinates, and the OCR lines."""

    rgb: np.ndarray
    scale: float
    rects: tuple[tuple[BBox, int], ...]
    ocr: tuple[OcrLine, ...]


def make_scene(image: Image.Image, ocr: tuple[OcrLine, ...], max_side: int = 2000) -> Scene:
    scale = min(1.0, max_side / max(image.width, image.height))
    if scale < 1.0:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.NEAREST)
    rgb = np.asarray(image.convert("RGB"))
    rects = tuple(
        ((r.x0 / scale, r.y0 / scale, r.x1 / scale, r.y1 / scale), r.colour) for r in find_rects(rgb)
    )
    return Scene(rgb, scale, rects, ocr)


def bars_touch_blocks(scene: Scene, boxes: list[BBox], horizontal: bool) -> bool:
    """True when a bar's long side runs along something solid (grouped bars, histograms)."""
    rgb = scene.rgb.astype(np.int16)
    boxes = [tuple(int(round(v * scene.scale)) for v in box) for box in boxes]  # type: ignore[misc]
    x0, y0, x1, y1 = boxes[0]
    bar_colour = rgb[(y0 + y1) // 2, (x0 + x1) // 2]
    region = rgb[min(b[1] for b in boxes) : max(b[3] for b in boxes), min(b[0] for b in boxes) : max(b[2] for b in boxes)]
    pixels = region.reshape(-1, 3)
    pixels = pixels[np.abs(pixels - bar_colour).max(axis=1) > COLOUR_TOLERANCE]
    if len(pixels) == 0:
        return True  # the bars fill their whole span: a histogram
    packed = (pixels[:, 0].astype(np.int32) << 16) | (pixels[:, 1].astype(np.int32) << 8) | pixels[:, 2]
    values, counts = np.unique(packed, return_counts=True)
    top = int(values[np.argmax(counts)])
    background = np.array([(top >> 16) & 255, (top >> 8) & 255, top & 255], dtype=np.int16)
    height, width = rgb.shape[:2]
    for bx0, by0, bx1, by1 in boxes:
        if horizontal:
            lo, hi = bx0 + (bx1 - bx0) // 5, bx1 - (bx1 - bx0) // 5
            sides = [rgb[max(by0 - 2, 0), lo:hi], rgb[min(by1 + 1, height - 1), lo:hi]]
        else:
            lo, hi = by0 + (by1 - by0) // 5, by1 - (by1 - by0) // 5
            sides = [rgb[lo:hi, max(bx0 - 2, 0)], rgb[lo:hi, min(bx1 + 1, width - 1)]]
        for side in sides:
            if len(side) and (np.abs(side - background).max(axis=1) > COLOUR_TOLERANCE).mean() > 0.5:
                return True
    return False


def mostly_text(box: BBox, text_boxes: list[BBox]) -> bool:
    """True when half of ``box`` or more lies inside one text box (a bold glyph, not a bar)."""
    area = max(1.0, (box[2] - box[0]) * (box[3] - box[1]))
    return any(overlap(box, t) >= 0.5 * area for t in text_boxes)


def overlap(a: BBox, b: BBox) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(0.0, w) * max(0.0, h)


def union(a: BBox, b: BBox) -> BBox:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def ink(scene: Scene, box: BBox) -> float:
    """How dark the text in ``box`` is: the 10th percentile of its grey levels (0 black, 255 white)."""
    x0, y0, x1, y1 = (int(round(v * scene.scale)) for v in box)
    patch = scene.rgb[max(y0, 0) : max(y1, y0 + 1), max(x0, 0) : max(x1, x0 + 1)]
    return float(np.percentile(patch.mean(axis=2), 10)) if patch.size else 255.0


def missing_bars(scene: Scene, boxes: list[BBox], base: float) -> list[BBox]:
    """Bars of a vertical chart that colour detection missed (a highlight colour too rare to be a
    candidate, a bar a pixel or two tall), where the bars' regular pitch leaves a gap: each is the
    run of one non-background colour standing on (or hanging from) ``base`` at the gap's centre,
    zero-height when the gap shows background there. Image coordinates in and out."""
    centres = sorted(((b[0] + b[2]) / 2, b) for b in boxes)
    if len(centres) < 4:
        return []
    pitch = float(np.median(np.diff([c for c, _ in centres])))
    width = float(np.median([b[2] - b[0] for b in boxes]))
    rgb, s = scene.rgb.astype(np.int16), scene.scale
    height = rgb.shape[0]
    background = np.median(rgb[:: max(1, height // 50), :: max(1, rgb.shape[1] // 50)].reshape(-1, 3), axis=0)
    y_base = min(int(round(base * s)), height - 1)
    found: list[BBox] = []
    for (c0, _), (c1, _) in zip(centres, centres[1:]):
        gap = round((c1 - c0) / pitch)
        if gap < 2 or abs((c1 - c0) - gap * pitch) > 0.15 * pitch:
            continue
        for k in range(1, gap):
            x = c0 + k * pitch
            column = rgb[:, min(int(x * s), rgb.shape[1] - 1)]
            top = _run_end(column, y_base - 2, -1, background)
            bottom = _run_end(column, y_base + 1, 1, background) if top is None else None
            y0 = top / s if top is not None else base
            y1 = (bottom + 1) / s if bottom is not None else base
            found.append((x - width / 2, y0, x + width / 2, y1))
    return found


def _run_end(column: np.ndarray, start: int, step: int, background: np.ndarray) -> int | None:
    """Where a run of one non-background colour from ``start`` (going ``step``) ends, or None."""
    if not 0 <= start < len(column) or np.abs(column[start] - background).max() <= COLOUR_TOLERANCE:
        return None
    colour, y = column[start], start
    while 0 <= y + step < len(column) and np.abs(column[y + step] - colour).max() <= COLOUR_TOLERANCE:
        y += step
    return y
