"""The axis reader: tick labels, titles and panels from OCR geometry."""

from __future__ import annotations

from assistant.types import OcrLine
from tools.describe_image.axes import read_axes, tick_number


def _line(text: str, x0: float, y0: float, x1: float, y1: float) -> OcrLine:
    return OcrLine(text, (x0, y0, x1, y1), 0.99)


def test_tick_number_reads_tick_styles() -> None:
    assert tick_number("-2k") == -2000.0
    assert tick_number("30%") == 30.0
    assert tick_number("1,000") == 1000.0
    assert tick_number("10^-2") == 0.01
    assert tick_number("Japan") is None


def test_numeric_axes_and_titles() -> None:
    lines = [_line("Net balance by year", 0, 0, 300, 24)]
    lines += [_line(v, 30, 50 + 60 * i, 60, 68 + 60 * i) for i, v in enumerate(["1.0", "0.5", "0.0"])]
    lines += [_line(v, 80 + 100 * i, 200, 100 + 100 * i, 218) for i, v in enumerate(["0", "5", "10", "15"])]
    lines.append(_line("Time (s)", 200, 222, 270, 240))
    lines.append(_line("Share", 2, 60, 20, 160))  # rotated y-axis title
    axes = read_axes(lines, 500, 260)
    assert [t.text for t in axes.y_ticks] == ["1.0", "0.5", "0.0"]
    assert [t.value for t in axes.x_ticks] == [0.0, 5.0, 10.0, 15.0]
    assert axes.title == "Net balance by year"
    assert axes.x_title == "Time (s)"
    assert axes.y_title == "Share"
    assert axes.panels == 1


def test_categorical_x_axis_and_two_panels() -> None:
    lines = [_line(v, 30, 50 + 60 * i, 50, 68 + 60 * i) for i, v in enumerate(["20", "10", "0"])]
    lines += [_line(v, 330, 50 + 60 * i, 350, 68 + 60 * i) for i, v in enumerate(["3", "2", "1"])]
    lines += [_line(v, 60 + 60 * i, 200, 100 + 60 * i, 218) for i, v in enumerate(["Japan", "Korea", "Chile"])]
    axes = read_axes(lines, 600, 260)
    assert [t.text for t in axes.x_ticks] == ["Japan", "Korea", "Chile"]
    assert axes.panels == 2
    assert {t.text for t in axes.y_all} == {"20", "10", "0", "3", "2", "1"}


def test_no_text_gives_empty_axes() -> None:
    axes = read_axes((), 100, 100)
    assert axes.x_ticks == () and axes.y_ticks == () and axes.title is None
