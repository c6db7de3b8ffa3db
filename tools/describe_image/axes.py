"""Read a chart's frame from OCR geometry alone: axis tick labels with their positions, the title,
axis titles and panel (subplot) count. Works on any chart type, even when no values can be read.

The vertical axis is the largest column of numeric labels sharing a right (or left) edge whose
values run monotonically; the horizontal axis is the largest row of numeric labels sharing a
vertical centre, running monotonically left to right, or else the lowest row of text labels
(categories). Axis titles are the text just beyond the tick labels.

Example:
    >>> axes = read_axes(ocr_lines, width=800, height=600)  # doctest: +SKIP
    >>> [t.text for t in axes.y_ticks]  # doctest: +SKIP
    ['1.0', '0.5', '0.0']
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.types import AxisTick, OcrLine

logger = logging.getLogger(__name__)

_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_POWER = re.compile(r"^([-+]?\d+(?:\.\d+)?)\s*[\^]\s*\{?([-+−]?\d+)\}?$")


def tick_number(text: str) -> float | None:
    """The number a tick label shows ("0.25", "-2k", "30%", "1,000", "10^-5"), or None."""
    t = text.strip().replace("−", "-").replace("–", "-").replace("—", "-").replace(" ", "")
    power = _POWER.match(t)
    if power:
        return float(power.group(1)) ** float(power.group(2).replace("−", "-"))
    t = t.lstrip("+$€£¥").rstrip("%")
    scale = 1.0
    for suffix, factor in (("bn", 1e9), ("k", 1e3), ("K", 1e3), ("M", 1e6), ("B", 1e9)):
        if t.endswith(suffix) and len(t) > len(suffix):
            t, scale = t[: -len(suffix)], factor
            break
    if _THOUSANDS.match(t):
        t = t.replace(",", "")
    if not re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)", t):
        return None
    return float(t) * scale


@dataclass(frozen=True)
class Axes:
    """What the frame of a chart says: tick labels (x left to right, y top to bottom), titles, panels."""

    x_ticks: tuple[AxisTick, ...] = ()
    y_ticks: tuple[AxisTick, ...] = ()
    x_title: str | None = None
    y_title: str | None = None
    title: str | None = None
    panels: int = 1
    x_all: tuple[AxisTick, ...] = ()  # every horizontal-axis tick label, all panels
    y_all: tuple[AxisTick, ...] = ()  # every vertical-axis tick label, all panels


def _tick(line: OcrLine) -> AxisTick:
    return AxisTick(line.text, tick_number(line.text), line.bbox)


def _height(line: OcrLine) -> float:
    x0, y0, x1, y1 = line.bbox
    return max(1.0, min(x1 - x0, y1 - y0))


def _cx(line: OcrLine) -> float:
    return (line.bbox[0] + line.bbox[2]) / 2


def _cy(line: OcrLine) -> float:
    return (line.bbox[1] + line.bbox[3]) / 2


def _cluster(lines: Sequence[OcrLine], key: Callable[[OcrLine], float], tol: float) -> list[list[OcrLine]]:
    """Groups of lines whose ``key`` values lie within ``tol`` of the group's first member."""
    groups: list[list[OcrLine]] = []
    for line in sorted(lines, key=key):
        if groups and key(line) - key(groups[-1][0]) <= tol:
            groups[-1].append(line)
        else:
            groups.append([line])
    return groups


def _monotonic(values: list[float]) -> bool:
    diffs = np.diff(values)
    return bool(len(diffs)) and (bool(np.all(diffs > 0)) or bool(np.all(diffs < 0)))


def _columns(numeric: list[OcrLine], size: float) -> list[list[OcrLine]]:
    """Columns of numeric labels (right- or left-aligned), top to bottom, values monotonic."""
    found: list[list[OcrLine]] = []
    for edge in (lambda ln: ln.bbox[2], lambda ln: ln.bbox[0]):
        for group in _cluster(numeric, edge, max(4.0, 0.6 * size)):
            column = _separate(sorted(group, key=_cy), _cy, 1)
            values = [tick_number(ln.text) or 0.0 for ln in column]
            if len(column) >= 2 and _monotonic(values) and not any(set(column) <= set(f) for f in found):
                found = [f for f in found if not set(f) < set(column)] + [column]
    return found


def _rows(lines: list[OcrLine], size: float, numeric: bool) -> list[list[OcrLine]]:
    """Rows of labels sharing a vertical centre, left to right (numeric rows: values monotonic)."""
    found = []
    for group in _cluster(lines, _cy, 0.5 * size):
        row = _separate(sorted(group, key=_cx), _cx, 0)
        if len(row) < 2:
            continue
        if numeric and not _monotonic([tick_number(ln.text) or 0.0 for ln in row]):
            continue
        found.append(row)
    return found


def _separate(lines: list[OcrLine], centre: Callable[[OcrLine], float], axis: int) -> list[OcrLine]:
    """Drop lines overlapping the previous one along ``axis`` (0: x, 1: y)."""
    kept: list[OcrLine] = []
    for line in lines:
        if kept and line.bbox[axis] < kept[-1].bbox[axis + 2] - 1:
            continue
        kept.append(line)
    return kept


def read_axes(ocr: Sequence[OcrLine], width: int, height: int) -> Axes:
    """The chart frame found in ``ocr`` (image ``width`` × ``height``); empty fields when absent."""
    lines = [ln for ln in ocr if ln.text.strip()]
    if not lines:
        return Axes()
    size = float(np.median([_height(ln) for ln in lines]))
    numeric = [ln for ln in lines if tick_number(ln.text) is not None]
    columns = _columns(numeric, size)
    y_col = max(columns, key=lambda c: (len(c), -c[0].bbox[0]), default=[])
    in_y = set(y_col)
    rows = _rows([ln for ln in numeric if ln not in in_y], size, numeric=True)
    x_row = max(rows, key=lambda r: (len(r), _cy(r[0])), default=[])
    if len(x_row) < 3:
        text_row = _category_row(lines, in_y, y_col, size)
        if len(text_row) >= max(2, len(x_row)):
            x_row = text_row
    panels = max(1, sum(1 for c in columns if len(c) >= 3), sum(1 for r in rows if len(r) >= 3))
    used = in_y | set(x_row)
    title = find_title(lines, size, used)
    return Axes(
        x_ticks=tuple(_tick(ln) for ln in x_row),
        y_ticks=tuple(_tick(ln) for ln in y_col),
        x_title=_x_title(lines, x_row, used | ({title_line for title_line in lines if title_line.text == title})),
        y_title=_y_title(lines, y_col, used),
        title=title,
        panels=panels,
        x_all=tuple(_tick(ln) for row in rows if len(row) >= 3 or row is x_row for ln in row) or tuple(_tick(ln) for ln in x_row),
        y_all=tuple(_tick(ln) for col in columns if len(col) >= 3 or col is y_col for ln in col),
    )


def _category_row(lines: list[OcrLine], in_y: set[OcrLine], y_col: list[OcrLine], size: float) -> list[OcrLine]:
    """The lowest row of text labels under the value axis (rotated labels hang from a common top)."""
    bottom = max((ln.bbox[3] for ln in y_col), default=0.0)
    candidates = [ln for ln in lines if ln not in in_y and _cy(ln) >= bottom - size and len(ln.text) <= 40]
    rows = _rows(candidates, size, numeric=False)
    tall = [ln for ln in candidates if (ln.bbox[3] - ln.bbox[1]) > 1.5 * (ln.bbox[2] - ln.bbox[0])]
    hanging = [_separate(sorted(g, key=_cx), _cx, 0) for g in _cluster(tall, lambda ln: ln.bbox[1], 0.5 * size)]
    rows += [r for r in hanging if len(r) >= 3]
    if not rows:
        return []
    return max(rows, key=lambda r: (len(r) >= 3, _cy(r[0]) if len(r) >= 3 else len(r), len(r)))


def _x_title(lines: list[OcrLine], x_row: list[OcrLine], used: set[OcrLine]) -> str | None:
    if not x_row:
        return None
    bottom = max(ln.bbox[3] for ln in x_row)
    left, right = min(ln.bbox[0] for ln in x_row), max(ln.bbox[2] for ln in x_row)
    below = [
        ln for ln in lines
        if ln not in used and ln.bbox[1] >= bottom - 2 and ln.bbox[1] - bottom <= 3 * _height(ln)
        and left - 50 <= _cx(ln) <= right + 50 and tick_number(ln.text) is None
    ]
    return min(below, key=lambda ln: ln.bbox[1]).text if below else None


def _y_title(lines: list[OcrLine], y_col: list[OcrLine], used: set[OcrLine]) -> str | None:
    if not y_col:
        return None
    left = min(ln.bbox[0] for ln in y_col)
    top, bottom = y_col[0].bbox[1], y_col[-1].bbox[3]
    beside = [
        ln for ln in lines
        if ln not in used and ln.bbox[2] <= left + 2 and top - 20 <= _cy(ln) <= bottom + 20
        and (ln.bbox[3] - ln.bbox[1]) > (ln.bbox[2] - ln.bbox[0]) and tick_number(ln.text) is None
    ]
    beside.sort(key=lambda ln: ln.bbox[1])
    return " ".join(ln.text for ln in beside) if beside else None


def find_title(lines: Sequence[OcrLine], size: float, used: set[OcrLine] | frozenset = frozenset()) -> str | None:
    """The top-most horizontal text, joined with the wrapped lines of the same height under it
    (a subtitle starting with "%" or of another height ends it)."""
    texts = [ln for ln in lines if ln not in used and tick_number(ln.text) is None and len(ln.text) > 2]
    texts = sorted((ln for ln in texts if (ln.bbox[2] - ln.bbox[0]) > (ln.bbox[3] - ln.bbox[1])), key=lambda ln: ln.bbox[1])
    if not texts:
        return None
    chosen = [texts[0]]
    for line in texts[1:]:
        last = chosen[-1]
        h = _height(last)
        if line.bbox[1] - last.bbox[3] > 0.5 * h:
            break
        aligned = abs(line.bbox[0] - last.bbox[0]) <= h or abs(_cx(line) - _cx(last)) <= 2 * h
        if abs(_height(line) - h) > 0.2 * h or not aligned or line.text.startswith("%"):
            break
        chosen.append(line)
    return " ".join(ln.text for ln in chosen)
