"""Chart reader: synthetic charts with a fake OCR (unit) and real matplotlib charts with RapidOCR."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from PIL import Image, ImageDraw

from assistant.settings import Settings
from assistant.types import OcrLine
from tools.describe_image.chart import parse_number, read_chart
from tools.describe_image.images import load_image
from tools.describe_image.ocr import RapidOcrReader

DATA = Path(__file__).parents[1] / "data"
BASE, UNIT, PITCH, WIDTH = 250, 30, 80, 40  # baseline y, pixels per unit, bar spacing and width
QUARTERS = ["Q1", "Q2", "Q3", "Q4"]
REVENUE = [4.2, 5.1, 3.8, 6.0]


def text(t: str, cx: float, cy: float, h: float = 14) -> OcrLine:
    return OcrLine(t, (cx - 4 * len(t), cy - h / 2, cx + 4 * len(t), cy + h / 2), 1.0)


def bar_chart(values, categories=QUARTERS, *, printed=True, ticks=True, colours=None):
    """A white 400x300 image with vertical bars and the OCR lines a perfect reader would return."""
    image = Image.new("RGB", (60 + PITCH * len(values) + 20, 300), "white")
    draw = ImageDraw.Draw(image)
    draw.line([(50, 40), (50, BASE)], fill=(40, 40, 40))
    lines = [text("Quarterly revenue", 200, 15, h=22)]
    for i, (value, category) in enumerate(zip(values, categories)):
        x0 = 60 + i * PITCH
        colour = (colours or [(68, 114, 196)] * len(values))[i]
        draw.rectangle([x0, BASE - round(value * UNIT), x0 + WIDTH - 1, BASE - 1], fill=colour)
        lines.append(text(category, x0 + WIDTH / 2, BASE + 12))
        if printed:
            lines.append(text(f"{value:.1f}", x0 + WIDTH / 2, BASE - value * UNIT - 10))
    if ticks:
        lines += [text(str(v), 38, BASE - v * UNIT) for v in range(0, 7)]
    return image, tuple(lines)


@pytest.mark.parametrize(
    ("label", "number"),
    [("4.2", 4.2), ("39%", 39.0), ("$1,250", 1250.0), ("-3.5bn", -3.5), ("−2", -2.0), ("(2.1)", -2.1),
     ("2019", 2019.0), ("Q1", None), ("<1", None), ("4,2", None), ("", None), ("1.2.3", None)],
)
def test_parse_number(label, number):
    assert parse_number(label) == number


def test_printed_values_are_read_exactly():
    image, lines = bar_chart(REVENUE)
    chart = read_chart(image, lines)
    assert chart is not None and chart.type == "bar"
    assert chart.title == "Quarterly revenue"
    assert chart.categories == tuple(QUARTERS)
    assert [(v.category, v.value, v.printed) for v in chart.values] == [
        (q, r, True) for q, r in zip(QUARTERS, REVENUE)
    ]
    first = chart.values[0].bbox  # bar plus its label
    assert first[0] == pytest.approx(60, abs=1) and first[3] == pytest.approx(BASE, abs=1)
    assert first[1] < BASE - 4.2 * UNIT


def test_values_measured_against_the_axis_without_labels():
    image, lines = bar_chart(REVENUE, printed=False)
    chart = read_chart(image, lines)
    assert chart is not None
    for cell, expected in zip(chart.values, REVENUE):
        assert cell.printed is False
        assert cell.value == pytest.approx(expected, rel=0.02)


def test_no_labels_and_no_axis_gives_none():
    image, lines = bar_chart(REVENUE, printed=False, ticks=False)
    assert read_chart(image, lines) is None


def test_missing_category_gives_none():
    image, lines = bar_chart(REVENUE)
    assert read_chart(image, tuple(ln for ln in lines if ln.text != "Q3")) is None


def test_printed_value_contradicting_the_axis_gives_none():
    image, lines = bar_chart(REVENUE)
    wrong = tuple(text("9.9", ln.bbox[0] + 12, (ln.bbox[1] + ln.bbox[3]) / 2) if ln.text == "5.1" else ln for ln in lines)
    assert read_chart(image, wrong) is None


def test_printed_value_contradicting_bar_length_gives_none():
    image, lines = bar_chart(REVENUE, ticks=False)
    wrong = tuple(text("1.0", ln.bbox[0] + 12, (ln.bbox[1] + ln.bbox[3]) / 2) if ln.text == "6.0" else ln for ln in lines)
    assert read_chart(image, wrong) is None


def test_two_series_are_not_read_yet():
    blue, orange = (68, 114, 196), (237, 125, 49)
    image, lines = bar_chart(REVENUE, colours=[blue, orange, blue, orange])
    assert read_chart(image, lines) is None


def test_grouped_bars_touching_each_other_are_not_read_yet():
    image, lines = bar_chart(REVENUE)
    draw = ImageDraw.Draw(image)
    for i, value in enumerate([3.0, 4.0, 2.5, 5.0]):  # a second series flush against each bar
        x0 = 60 + i * PITCH + WIDTH
        draw.rectangle([x0, BASE - round(value * UNIT), x0 + 19, BASE - 1], fill=(237, 125, 49))
    assert read_chart(image, lines) is None


def test_one_highlighted_bar_is_still_one_series():
    blue, red = (68, 114, 196), (200, 30, 30)
    image, lines = bar_chart(REVENUE, colours=[blue, blue, red, blue])
    chart = read_chart(image, lines)
    assert chart is not None and [v.value for v in chart.values] == REVENUE


def test_blank_and_noise_images_give_none():
    assert read_chart(Image.new("RGB", (300, 200), "white"), ()) is None
    noise = np.random.default_rng(0).integers(0, 256, (200, 300, 3), dtype=np.uint8)
    assert read_chart(Image.fromarray(noise), (text("hello", 100, 20),)) is None


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.floats(min_value=0.3, max_value=6.0), min_size=2, max_size=6))
def test_axis_estimates_are_within_two_percent_of_the_span(values):
    categories = [f"C{i}" for i in range(len(values))]
    image, lines = bar_chart(values, categories, printed=False)
    chart = read_chart(image, lines)
    assert chart is not None
    for cell, expected in zip(chart.values, values):
        assert cell.value == pytest.approx(expected, abs=0.02 * 6)


@pytest.fixture(scope="module")
def rapidocr():
    reader = RapidOcrReader(Settings())
    reader.warm_up()
    return reader


@pytest.mark.integration
@pytest.mark.slow
def test_real_chart_with_printed_labels(rapidocr):
    image = load_image(DATA / "chart_bar_labels.png")
    chart = read_chart(image, rapidocr.read(image))
    assert chart is not None
    assert chart.title == "Quarterly revenue ($bn)"
    assert chart.y_title == "Revenue ($bn)"
    assert [(v.category, v.value, v.printed) for v in chart.values] == [
        (q, r, True) for q, r in zip(QUARTERS, REVENUE)
    ]


@pytest.mark.integration
@pytest.mark.slow
def test_real_chart_without_labels_is_measured_within_5_percent(rapidocr):
    image = load_image(DATA / "chart_bar_nolabels.png")
    chart = read_chart(image, rapidocr.read(image))
    assert chart is not None
    assert chart.categories == tuple(QUARTERS)
    for cell, expected in zip(chart.values, REVENUE):
        assert cell.printed is False
        assert cell.value == pytest.approx(expected, rel=0.05)


@pytest.mark.integration
@pytest.mark.slow
def test_real_horizontal_chart(rapidocr):
    image = load_image(DATA / "chart_hbar_labels.png")
    chart = read_chart(image, rapidocr.read(image))
    assert chart is not None
    assert chart.x_title == "Revenue ($bn)" and chart.y_title is None
    assert [(v.category, v.value) for v in chart.values] == list(zip(QUARTERS, REVENUE))
    q4 = chart.values[3].bbox
    assert q4[2] > q4[0] + 6.0 / 4.2 * (chart.values[0].bbox[2] - chart.values[0].bbox[0]) * 0.9


def oecd_chart(values, names, *, every=2, highlight=None):
    """An OECD-style export: tick labels printed above light gridlines, dark bars, and 45° country
    labels under every ``every``-th bar whose top-right corner sits at the bar's centre."""
    base, unit, pitch, width = 560, 12.0, 34, 22  # 0 at y=560, 12 px per unit (40 -> y=80)
    image = Image.new("RGB", (80 + pitch * len(values), 720), "white")
    draw = ImageDraw.Draw(image)
    lines = [OcrLine("Employee compensation", (0, 0, 300, 30), 1.0), OcrLine("Total, % of GDP, 2022", (0, 40, 280, 70), 1.0)]
    for v in range(0, 50, 10):
        y = round(base - v * unit)
        draw.line([(0, y), (image.width, y)], fill=(190, 200, 210))
        lines.append(OcrLine(str(v), (0.0, y - 34.0, 16.0 * len(str(v)), y - 4.0), 1.0))  # label above its line
    for i, value in enumerate(values):
        x0 = 60 + i * pitch
        colour = (70, 170, 250) if i == highlight else (0, 8, 50)
        draw.rectangle([x0, round(base - value * unit), x0 + width - 1, base - 1], fill=colour)
        if i % every == 0:
            cx, size = x0 + width / 2, 9 * len(names[i])
            lines.append(OcrLine(names[i], (cx - size, base + 8.0, cx + 3, base + 8.0 + size), 1.0))
    return image, tuple(lines)


COUNTRIES = ["Switzerland", "Norway", "France", "Japan", "Germany", "Spain", "Denmark", "Italy"]
SHARES = [33.0, 31.5, 27.2, 24.0, 20.5, 18.1, 12.4, 6.0]


def test_slanted_labels_on_every_other_bar_and_ticks_above_gridlines():
    image, lines = oecd_chart(SHARES, COUNTRIES)
    chart = read_chart(image, lines)
    assert chart is not None and len(chart.values) == 8
    assert [v.category for v in chart.values] == ["Switzerland", "", "France", "", "Germany", "", "Denmark", ""]
    for cell, expected in zip(chart.values, SHARES):
        assert cell.printed is False
        assert cell.value == pytest.approx(expected, abs=0.15)  # ticks moved onto their gridlines


def test_slanted_labels_on_every_bar_and_a_highlighted_bar():
    image, lines = oecd_chart(SHARES, COUNTRIES, every=1, highlight=3)
    chart = read_chart(image, lines)
    assert chart is not None and chart.categories == tuple(COUNTRIES)
    assert chart.values[3].value == pytest.approx(24.0, abs=0.15)


def test_a_slanted_label_ocr_missed_leaves_its_bar_unnamed():
    image, lines = oecd_chart(SHARES, COUNTRIES, every=1)
    chart = read_chart(image, tuple(ln for ln in lines if ln.text != "Japan"))
    assert chart is not None and [v.category for v in chart.values][2:5] == ["France", "", "Germany"]
    assert chart.values[3].value == pytest.approx(24.0, abs=0.15)


def test_slanted_labels_off_the_pattern_give_none():
    image, lines = oecd_chart(SHARES, COUNTRIES, every=2)
    stray = OcrLine("Japan", (60 + 3 * 34 + 11 - 45.0, 568.0, 60 + 3 * 34 + 14.0, 613.0), 1.0)  # under bar 3 of 0, 2, 4, 6
    assert read_chart(image, lines + (stray,)) is None
