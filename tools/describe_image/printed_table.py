"""Read the printed figures of a survey-style chart into rows × columns, from the OCR geometry alone.

Many charts (Pew-style bar and dot tables) print every value: each row has a label on the left
(one or several wrapped lines) and its figures to the right; the columns are named by headings
above the first row. The table is read only when it is consistent: figures are grouped into rows
by their vertical centre, a row counts only with a label left of its figures, and a row's figures
are assigned to columns by their left-to-right order, so only rows with the table's usual number
of figures get cells. Rows are also split into *sections* where the spacing between rows jumps
(the "Ages", "Education" blocks of a survey chart). Anything else gives ``None``.

Example:
    >>> table = read_printed_table(description.ocr)  # doctest: +SKIP
    >>> table.columns, [(r.label, r.values) for r in table.rows][:1]  # doctest: +SKIP
    (('For entertainment', 'To learn something'), [('Ages 18-29', (33.0, 30.0))])
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.types import BBox, OcrLine

_FIGURE = re.compile(r"[<>]?[-+−]?\$?\d{1,3}(?:,\d{3})*(?:\.\d+)?%?")
_FOOTER = re.compile(r"^\s*(note|notes|source|sources)\b|research center", re.IGNORECASE)


@dataclass(frozen=True)
class PrintedRow:
    """One row: its label, its figures left to right (with their boxes), and its section number."""

    label: str
    label_bbox: BBox
    values: tuple[float, ...]
    boxes: tuple[BBox, ...]
    section: int


@dataclass(frozen=True)
class PrintedTable:
    """Rows of printed figures; ``columns`` names the usual figure positions (``""`` when unnamed)."""

    columns: tuple[str, ...]
    rows: tuple[PrintedRow, ...]

    def full_rows(self) -> tuple[PrintedRow, ...]:
        """Rows with one figure per column (their cells are known by position)."""
        return tuple(r for r in self.rows if len(r.values) == len(self.columns))


def _number(text: str) -> float | None:
    t = text.strip()
    if not _FIGURE.fullmatch(t):
        return None
    t = t.lstrip("<>").replace("−", "-").replace("$", "").replace(",", "").rstrip("%")
    try:
        return float(t)
    except ValueError:
        return None


def _centre_v(b: BBox) -> float:
    return (b[1] + b[3]) / 2


def _centre_u(b: BBox) -> float:
    return (b[0] + b[2]) / 2


def _height(b: BBox) -> float:
    return max(1.0, b[3] - b[1])


def _body(lines: Sequence[OcrLine]) -> list[OcrLine]:
    """The lines above the first note/source line."""
    ordered = sorted(lines, key=lambda ln: ln.bbox[1])
    footer = next((ln.bbox[1] for ln in ordered if _FOOTER.search(ln.text)), None)
    return [ln for ln in ordered if footer is None or ln.bbox[1] < footer - 1]


def _figure_rows(figures: list[OcrLine]) -> list[list[OcrLine]]:
    rows: list[list[OcrLine]] = []
    for line in sorted(figures, key=lambda ln: _centre_v(ln.bbox)):
        if rows and abs(_centre_v(line.bbox) - np.mean([_centre_v(x.bbox) for x in rows[-1]])) <= 0.45 * _height(line.bbox):
            rows[-1].append(line)
        else:
            rows.append([line])
    return [sorted(row, key=lambda ln: ln.bbox[0]) for row in rows]


def _overlaps_u(a: BBox, b: BBox) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0])


def _label(row: list[OcrLine], others: list[float], texts: list[OcrLine]) -> tuple[list[OcrLine], BBox] | None:
    """The label of a row: the text line left of its figures nearest its centre, plus the wrapped
    lines above and below it (overlapping it horizontally, close vertically, nearer this row than
    any other; the first and last rows reach no further out than towards their neighbour)."""
    left = min(f.bbox[0] for f in row)
    centre = float(np.mean([_centre_v(f.bbox) for f in row]))
    size = float(np.median([_height(f.bbox) for f in row]))
    if others:
        nearest = min(others, key=lambda o: abs(o - centre))
        others = others + [2 * centre - nearest]  # a virtual neighbour on the open side
    beside = [t for t in texts if t.bbox[2] <= left + 2 and abs(_centre_v(t.bbox) - centre) <= 0.8 * size]
    if not beside:
        return None
    seed = min(beside, key=lambda t: (abs(_centre_v(t.bbox) - centre), -t.bbox[2]))
    group = [seed]
    nearer_here = lambda t: all(abs(_centre_v(t.bbox) - centre) <= abs(_centre_v(t.bbox) - o) for o in others)  # noqa: E731
    grown = True
    while grown:
        grown = False
        for t in texts:
            if t in group or t.bbox[2] > left + 2 or not nearer_here(t):
                continue
            if any(_overlaps_u(t.bbox, g.bbox) and max(t.bbox[1], g.bbox[1]) - min(t.bbox[3], g.bbox[3]) <= 0.6 * _height(g.bbox)
                   for g in group):
                group.append(t)
                grown = True
    group.sort(key=lambda t: t.bbox[1])
    box = (min(t.bbox[0] for t in group), min(t.bbox[1] for t in group),
           max(t.bbox[2] for t in group), max(t.bbox[3] for t in group))
    return group, box


def _sections(centres: list[float]) -> list[int]:
    """Section number of each row (rows sorted top to bottom): a new section where the gap to the
    previous row is well above the usual gap."""
    if len(centres) < 3:
        return [0] * len(centres)
    gaps = np.diff(centres)
    usual = float(np.percentile(gaps, 25))
    out, section = [0], 0
    for gap in gaps:
        section += gap > 1.4 * usual
        out.append(int(section))
    return out


def _stacks(lines: list[OcrLine]) -> list[list[OcrLine]]:
    """Lines grouped where they overlap horizontally (a heading wrapped over several lines), left to right."""
    groups: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda t: t.bbox[0]):
        touching = [g for g in groups if any(_overlaps_u(line.bbox, t.bbox) for t in g)]
        merged = [line] + [t for g in touching for t in g]
        groups = [g for g in groups if g not in touching] + [merged]
    return sorted((sorted(g, key=lambda t: (t.bbox[1], t.bbox[0])) for g in groups), key=lambda g: min(t.bbox[0] for t in g))


def _interleaved(rows: list[PrintedRow], count: int) -> bool:
    """True when one column's figures reach past the next column's (a dot plot's figures sit where
    their dots are, so their left-to-right order is not their series)."""
    for j in range(count - 1):
        if max(r.boxes[j][2] for r in rows) > min(r.boxes[j + 1][0] for r in rows) + 2:
            return True
    return False


def _spanning(line: OcrLine, lines: list[OcrLine]) -> bool:
    """True for a heading over several columns: it overlaps two lines below it that do not overlap
    each other ("Meet basic needs with ..." over "Ease and have" and "A little")."""
    under = [t for t in lines if t is not line and t.bbox[1] >= line.bbox[3] - 2 and _overlaps_u(t.bbox, line.bbox)]
    return any(not _overlaps_u(a.bbox, b.bbox) for i, a in enumerate(under) for b in under[i + 1 :])


def _headers(texts: list[OcrLine], rows: list[PrintedRow], count: int, label_edge: float, top: float) -> tuple[str, ...]:
    """Column headings: the text lines between the title block (lines flush with the left edge) and
    the first row of figures. As many stacks of heading lines as columns name them in order;
    otherwise each stack right of the labels goes to the column whose figures' centre is nearest,
    and a column given two stacks (or none) stays unnamed."""
    full = [r for r in rows if len(r.values) == count]
    above = [t for t in texts if t.bbox[3] <= top + 1]
    left = min((t.bbox[0] for t in texts), default=0.0)
    floor = max((t.bbox[3] for t in above if t.bbox[0] <= left + 3), default=-1.0)
    heads = [t for t in above if t.bbox[1] >= floor - 1]
    stacks = _stacks([t for t in heads if not _spanning(t, heads)])
    join = lambda g: " ".join(t.text.strip() for t in g)  # noqa: E731
    if not full or _interleaved(full, count):
        return ("",) * count  # figures placed by value (dots), not in columns: order names nothing
    if len(stacks) == count:
        return tuple(join(g) for g in stacks)
    centres = [float(np.mean([_centre_u(r.boxes[j]) for r in full])) for j in range(count)]
    named: list[list[list[OcrLine]]] = [[] for _ in range(count)]
    for g in stacks:
        middle = (min(t.bbox[0] for t in g) + max(t.bbox[2] for t in g)) / 2
        if middle > label_edge:
            named[int(np.argmin([abs(middle - c) for c in centres]))].append(g)
    return tuple(join(gs[0]) if len(gs) == 1 else "" for gs in named)


def ink_colour(rgb: np.ndarray, box: BBox) -> tuple[float, float, float] | None:
    """The colour of the text in ``box``: the median of the pixels far from the box's most common
    border colour (its background); None when the box holds too little ink."""
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = (int(max(0, box[0])), int(max(0, box[1])), int(min(w, box[2])), int(min(h, box[3])))
    if x1 - x0 < 3 or y1 - y0 < 3:
        return None
    crop = rgb[y0:y1, x0:x1].reshape(-1, 3).astype(float)
    patch = rgb[y0:y1, x0:x1].astype(float)
    border = np.concatenate([patch[0], patch[-1], patch[:, 0], patch[:, -1]])
    keys, counts = np.unique((border // 32).astype(int), axis=0, return_counts=True)
    background = border[np.all((border // 32).astype(int) == keys[np.argmax(counts)], axis=1)].mean(axis=0)
    ink = crop[np.abs(crop - background).sum(axis=1) > 150]
    if len(ink) < 5:
        return None
    return tuple(float(c) for c in np.median(ink, axis=0))  # type: ignore[return-value]


def _chromatic(colour: tuple[float, float, float] | None) -> bool:
    return colour is not None and max(colour) - min(colour) > 40


def _same_colour(a: tuple[float, float, float], b: tuple[float, float, float]) -> bool:
    return float(np.abs(np.subtract(a, b)).max()) <= 50


def _colour_columns(rows: list[PrintedRow], count: int, texts: list[OcrLine], rgb: np.ndarray) -> tuple[list[PrintedRow], tuple[str, ...]] | None:
    """When the figures are coloured text whose colours disagree with their left-to-right order
    (a dot plot, where each figure sits by its dot), the rows' figures re-ordered by colour and the
    columns named by the heading or legend text of the same colour ("" when none); None when the
    order and the colours agree (or the figures are not coloured)."""
    full = [r for r in rows if len(r.values) == count]
    colours = [[ink_colour(rgb, b) for b in r.boxes] for r in full]
    if count < 2 or not full or not all(_chromatic(c) for row in colours for c in row):
        return None
    palette = [c for c in colours[0]]
    if any(_same_colour(a, b) for i, a in enumerate(palette) for b in palette[i + 1 :]):
        return None
    slots = [[next((k for k, p in enumerate(palette) if _same_colour(c, p)), None) for c in row] for row in colours]  # type: ignore[arg-type]
    if any(sorted(s, key=lambda k: -1 if k is None else k) != list(range(count)) for s in slots):
        return None  # a colour outside the palette, or twice in a row: not colour-coded series
    if all(s == list(range(count)) for s in slots):
        return None  # order and colour agree: the columns stand as read
    reordered = {}
    for row, s in zip(full, slots):
        order = [s.index(k) for k in range(count)]
        reordered[id(row)] = PrintedRow(row.label, row.label_bbox, tuple(row.values[i] for i in order),
                                        tuple(row.boxes[i] for i in order), row.section)
    names = []
    for p in palette:
        named = [t for t in texts if _chromatic(c := ink_colour(rgb, t.bbox)) and _same_colour(c, p)]  # type: ignore[arg-type]
        names.append(" ".join(t.text.strip() for t in sorted(named, key=lambda t: (t.bbox[1], t.bbox[0]))) if len(named) <= 2 else "")
    if not all(names):
        top, bottom = min(r.label_bbox[1] for r in rows), max(r.label_bbox[3] for r in rows)
        keys = _marker_keys([t for t in texts if t.bbox[3] <= top or t.bbox[1] >= bottom], palette, rgb)
        names = [name or keys.get(k, "") for k, name in enumerate(names)]
    return [reordered.get(id(r), r) for r in rows], tuple(names)


def _marker_keys(lines: list[OcrLine], palette: list[tuple[float, float, float]], rgb: np.ndarray) -> dict[int, str]:
    """Legend entries introduced by a marker of a series' colour (a compact dot or square just left
    of, or inside, the entry's text box): {palette index: entry text}. A line OCR read as one over
    several entries is cut at the word start (a space or a lower-to-upper case change) nearest
    where each marker sits, by its share of the line's width in characters."""
    out: dict[int, str] = {}
    for line in lines:
        x0, y0, x1, y1 = line.bbox
        lo, top = int(max(0, x0 - 1.5 * (y1 - y0))), int(max(0, y0))
        patch = rgb[top : int(y1), lo : int(x1)].astype(float)
        if patch.size == 0:
            continue
        marks = []
        for k, colour in enumerate(palette):
            chroma = patch.max(axis=2) - patch.min(axis=2)
            hit = (np.abs(patch - np.asarray(colour)).max(axis=2) <= 50) & (chroma >= 0.6 * (max(colour) - min(colour)))
            xs = np.nonzero(hit)[1]
            if hit.sum() >= 8 and xs.max() - xs.min() <= 1.2 * (y1 - y0):  # a compact mark, not coloured text
                marks.append((float(xs.max()) + lo, k))
        text = line.text.strip()
        marks.sort()
        starts = [0] + [i for i in range(1, len(text)) if text[i - 1] == " " or (text[i - 1].islower() and text[i].isupper())]
        cuts = [min(starts, key=lambda i: abs(i - (x - x0) / max(1.0, x1 - x0) * len(text))) for x, _ in marks]
        cuts = [0] + cuts[1:]
        for (_, k), start, end in zip(marks, cuts, cuts[1:] + [len(text)]):
            name = text[start:end].strip(" ●•■▪-")
            if name and k not in out:
                out[k] = name
    return out


def read_printed_table(ocr: Sequence[OcrLine], rgb: np.ndarray | None = None) -> PrintedTable | None:
    """The chart's printed figures as labelled rows and named columns, or None (fewer than two
    labelled rows, or no usual number of figures per row). With the image's pixels (``rgb``),
    figures in coloured text are put in columns by their colour when it disagrees with their order."""
    body = _body(ocr)
    figures = [ln for ln in body if _number(ln.text) is not None]
    texts = [ln for ln in body if _number(ln.text) is None and re.search(r"[A-Za-z0-9]", ln.text)]
    groups = _figure_rows(figures)
    centres = [float(np.mean([_centre_v(f.bbox) for f in g])) for g in groups]
    labelled = []
    for i, group in enumerate(groups):
        found = _label(group, centres[:i] + centres[i + 1 :], texts)
        if found is not None:
            labelled.append((group, (" ".join(t.text.strip() for t in found[0]), found[1])))
            texts = [t for t in texts if t not in found[0]]
    if len(labelled) < 2:
        return None
    sections = _sections([float(np.mean([_centre_v(f.bbox) for f in g])) for g, _ in labelled])
    rows = [
        PrintedRow(label, box, tuple(float(_number(f.text)) for f in group), tuple(f.bbox for f in group), section)  # type: ignore[arg-type]
        for (group, (label, box)), section in zip(labelled, sections)
    ]
    count, seen = Counter(len(r.values) for r in rows).most_common(1)[0]
    if seen < 2:
        return None
    if rgb is not None:
        by_colour = _colour_columns(rows, count, texts, rgb)
        if by_colour is not None:
            return PrintedTable(by_colour[1], tuple(by_colour[0]))
    label_edge = float(np.median([r.label_bbox[2] for r in rows]))
    top = min(_centre_v(b) for b in rows[0].boxes)
    return PrintedTable(_headers(texts, rows, count, label_edge, top), tuple(rows))
