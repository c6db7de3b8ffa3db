"""Read a pie (or donut) chart into one series of shares, or None.

The disc is the largest blob of non-background pixels (thin separators between wedges closed by a
small dilation) that is round: as wide as tall, fully coloured on a ring inside it and background
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
from dataclasses import dataclass

import numpy as np

from assistant.types import BBox, Chart, ChartValue, OcrLine
from tools.describe_image.axes import find_title, tick_number
from tools.describe_image.chart_shapes import Scene, _link_runs
from tools.describe_image.line_chart import find_legend

logger = logging.getLogger(__name__)

BACKGROUND_TOLERANCE = 30
COLOUR_TOLERANCE = 40
MIN_RADIUS_SHARE = 0.12  # the disc's radius, as a share of the image's shorter side
ANGLES = 1440
MIN_SECTOR_DEG = 1.0
MAX_SECTORS = 12
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
    pixels = rgb.astype(np.int16)
    corners = np.concatenate([pixels[:4, :4].reshape(-1, 3), pixels[-4:, -4:].reshape(-1, 3),
                              pixels[:4, -4:].reshape(-1, 3), pixels[-4:, :4].reshape(-1, 3)])
    background = np.median(corners, axis=0)
    solid = np.abs(pixels - background).max(axis=2) > BACKGROUND_TOLERANCE
    grown = solid.copy()
    for dy in (-2, -1, 0, 1, 2):  # close thin separators between wedges
        for dx in (-2, -1, 0, 1, 2):
            grown |= np.roll(np.roll(solid, dy, axis=0), dx, axis=1)
    blob = _largest_blob(grown)
    if blob is None:
        return None
    x0, y0, x1, y1 = blob
    w, h = x1 - x0, y1 - y0
    r = (w + h) / 4 - 2  # the dilation grew it by 2 px each side
    if abs(w - h) > 0.05 * max(w, h) or r < MIN_RADIUS_SHARE * min(height, width):
        return None
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    if _ring_cover(solid, cx, cy, 1.08 * r + 2) > 0.3:
        return None  # not a disc: its bounding square is filled beyond the circle
    rings = tuple(f * r for f in (0.95, 0.85, 0.75, 0.65, 0.55) if _ring_cover(solid, cx, cy, f * r) >= 0.9)
    if not rings or max(rings) < 0.8 * r:
        return None
    return _Disc(cx, cy, r, rings, tuple(int(v) for v in background))  # type: ignore[arg-type]


def _ring_cover(mask: np.ndarray, cx: float, cy: float, radius: float) -> float:
    angles = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    xs = np.round(cx + radius * np.cos(angles)).astype(int)
    ys = np.round(cy + radius * np.sin(angles)).astype(int)
    inside = (xs >= 0) & (ys >= 0) & (xs < mask.shape[1]) & (ys < mask.shape[0])
    return float(np.where(inside, mask[np.clip(ys, 0, mask.shape[0] - 1), np.clip(xs, 0, mask.shape[1] - 1)], False).mean())


def _largest_blob(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """The bounding box (x0, y0, x1, y1; ends exclusive) of the largest connected region."""
    height, width = mask.shape
    padded = np.zeros((height, width + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    step = np.diff(padded, axis=1)
    rows, starts = np.nonzero(step == 1)
    _, ends = np.nonzero(step == -1)
    if len(rows) == 0 or len(rows) > 200_000:
        return None
    roots = _link_runs(rows, starts, ends, height)
    lengths = ends - starts
    ids, inverse = np.unique(roots, return_inverse=True)
    area = np.bincount(inverse, weights=lengths)
    member = inverse == int(np.argmax(area))
    return int(starts[member].min()), int(rows[member].min()), int(ends[member].max()), int(rows[member].max()) + 1


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
