"""Render matplotlib figures for chart-reader tests, with the OCR lines a perfect reader would return
(every visible text artist's box, in image pixels)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from PIL import Image  # noqa: E402

from assistant.types import OcrLine  # noqa: E402


def render(fig) -> tuple[Image.Image, tuple[OcrLine, ...]]:
    """The figure as an RGB image and its text as OCR lines (top-left origin)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    height = fig.canvas.get_width_height()[1]
    lines = []
    for artist in fig.findobj(Text):
        text = artist.get_text().strip()
        if not text or not artist.get_visible() or "\n" in text:
            continue
        ext = artist.get_window_extent(renderer)
        if ext.width <= 0 or ext.height <= 0:
            continue
        lines.append(OcrLine(text.replace("−", "-"), (float(ext.x0), float(height - ext.y1), float(ext.x1), float(height - ext.y0)), 1.0))
    image = Image.fromarray(np.asarray(fig.canvas.buffer_rgba())[:, :, :3].copy())
    plt.close(fig)
    return image, tuple(lines)


def figure(width: float = 6.4, height: float = 4.0):
    return plt.subplots(figsize=(width, height), dpi=100)


def bar_series_chart(
    categories: list[str],
    series: dict[str, list[float]],
    *,
    stacked: bool = False,
    horizontal: bool = False,
    labels: bool = False,
    legend: bool = True,
    title: str = "Sales by region",
    scale: float = 1.0,
    legend_columns: int = 1,
) -> tuple[Image.Image, tuple[OcrLine, ...]]:
    """A grouped (side by side) or stacked bar chart of several series, with a legend by default;
    ``labels`` prints each value at the bar end (grouped) or inside its segment (stacked); ``scale``
    enlarges the figure (text included) for tests that run the real OCR."""
    fig, ax = figure()
    fig.set_dpi(100 * scale)
    x = np.arange(len(categories))
    n = len(series)
    width = 0.6 if stacked else 0.8 / n
    bottom = np.zeros(len(categories))
    for k, (name, values) in enumerate(series.items()):
        pos = x if stacked else x + (k - (n - 1) / 2) * width
        if horizontal:
            bars = ax.barh(pos, values, width, left=bottom if stacked else None, label=name)
        else:
            bars = ax.bar(pos, values, width, bottom=bottom if stacked else None, label=name)
        if labels:
            ax.bar_label(bars, fmt="%.1f", fontsize=8, label_type="center" if stacked else "edge")
        if stacked:
            bottom = bottom + np.array(values)
    (ax.set_yticks if horizontal else ax.set_xticks)(x, categories)
    ax.set_title(title)
    if legend:
        ax.legend(ncol=legend_columns)
    return render(fig)
