"""Titles of a read bar chart: the chart's title above the plot and the value axis's title beside
its tick labels (helpers of :mod:`tools.describe_image.chart`, in its canonical frame).

Example:
    >>> chart_title(scene, texts, bars, frame)  # doctest: +SKIP
    'ICT investment'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.types import OcrLine
from tools.describe_image.chart_shapes import Scene, ink

if TYPE_CHECKING:
    from tools.describe_image.chart import BarBox, Frame, TextBox


def chart_title(scene: Scene, texts: list[TextBox], bars: list[BarBox], frame: Frame) -> str | None:
    """The top-most large text above the plot, joined with the lines of the same size under it."""
    plot_top = min(frame.unbox(b.box)[1] for b in bars)
    above = [t.line for t in texts if t.number is None and t.line.bbox[3] <= plot_top and len(t.line.text) > 1]
    if not above:
        return None
    biggest = max(_height(line) for line in above)
    large = sorted((ln for ln in above if _height(ln) >= 0.7 * biggest), key=lambda ln: ln.bbox[1])
    lines = [large[0]]
    for line in sorted(above, key=lambda ln: ln.bbox[1]):
        same_ink = abs(ink(scene, line.bbox) - ink(scene, lines[0].bbox)) <= 40
        if line.bbox[1] > lines[-1].bbox[1] and same_ink and _continues(lines[-1], line):
            lines.append(line)
    return " ".join(line.text for line in lines)


def _continues(last: OcrLine, line: OcrLine) -> bool:
    """A wrapped title line: about the same height, tight under ``last``, left-aligned or centred with it."""
    h = _height(last)
    aligned = abs(line.bbox[0] - last.bbox[0]) <= h or abs(sum(line.bbox[::2]) - sum(last.bbox[::2])) <= 2 * h
    return abs(_height(line) - h) <= 0.2 * h and line.bbox[1] - last.bbox[3] <= 0.4 * h and aligned


def _height(line: OcrLine) -> float:
    return line.bbox[3] - line.bbox[1]


def value_axis_title(
    frame: Frame, bars: list[BarBox], texts: list[TextBox], ticks: list[TextBox], used: set[int], title: str | None
) -> str | None:
    """Text beyond the tick labels, running along the value axis (no axis, no axis title)."""
    if not ticks:
        return None
    lo, hi = min(b.box[0] for b in bars), max(b.box[2] for b in bars)
    ticks_first = ticks[0].box[2] <= lo + 2
    top, bottom = min(b.box[1] for b in bars), max(b.box[3] for b in bars)
    left = min([lo] + [t.box[0] for t in ticks])
    right = max([hi] + [t.box[2] for t in ticks])
    for i, t in enumerate(texts):
        if i in used or t.number is not None or t.line.text == title or len(t.line.text) < 2:
            continue
        along = t.box[3] - t.box[1]
        beside = t.box[2] <= left + 2 if ticks_first else t.box[0] >= right - 2
        near = min(abs(left - t.box[2]), abs(t.box[0] - right)) <= 4 * t.size
        if beside and near and top - t.size <= t.vc <= bottom + t.size and along <= 1.2 * (bottom - top):
            x0, y0, x1, y1 = t.line.bbox
            if frame.horizontal or (y1 - y0) > (x1 - x0):  # vertical charts: rotated text only
                return t.line.text
    return None
