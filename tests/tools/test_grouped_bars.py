"""Grouped and stacked bar charts: matplotlib charts with their exact text boxes."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PIL import ImageDraw

from tests.tools.chart_render import bar_series_chart, figure, render
from tools.describe_image.chart import read_chart
from tools.describe_image.chart_shapes import make_scene
from tools.describe_image.grouped_bars import read_grouped_bars

YEARS = ["2019", "2020", "2021", "2022"]
REGIONS = ["North", "South", "East", "West"]
SALES = {
    "North": [12.0, 15.5, 9.2, 20.1],
    "South": [8.4, 11.0, 14.3, 6.7],
    "East": [5.0, 7.5, 10.0, 12.5],
    "West": [3.3, 9.9, 6.1, 8.0],
}


def some(n: int) -> dict[str, list[float]]:
    return {name: SALES[name] for name in REGIONS[:n]}


def check(chart, series: dict[str, list[float]], kind: str, printed: bool, tolerance: float) -> None:
    assert chart is not None and chart.type == kind
    assert chart.series == tuple(series) and chart.legend == tuple(series)
    assert set(chart.categories) == set(YEARS)
    cells = {(v.series, v.category): v for v in chart.values}
    assert len(cells) == len(series) * len(YEARS)
    for name, values in series.items():
        for year, value in zip(YEARS, values):
            cell = cells[(name, year)]
            assert cell.printed is printed
            assert cell.value == pytest.approx(value, abs=tolerance)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_grouped_bars_are_measured_against_the_axis(n):
    image, lines = bar_series_chart(YEARS, some(n))
    chart = read_chart(image, lines)
    check(chart, some(n), "grouped bar", printed=False, tolerance=0.02 * 20)
    assert chart.title == "Sales by region"
    assert [v.category for v in chart.values[:4]] == YEARS  # series by series, categories in order


@pytest.mark.parametrize("n", [2, 3])
def test_grouped_bars_with_printed_values_read_the_labels(n):
    image, lines = bar_series_chart(YEARS, some(n), labels=True)
    check(read_chart(image, lines), some(n), "grouped bar", printed=True, tolerance=1e-9)


def test_horizontal_grouped_bars_name_categories_left_of_the_groups():
    image, lines = bar_series_chart(YEARS, some(3), horizontal=True)
    chart = read_chart(image, lines)
    check(chart, some(3), "grouped bar", printed=False, tolerance=0.02 * 20)
    assert chart.categories == tuple(reversed(YEARS))  # top to bottom


@pytest.mark.parametrize("n", [2, 3])
def test_stacked_bars_measure_each_segment(n):
    image, lines = bar_series_chart(YEARS, some(n), stacked=True)
    check(read_chart(image, lines), some(n), "stacked bar", printed=False, tolerance=0.02 * 40)


def test_stacked_bars_with_printed_values_read_the_labels():
    image, lines = bar_series_chart(YEARS, some(3), stacked=True, labels=True)
    chart = read_chart(image, lines)
    check(chart, some(3), "stacked bar", printed=True, tolerance=1e-9)
    cell = next(v for v in chart.values if (v.series, v.category) == ("South", "2021"))
    label = next(line for line in lines if line.text == "14.3")
    assert cell.bbox[0] <= label.bbox[0] and cell.bbox[2] >= label.bbox[2]  # the box holds the label


def test_horizontal_stacked_bars():
    image, lines = bar_series_chart(YEARS, some(2), stacked=True, horizontal=True, labels=True)
    check(read_chart(image, lines), some(2), "stacked bar", printed=True, tolerance=1e-9)


def test_grouped_bars_with_negative_values_hang_from_the_baseline():
    series = {"North": [12.0, -6.5, 9.2, -3.0], "South": [-4.0, 11.0, -8.5, 6.7]}
    image, lines = bar_series_chart(YEARS, series)
    check(read_chart(image, lines), series, "grouped bar", printed=False, tolerance=0.02 * 20)


def test_without_a_legend_the_series_cannot_be_named():
    image, lines = bar_series_chart(YEARS, some(3), legend=False)
    assert read_grouped_bars(make_scene(image, lines)) is None
    assert read_chart(image, lines) is None


def test_a_printed_value_contradicting_its_bar_gives_none():
    image, lines = bar_series_chart(YEARS, some(2), labels=True)
    wrong = tuple(replace(line, text="19.0") if line.text == "15.5" else line for line in lines)
    assert read_grouped_bars(make_scene(image, wrong)) is None


def test_single_series_and_line_charts_are_left_to_their_readers():
    fig, ax = figure()
    ax.bar(YEARS, SALES["North"], label="North")
    ax.legend()
    image, lines = render(fig)
    assert read_grouped_bars(make_scene(image, lines)) is None
    fig, ax = figure()
    for name in REGIONS[:2]:
        ax.plot(YEARS, SALES[name], marker="s", label=name)
    ax.legend()
    image, lines = render(fig)
    assert read_grouped_bars(make_scene(image, lines)) is None


def test_bars_of_a_colour_the_legend_does_not_name_give_none():
    fig, ax = figure()
    for k, name in enumerate(REGIONS[:3]):
        xs = [i + (k - 1) * 0.25 for i in range(4)]
        ax.bar(xs, SALES[name], 0.25, label=name if k != 2 else "_nolegend_")
    ax.set_xticks(range(4), YEARS)
    ax.legend()
    image, lines = render(fig)
    assert read_grouped_bars(make_scene(image, lines)) is None


def test_a_legend_of_numbers_names_the_series():
    series = {"100": SALES["North"], "500": SALES["South"], "1000": SALES["East"]}
    image, lines = bar_series_chart(YEARS, series)
    check(read_chart(image, lines), series, "grouped bar", printed=False, tolerance=0.02 * 20)


def test_values_printed_beside_horizontal_bars_are_not_a_legend():
    image, lines = bar_series_chart(YEARS, some(2), horizontal=True, labels=True, legend=False)
    assert read_grouped_bars(make_scene(image, lines)) is None


def test_a_legend_read_as_one_line_is_split_at_its_swatches():
    image, lines = bar_series_chart(YEARS, some(2), labels=True, legend_columns=2)
    first, second = (next(line for line in lines if line.text == name) for name in ("North", "South"))
    joined = replace(first, text="North South", bbox=(first.bbox[0], first.bbox[1], second.bbox[2], second.bbox[3]))
    merged = tuple(line for line in lines if line not in (first, second)) + (joined,)
    check(read_chart(image, merged), some(2), "grouped bar", printed=True, tolerance=1e-9)


def test_horizontal_stacks_named_by_headings_over_the_top_stack():
    fig, ax = figure()
    left = [0.0] * 4
    rows = {"Major reason": [60.0, 55.0, 52.0, 30.0], "Minor reason": [27.0, 33.0, 29.0, 41.0]}
    for name, values in rows.items():
        bars = ax.barh(range(4), values, 0.6, left=left)
        ax.bar_label(bars, fmt="%.0f", label_type="center", fontsize=9)
        ax.text(left[0] + values[0] / 2, 0 - 0.35, name, ha="center", va="bottom", fontsize=9)
        left = [a + b for a, b in zip(left, values)]
    ax.set_yticks(range(4), ["Fun", "Learning", "Habit", "Opinions"])
    ax.invert_yaxis()  # the first row on top, its headings above it
    ax.set_xticks([])
    image, lines = render(fig)
    chart = read_chart(image, lines)
    assert chart is not None and chart.type == "stacked bar"
    assert chart.series == ("Major reason", "Minor reason") and chart.legend == ()
    cells = {(v.series, v.category): (v.value, v.printed) for v in chart.values}
    assert cells[("Minor reason", "Opinions")] == (41.0, True) and cells[("Major reason", "Fun")] == (60.0, True)
    unnamed = tuple(line for line in lines if line.text not in rows)
    assert read_grouped_bars(make_scene(image, unnamed)) is None


def test_a_segment_not_found_leaves_its_cell_out_and_the_rest_is_read():
    image, lines = bar_series_chart(YEARS, some(3), stacked=True)
    full = {(v.series, v.category): v for v in read_chart(image, lines).values}
    painted = image.copy()
    draw = ImageDraw.Draw(painted)
    for key in (("South", "2020"), ("North", "2021")):  # a middle segment, and a bottom one
        x0, y0, x1, y1 = full[key].bbox
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill="white")
    chart = read_chart(painted, lines)
    assert chart is not None and chart.type == "stacked bar"
    cells = {(v.series, v.category): v.value for v in chart.values}
    assert set(cells) == set(full) - {("South", "2020"), ("North", "2021")}
    for key, value in cells.items():
        assert value == pytest.approx(full[key].value, abs=0.02 * 40)
