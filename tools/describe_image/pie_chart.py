"""Read a pie (or donut) chart into one series of shares, or None.

The disc is the tallest stack of long chords of non-background pixels (thin separators between
wedges closed by a small dilation), grown to the outermost pixels through its centre, and it must be round: as wide as tall, fully coloured on a ring inside it and background
just outside it. Its sectors are the runs of one colour met going round rings inside the disc;
each sector's share is its angle / 360°. A sector is named by the text inside it or beside it (in
the direction of its angle, at most a text line's height outside the disc), else by the legend entry whose
swatch has its colour. A number printed in or beside a sector is its value when it agrees with the
angle (a percentage within 3 points, or plain numbers proportional to the angles); otherwise the
share is measured (printed=False). A blob that is not round, fewer than two sectors, a sector left
unnamed or a printed value contradicting its angle gives None.

Example:
    >>> chart = read_pie_chart(make_scene(image, ocr_lines))  # doctest: +SKIP
    >>> [(v.category, v.value, v.printed) for v in chart.values]  # doctest: +SKIP
    [('Rent', 45.0, True), ('Food', 30.0, True), ('Other', 25.0, False)]
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.types import BBox, Chart, ChartValue, OcrLine
from tools.describe_image.axes import find_title, tick_number
from tools.describe_image.chart_shapes import Scene, horizontal_runs
from tools.describe_image.line_chart import find_legend

logger = logging.getLogger(__name__)

BACKGROUND_TOLERANCE = 30
COLOUR_TOLERANCE = 40
MIN_RADIUS_SHARE = 0.12  # the disc's radius, as a share of the image's shorter side
ANGLES = 1440
MIN_SECTOR_DEG = 1.0
MAX_SECTORS = 12
DISC_SEARCH_SIDE = 400  # the non-background mask is searched for the disc at about this size
PERCENT_AGREE = 3.0  # printed percentage vs measured share, in points
_TRAILING = re.compile(r"^(.*?)[\s:(]*([-+]?\d+(?:[.,]\d+)?\s*%)\)?$")


@dataclass(frozen=True)
class _Disc:
    cx: float  # scene pixels
    cy: float
    r: float
    rings: tuple[float, ...]  # radii (scene pixels) fully coloured
    background: tuple[int, int, int]


@dataclass(frozen=True)
class _Sector:
    start: float  # degrees, clockwise on screen from the +x axis
    sweep: float
    colour: tuple[int, int, int]

    def holds(self, angle: float) -> bool:
        return (angle - self.start) % 360.0 <= self.sweep


def read_pie_chart(scene: Scene) -> Chart | None:
    """A pie or donut with named sectors; None when the picture is not clearly one."""
    disc = _find_disc(scene.rgb)
    if disc is None:
        return None
    sectors = _sectors(scene.rgb, disc)
    if sectors is None:
        return None
    s = scene.scale
    r, cx, cy = disc.r / s, disc.cx / s, disc.cy / s
    legend = [e for e in find_legend(scene, [np.array(sector.colour) for sector in sectors], set())
              if _outside(e.region, disc)]
    legend_text = {e.text for e in legend}
    names: list[list[OcrLine]] = [[] for _ in sectors]
    numbers: list[list[tuple[OcrLine, float, bool]]] = [[] for _ in sectors]
    used: set[OcrLine] = set()
    for line in scene.ocr:
        if line.text.strip() in legend_text:
            continue
        lx, ly = (line.bbox[0] + line.bbox[2]) / 2, (line.bbox[1] + line.bbox[3]) / 2
        dist = math.hypot(lx - cx, ly - cy)
        nx, ny = min(max(cx, line.bbox[0]), line.bbox[2]), min(max(cy, line.bbox[1]), line.bbox[3])
        gap = math.hypot(nx - cx, ny - cy) - r  # from the disc's edge to the nearest point of the text
        if gap > 1.2 * max(4.0, line.bbox[3] - line.bbox[1]) or (min(disc.rings) > 0.6 * disc.r and dist < min(disc.rings) / s - 2):
            continue  # not beside the disc (a title, a note), or in a donut's hole (a total)
        angle = math.degrees(math.atan2(ly - cy, lx - cx)) % 360.0
        owner = [k for k, sector in enumerate(sectors) if sector.holds(angle)]
        if len(owner) != 1:
            continue
        name, number, percent = _split(line.text)
        if number is not None:
            numbers[owner[0]].append((line, number, percent))
        if name:
            names[owner[0]].append(line)
        used.add(line)
    categories = []
    for k, sector in enumerate(sectors):
        own = _nearest_name(names[k], cx, cy)
        if own is not None:
            categories.append(own)
            continue
        match = [e.text for e in legend if np.abs(np.array(e.colour) - np.array(sector.colour)).max() <= COLOUR_TOLERANCE]
        if len(match) != 1 or any(np.abs(np.array(sector.colour) - np.array(o.colour)).max() <= COLOUR_TOLERANCE
                                  for j, o in enumerate(sectors) if j != k):
            logger.debug("pie: sector %d has names %s and legend %s", k, [ln.text for ln in names[k]], match)
            return None
        categories.append(match[0])
    if len(set(categories)) != len(categories):
        return None
    values = _values(sectors, numbers)
    if values is None:
        return None
    used = {line for k in range(len(sectors)) for line in names[k] if _split(line.text)[0] in categories}
    used |= {line for k in range(len(sectors)) for line, _, _ in numbers[k]}
    used |= {line for line in scene.ocr if line.text.strip() in legend_text}
    size = float(np.median([max(1.0, ln.bbox[3] - ln.bbox[1]) for ln in scene.ocr])) if scene.ocr else 10.0
    cells = []
    for k, (sector, category, (value, printed)) in enumerate(zip(sectors, categories, values)):
        box = _sector_box(sector, cx, cy, r)
        for line, _, _ in numbers[k][:1] if printed else ():
            box = (min(box[0], line.bbox[0]), min(box[1], line.bbox[1]), max(box[2], line.bbox[2]), max(box[3], line.bbox[3]))
        cells.append(ChartValue("share (%)" if _percent(numbers) else "value", category, value, printed, box))
    return Chart(
        type="pie",
        title=find_title(scene.ocr, size, used),
        x_title=None,
        y_title=None,
        categories=tuple(categories),
        series=(cells[0].series,),
        values=tuple(cells),
        legend=tuple(e.text for e in legend),
    )


def _outside(region: tuple[int, int, int, int], disc: _Disc) -> bool:
    """True when a legend entry's box (scene pixels) lies wholly outside the disc."""
    x0, y0, x1, y1 = region
    nx, ny = min(max(disc.cx, x0), x1), min(max(disc.cy, y0), y1)  # the box's point nearest the centre
    return math.hypot(nx - disc.cx, ny - disc.cy) > disc.r + 1


def _nearest_name(lines: list[OcrLine], cx: float, cy: float) -> str | None:
    """The name nearest the disc's centre among a sector's texts, when clearly nearer than the next."""
    if not lines:
        return None
    ranked = sorted(lines, key=lambda ln: math.hypot((ln.bbox[0] + ln.bbox[2]) / 2 - cx, (ln.bbox[1] + ln.bbox[3]) / 2 - cy))
    if len(ranked) > 1:
        d = [math.hypot((ln.bbox[0] + ln.bbox[2]) / 2 - cx, (ln.bbox[1] + ln.bbox[3]) / 2 - cy) for ln in ranked[:2]]
        if d[1] - d[0] < max(4.0, ranked[0].bbox[3] - ranked[0].bbox[1]):
            return None
    return _split(ranked[0].text)[0]


def _split(text: str) -> tuple[str, float | None, bool]:
    """A label's name and number: "Rent 45%" -> ("Rent", 45.0, True); "45%" -> ("", 45.0, True)."""
    t = text.strip()
    number = tick_number(t)
    if number is not None:
        return "", number, t.endswith("%")
    m = _TRAILING.match(t)
    if m and m.group(1).strip():
        value = tick_number(m.group(2).replace(",", ".").replace(" ", ""))
        if value is not None:
            return m.group(1).strip(), value, True
    return t, None, False


def _percent(numbers: list[list[tuple[OcrLine, float, bool]]]) -> bool:
    found = [p for own in numbers for _, _, p in own]
    return not found or any(found)


def _values(sectors: list[_Sector], numbers: list[list[tuple[OcrLine, float, bool]]]) -> list[tuple[float, bool]] | None:
    """Printed numbers where they agree with the angles, measured percentages elsewhere; None on a contradiction."""
    shares = [sector.sweep / 360.0 for sector in sectors]
    if any(len(own) > 1 for own in numbers):
        logger.debug("pie: a sector has several numbers")
        return None
    plain = [own[0][1] for own in numbers if own and not own[0][2]]
    if plain:  # numbers without "%": every sector has one, proportional to the angles
        if len(plain) != len(sectors) or sum(plain) <= 0:
            return None
        total = sum(plain)
        if any(abs(v / total - share) > PERCENT_AGREE / 100 for v, share in zip(plain, shares)):
            return None
        return [(v, True) for v in plain]
    out = []
    for own, share in zip(numbers, shares):
        if own:
            if abs(own[0][1] - 100 * share) > PERCENT_AGREE:
                logger.debug("pie: printed %s%% vs %.1f%% measured", own[0][1], 100 * share)
                return None
            out.append((own[0][1], True))
        else:
            out.append((round(100 * share, 1), False))
    return out


def _sector_box(sector: _Sector, cx: float, cy: float, r: float) -> BBox:
    angles = np.radians(sector.start + np.linspace(0, sector.sweep, 16))
    xs = np.concatenate([[cx], cx + r * np.cos(angles)])
    ys = np.concatenate([[cy], cy + r * np.sin(angles)])
    return (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))


def _find_disc(rgb: np.ndarray) -> _Disc | None:
    height, width = rgb.shape[:2]
    corners = np.concatenate([rgb[:4, :4].reshape(-1, 3), rgb[-4:, -4:].reshape(-1, 3),
                              rgb[:4, -4:].reshape(-1, 3), rgb[-4:, :4].reshape(-1, 3)])
    background = np.median(corners, axis=0).astype(np.int16)

    def solid(patch: np.ndarray) -> np.ndarray:
        return np.abs(patch.astype(np.int16) - background).max(axis=-1) > BACKGROUND_TOLERANCE

    f = max(1, math.ceil(max(height, width) / DISC_SEARCH_SIDE))  # the disc is found on a coarse grid
    coarse = solid(rgb[::f, ::f])
    grown = coarse.copy()
    for dy in (-1, 0, 1):  # close thin separators between wedges
        for dx in (-1, 0, 1):
            grown |= np.roll(np.roll(coarse, dy, axis=0), dx, axis=1)
    core = _core(grown, 1.6 * MIN_RADIUS_SHARE * min(height, width) / f)
    if core is None:
        return None
    x0, y0, x1, y1 = (v * f for v in core)
    pad = (x1 - x0) // 4  # the core is the disc's middle; its top and bottom chords are shorter
    x0, y0, x1, y1 = _refine(rgb, solid, x0 - f, y0 - pad, x1 + f, y1 + pad)
    w, h = x1 - x0, y1 - y0
    r = (w + h) / 4
    if abs(w - h) > 0.05 * max(w, h) or r < MIN_RADIUS_SHARE * min(height, width):
        return None
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    if _ring_cover(rgb, solid, cx, cy, 1.08 * r + 2) > 0.3:
        return None  # not a disc: its bounding square is filled beyond the circle
    rings = tuple(k * r for k in (0.95, 0.85, 0.75, 0.65, 0.55) if _ring_cover(rgb, solid, cx, cy, k * r) >= 0.9)
    if not rings or max(rings) < 0.8 * r:
        return None
    return _Disc(cx, cy, r, rings, tuple(int(v) for v in background))  # type: ignore[arg-type]


def _refine(rgb: np.ndarray, solid: Callable[[np.ndarray], np.ndarray], x0: int, y0: int, x1: int, y1: int) -> tuple[int, int, int, int]:
    """The disc's edges: from the box's centre outwards along bands of 7 lines (a separator between
    wedges may run along one line) to the first gap of 3 background pixels."""
    x0, y0 = max(0, x0), max(0, y0)
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
    across = solid(rgb[max(0, cy - 3) : cy + 4, x0:x1]).any(axis=0)
    down = solid(rgb[y0:y1, max(0, cx - 3) : cx + 4]).any(axis=1)
    left, right = _edges(across, cx - x0)
    top, bottom = _edges(down, cy - y0)
    return x0 + left, y0 + top, x0 + right, y0 + bottom


def _edges(profile: np.ndarray, centre: int) -> tuple[int, int]:
    """Start and end (exclusive) of the solid stretch round ``centre`` (and a hole in it), bridging gaps under 3 pixels."""
    gap = np.convolve(~profile, np.ones(3, dtype=int), mode="same") >= 3  # centre of a 3-pixel gap
    lo = hi = min(max(centre, 0), len(profile) - 1)
    while lo > 0 and not profile[lo]:  # out of a donut's hole
        lo -= 1
    while lo > 0 and not gap[lo - 1]:
        lo -= 1
    while hi < len(profile) - 1 and not profile[hi]:
        hi += 1
    while hi < len(profile) - 1 and not gap[hi + 1]:
        hi += 1
    solid = np.flatnonzero(profile[lo : hi + 1])
    return (lo + int(solid[0]), lo + int(solid[-1]) + 1) if len(solid) else (centre, centre + 1)


def _ring_cover(rgb: np.ndarray, solid: Callable[[np.ndarray], np.ndarray], cx: float, cy: float, radius: float) -> float:
    """Share of a circle's points that are not background (points off the image count as background)."""
    angles = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    xs = np.round(cx + radius * np.cos(angles)).astype(int)
    ys = np.round(cy + radius * np.sin(angles)).astype(int)
    inside = (xs >= 0) & (ys >= 0) & (xs < rgb.shape[1]) & (ys < rgb.shape[0])
    return float(solid(rgb[ys[inside], xs[inside]]).sum() / len(angles))


def _core(mask: np.ndarray, least: float) -> tuple[int, int, int, int] | None:
    """The box (x0, y0, x1, y1; ends exclusive) of the tallest stack (at least ``least`` rows) of
    consecutive rows whose runs at least 0.4 ``least`` long span a stretch overlapping the row
    above's (a disc's chords, split by a donut's hole)."""
    rows, starts, ends = horizontal_runs(mask)
    long = ends - starts >= 0.4 * least  # a donut's ring, beside its hole, is a long run too
    if long.sum() < least:
        return None
    best_run: dict[int, tuple[int, int]] = {}  # per row, the span of its long runs
    for row, start, end in zip(rows[long].tolist(), starts[long].tolist(), ends[long].tolist()):
        lo, hi = best_run.get(row, (start, end))
        best_run[row] = (min(lo, start), max(hi, end))
    stacks: list[list[int]] = []
    for row in sorted(best_run):
        last = stacks[-1][-1] if stacks else None
        if last is not None and row == last + 1 and min(best_run[row][1], best_run[last][1]) > max(best_run[row][0], best_run[last][0]):
            stacks[-1].append(row)
        else:
            stacks.append([row])
    stack = max(stacks, key=len)
    if len(stack) < least:
        return None
    middle = float(np.median([sum(best_run[r]) / 2 for r in stack]))  # chords centred on it (not a legend's frame)
    centred = [best_run[r] for r in stack if abs(sum(best_run[r]) / 2 - middle) <= 0.05 * (best_run[r][1] - best_run[r][0]) + 2]
    return (min(lo for lo, _ in centred), stack[0], max(hi for _, hi in centred), stack[-1] + 1)


def _sectors(rgb: np.ndarray, disc: _Disc) -> list[_Sector] | None:
    """Runs of one colour going round the disc's rings (clockwise on screen from +x), or None."""
    theta = np.arange(ANGLES) * 2 * np.pi / ANGLES
    samples = []
    for radius in disc.rings:
        xs = np.clip(np.round(disc.cx + radius * np.cos(theta)).astype(int), 0, rgb.shape[1] - 1)
        ys = np.clip(np.round(disc.cy + radius * np.sin(theta)).astype(int), 0, rgb.shape[0] - 1)
        samples.append(rgb[ys, xs].astype(np.int32))
    stacked = np.stack(samples)  # rings × angles × 3
    flat = stacked.reshape(-1, 3)
    packed = ((flat[:, 0] >> 3) << 10) | ((flat[:, 1] >> 3) << 5) | (flat[:, 2] >> 3)
    values, counts = np.unique(packed, return_counts=True)
    colours: list[np.ndarray] = []
    background = np.array(disc.background)
    for i in np.argsort(counts)[::-1]:
        if counts[i] < 0.004 * len(flat):
            break
        colour = np.median(flat[packed == values[i]], axis=0)
        if all(np.abs(colour - c).max() > COLOUR_TOLERANCE for c in [background, *colours]):
            colours.append(colour)
    if len(colours) < 2:
        return None
    distance = np.stack([np.abs(stacked - c).max(axis=2) for c in colours])  # colours × rings × angles
    nearest = distance.argmin(axis=0)
    nearest[distance.min(axis=0) > COLOUR_TOLERANCE / 2] = -1
    label = np.full(ANGLES, -1)
    for a in range(ANGLES):
        seen = nearest[:, a][nearest[:, a] >= 0]
        if len(seen):
            label[a] = np.bincount(seen).argmax()
    if (label < 0).mean() > 0.1:
        return None
    runs = _runs(label)
    if runs is None or not 2 <= len(runs) <= MAX_SECTORS:
        return None
    step = 360.0 / ANGLES
    found = [_Sector(start * step, length * step, tuple(int(v) for v in colours[c])) for start, length, c in runs]  # type: ignore[misc]
    top = next((sector for sector in found if sector.holds(270.5)), found[0])
    return sorted(found, key=lambda sector: (sector.start - top.start) % 360.0)  # clockwise from 12 o'clock


def _runs(label: np.ndarray) -> list[tuple[int, int, int]] | None:
    """(start, length, colour) of each run round the circle; unlabelled angles split between neighbours,
    runs under MIN_SECTOR_DEG (anti-aliased edges) given to the next run."""
    n = len(label)
    known = np.flatnonzero(label >= 0)
    if len(known) == 0 or len(set(label[known].tolist())) < 2:
        return None
    filled = label.copy()
    for a in np.flatnonzero(label < 0):  # nearest labelled angle round the circle
        gap = np.minimum((known - a) % n, (a - known) % n)
        filled[a] = label[known[np.argmin(gap)]]
    shift = int(np.flatnonzero(filled != filled[0])[0])  # start at a boundary
    rolled = np.roll(filled, -shift)
    cuts = np.flatnonzero(np.diff(rolled)) + 1
    bounds = [0, *cuts.tolist(), n]
    runs = [(bounds[i], bounds[i + 1] - bounds[i], int(rolled[bounds[i]])) for i in range(len(bounds) - 1)]
    least = MIN_SECTOR_DEG * n / 360.0
    merged: list[list[int]] = []
    for start, length, colour in runs:
        if merged and (length < least or merged[-1][2] == colour):
            merged[-1][1] += length
        else:
            merged.append([start, length, colour])
    if len(merged) > 1 and merged[-1][2] == merged[0][2]:
        merged[0] = [merged[-1][0], merged[-1][1] + merged[0][1], merged[0][2]]
        merged.pop()
    if merged and merged[0][1] < least:
        return None
    return [((start + shift) % n, length, colour) for start, length, colour in merged]
