"""Pie reader: matplotlib pies with their exact text boxes (unit) and one with RapidOCR."""

from __future__ import annotations

import pytest

from assistant.types import OcrLine
from tests.tools.chart_render import figure, render
from tools.describe_image.chart import read_chart
from tools.describe_image.chart_shapes import make_scene
from tools.describe_image.pie_chart import read_pie_chart

PIES = {
    3: {"Rent": 45.0, "Food": 30.0, "Other": 25.0},
    4: {"Equities": 40.0, "Bonds": 27.5, "Cash": 12.5, "Property": 20.0},
    6: {"North": 22.0, "South": 18.0, "East": 15.0, "West": 25.0, "Central": 12.0, "Overseas": 8.0},
}


def pie(shares: dict[str, float], *, percentages=True, legend=False, edges=False, donut=False):
    fig, ax = figure(6.0, 4.5)
    kwargs = {"autopct": "%1.1f%%"} if percentages else {}
    wedgeprops = {}
    if edges:
        wedgeprops["edgecolor"] = "white"
        wedgeprops["linewidth"] = 2
    if donut:
        wedgeprops["width"] = 0.4
        kwargs.pop("autopct", None)
    ax.pie(list(shares.values()), labels=None if legend else list(shares), startangle=90, counterclock=False,
           wedgeprops=wedgeprops, **kwargs)
    if legend:
        ax.legend(list(shares), loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.set_title("Where the money goes")
    return render(fig)


@pytest.mark.parametrize("n", [3, 4, 6])
def test_printed_percentages_win(n):
    image, lines = pie(PIES[n])
    chart = read_chart(image, lines)
    assert chart is not None and chart.type == "pie"
    assert chart.title == "Where the money goes"
    got = {v.category: (v.value, v.printed) for v in chart.values}
    assert got == {name: (share, True) for name, share in PIES[n].items()}


@pytest.mark.parametrize(("n", "edges"), [(3, False), (4, True), (6, True)])
def test_shares_are_measured_from_the_angles(n, edges):
    image, lines = pie(PIES[n], percentages=False, edges=edges)
    chart = read_pie_chart(make_scene(image, lines))
    assert chart is not None
    assert set(chart.categories) == set(PIES[n])
    for cell in chart.values:
        assert cell.printed is False
        assert cell.value == pytest.approx(PIES[n][cell.category], abs=2.0)


def test_a_legend_names_the_sectors():
    image, lines = pie(PIES[4], legend=True)
    chart = read_pie_chart(make_scene(image, lines))
    assert chart is not None and set(chart.legend) == set(PIES[4])
    assert {v.category: v.value for v in chart.values} == PIES[4]


def test_a_donut_is_read():
    image, lines = pie(PIES[3], percentages=False, donut=True)
    chart = read_pie_chart(make_scene(image, lines))
    assert chart is not None
    for cell in chart.values:
        assert cell.value == pytest.approx(PIES[3][cell.category], abs=2.0)


def test_a_percentage_contradicting_the_angle_gives_none():
    image, lines = pie(PIES[3])
    wrong = tuple(OcrLine("60.0%", ln.bbox, ln.score) if ln.text == "45.0%" else ln for ln in lines)
    assert read_pie_chart(make_scene(image, wrong)) is None


def test_unnamed_sectors_give_none():
    image, lines = pie(PIES[4], percentages=True)
    only_numbers = tuple(ln for ln in lines if ln.text not in PIES[4])
    assert read_pie_chart(make_scene(image, only_numbers)) is None


def test_a_square_or_a_line_chart_is_not_a_pie():
    fig, ax = figure()
    ax.imshow([[0, 1], [2, 3]], cmap="tab10", vmin=0, vmax=9)
    image, lines = render(fig)
    assert read_pie_chart(make_scene(image, lines)) is None
    fig, ax = figure()
    ax.plot(["a", "b", "c"], [1, 3, 2])
    image, lines = render(fig)
    assert read_pie_chart(make_scene(image, lines)) is None


@pytest.mark.integration
@pytest.mark.slow
def test_real_ocr_pie():
    from assistant.settings import Settings
    from tools.describe_image.ocr import RapidOcrReader

    image, _ = pie(PIES[4])
    chart = read_chart(image, RapidOcrReader(Settings()).read(image))
    assert chart is not None and chart.type == "pie"
    assert {v.category: v.value for v in chart.values} == PIES[4]
