"""Line-chart reader: matplotlib charts with their exact text boxes (unit) and one with RapidOCR."""

from __future__ import annotations

import pytest

from tests.tools.chart_render import figure, render
from tools.describe_image.chart import read_chart
from tools.describe_image.chart_shapes import make_scene
from tools.describe_image.line_chart import read_line_chart

YEARS = ["2018", "2019", "2020", "2021", "2022", "2023"]
SALES = [12.0, 18.5, 15.2, 24.8, 30.1, 27.4]
COSTS = [8.0, 9.5, 14.0, 13.2, 16.8, 21.0]
MARGIN = [3.0, 6.2, 4.1, 9.7, 11.3, 8.8]


def line_chart(series: dict[str, list[float]], *, legend=True, labels=False, markers=True, ylim=(0, 35)):
    fig, ax = figure()
    for name, values in series.items():
        ax.plot(YEARS, values, marker="o" if markers else None, label=name)
        if labels:
            for x, v in zip(YEARS, values):
                ax.annotate(f"{v:.1f}", (x, v), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8)
    ax.set_ylim(*ylim)
    ax.set_title("Company results")
    ax.set_ylabel("USD m")
    if legend:
        ax.legend(loc="upper left")
    return render(fig)


def table(chart):
    return {(v.series, v.category): v for v in chart.values}


@pytest.mark.parametrize("markers", [True, False])
def test_two_series_with_a_legend_are_measured_against_the_axis(markers):
    image, lines = line_chart({"Sales": SALES, "Costs": COSTS}, markers=markers)
    chart = read_chart(image, lines)
    assert chart is not None and chart.type == "line"
    assert chart.series == ("Sales", "Costs") and chart.categories == tuple(YEARS)
    assert chart.title == "Company results" and chart.legend == ("Sales", "Costs")
    cells = table(chart)
    assert len(cells) == 12
    for name, values in (("Sales", SALES), ("Costs", COSTS)):
        for year, value in zip(YEARS, values):
            cell = cells[(name, year)]
            assert cell.printed is False
            assert cell.value == pytest.approx(value, abs=0.02 * 35)


def test_three_series_without_a_legend_are_numbered():
    image, lines = line_chart({"a": SALES, "b": COSTS, "c": MARGIN}, legend=False)
    chart = read_line_chart(make_scene(image, lines))
    assert chart is not None
    assert set(chart.series) == {"series 1", "series 2", "series 3"}
    by_series = {}
    for v in chart.values:
        by_series.setdefault(v.series, []).append(v.value)
    measured = sorted(by_series.values(), key=lambda vs: vs[0])
    for got, truth in zip(measured, sorted([SALES, COSTS, MARGIN], key=lambda vs: vs[0])):
        assert got == pytest.approx(truth, abs=0.02 * 35)


def test_printed_point_labels_win():
    image, lines = line_chart({"Sales": SALES, "Costs": COSTS}, labels=True)
    chart = read_chart(image, lines)
    assert chart is not None
    cells = table(chart)
    for name, values in (("Sales", SALES), ("Costs", COSTS)):
        for year, value in zip(YEARS, values):
            assert cells[(name, year)].printed is True
            assert cells[(name, year)].value == value


def test_one_series_is_named_by_the_axis_title():
    image, lines = line_chart({"Sales": SALES}, legend=False, markers=False)
    chart = read_chart(image, lines)
    assert chart is not None and chart.series == ("USD m",)
    assert [v.value for v in chart.values] == pytest.approx(SALES, abs=0.02 * 35)


def test_a_printed_label_contradicting_its_point_gives_none():
    image, lines = line_chart({"Sales": SALES}, legend=False, labels=True)
    wrong = tuple(type(line)("29.0", line.bbox, line.score) if line.text == "15.2" else line for line in lines)
    assert read_line_chart(make_scene(image, wrong)) is None


def test_without_value_ticks_gives_none():
    image, lines = line_chart({"Sales": SALES, "Costs": COSTS})
    no_ticks = tuple(line for line in lines if not line.text.replace(".", "").isdigit() or line.text in YEARS)
    assert read_line_chart(make_scene(image, no_ticks)) is None


def test_a_scatter_of_dots_gives_none():
    fig, ax = figure()
    ax.scatter([0.5, 1.2, 2.9, 3.3, 4.1, 4.8] * 3, [5, 30, 12, 22, 8, 17, 25, 3, 14, 28, 9, 19, 2, 33, 21, 6, 26, 11])
    ax.set_xticks(range(6), YEARS)
    ax.set_ylim(0, 35)
    image, lines = render(fig)
    assert read_line_chart(make_scene(image, lines)) is None


def test_a_bar_chart_is_not_read_as_lines():
    fig, ax = figure()
    ax.bar(YEARS, SALES, color="tab:blue")
    ax.bar(YEARS, COSTS, bottom=SALES, color="tab:orange")
    image, lines = render(fig)
    assert read_line_chart(make_scene(image, lines)) is None


@pytest.mark.integration
@pytest.mark.slow
def test_real_ocr_line_chart():
    from assistant.settings import Settings
    from tools.describe_image.ocr import RapidOcrReader

    image, _ = line_chart({"Sales": SALES, "Costs": COSTS})
    reader = RapidOcrReader(Settings())
    chart = read_chart(image, reader.read(image))
    assert chart is not None and chart.type == "line"
    cells = table(chart)
    for year, value in zip(YEARS, SALES):
        assert cells[("Sales", year)].value == pytest.approx(value, abs=0.03 * 35)


def test_chunk_text_names_each_cells_series():
    from assistant.types import ImageDescription
    from tools.describe_image import image_chunks_text

    image, lines = line_chart({"Sales": SALES, "Costs": COSTS}, labels=True)
    chart = read_chart(image, lines)
    desc = ImageDescription(path="c.png", width=image.width, height=image.height, ocr=lines, chart=chart,
                            dicom=None, caption=None, warnings=())
    text = image_chunks_text(desc)[0][0]
    assert text.startswith("Chart 'Company results' (line; Sales, Costs): Sales, 2018 = 12;")
    assert "Costs, 2023 = 21" in text


def test_tick_labels_merged_by_ocr_give_none():
    image, lines = line_chart({"Sales": SALES, "Costs": COSTS})
    first, second = (next(ln for ln in lines if ln.text == y) for y in ("2019", "2020"))
    merged = type(first)("2019 2020", (first.bbox[0], first.bbox[1], second.bbox[2], second.bbox[3]), 1.0)
    kept = tuple(ln for ln in lines if ln not in (first, second)) + (merged,)
    assert read_line_chart(make_scene(image, kept)) is None
