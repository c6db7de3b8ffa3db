"""Evidence previews: boxes drawn on images and chart tables."""

from PIL import Image

from assistant.types import Chart, ChartValue, Citation, Evidence, Locator, Span
from ui.evidence import chart_table, cited_boxes, draw_boxes


def test_cited_value_boxes_win_over_the_whole_block() -> None:
    whole = Locator(path="c.png", bbox=(0, 0, 100, 100))
    value = Span(0, 8, Locator(path="c.png", bbox=(10, 20, 30, 40)))
    assert cited_boxes(Evidence(1, "Q1 = 4.2", "s", whole, 1.0, (value,))) == [(10.0, 20.0, 30.0, 40.0)]
    assert cited_boxes(Evidence(1, "text", "s", whole, 1.0)) == [(0.0, 0.0, 100.0, 100.0)]


def test_draw_boxes_outlines_in_red_and_keeps_the_original() -> None:
    image = Image.new("RGB", (200, 100), "white")
    marked = draw_boxes(image, [(50, 30, 150, 70)])
    assert marked.getpixel((49, 50)) == (230, 57, 70)  # drawn just outside the box
    assert marked.getpixel((100, 50)) == (255, 255, 255)
    assert image.getpixel((50, 50)) == (255, 255, 255)


def test_chart_table_is_category_by_series_in_chart_order() -> None:
    box = (0.0, 0.0, 1.0, 1.0)
    chart = Chart(
        type="bar", title=None, x_title=None, y_title=None, categories=("Q2", "Q1"), series=("rev", "cost"),
        values=(ChartValue("rev", "Q1", 1.0, True, box), ChartValue("rev", "Q2", 2.0, True, box), ChartValue("cost", "Q2", 0.5, False, box)),
    )
    table = chart_table(chart)
    assert list(table.index) == ["Q2", "Q1"]
    assert table.loc["Q2", "rev"] == 2.0 and table.loc["Q2", "cost"] == 0.5


def test_a_citation_of_one_value_draws_only_that_box() -> None:
    whole = Locator(path="c.png", bbox=(0, 0, 100, 100))
    spans = (Span(0, 8, Locator(path="c.png", bbox=(10, 20, 30, 40))), Span(10, 18, Locator(path="c.png", bbox=(50, 20, 70, 40))))
    item = Evidence(1, "Q1 = 4.2; Q2 = 4.6", "s", whole, 1.0, spans)
    assert cited_boxes(item, Locator(path="c.png", bbox=(50, 20, 70, 40))) == [(50.0, 20.0, 70.0, 40.0)]
    assert len(cited_boxes(item, whole)) == 2


def test_dollars_are_not_read_as_latex() -> None:
    from ui.evidence import plain

    assert plain("Revenue ($bn) was $4.2bn") == "Revenue \\(\\$bn\\) was \\$4\\.2bn"  # every mark literal (ui/inert.py)


def test_chip_label_names_the_file_as_uploaded() -> None:
    from ui.chat import chip_label

    kept = Locator(path="/d/library/w/0123456789abcdef-q1_call.flac", start=382.9, end=390.0, speaker="Sam Okafor")
    assert chip_label(Citation(1, "s", kept)) == "q1_call.flac · 06:22 Sam Okafor"
    assert chip_label(Citation(2, "s", Locator(path="/d/report.pdf", page=38))) == "report.pdf · p. 38"
    bar = Locator(path="/d/c.png", bbox=(5.0, 1.0, 6.0, 9.0))
    chart = Evidence(3, "Chart (bar): Q3 2025 = 38; Q4 2025 = 41", "s", Locator(path="/d/c.png", bbox=(0.0, 0.0, 9.0, 9.0)), 1.0,
                     (Span(26, 39, bar),))
    assert chip_label(Citation(3, "s", bar), chart) == "c.png · Q4 2025 bar"


def test_the_player_starts_at_the_cited_sentence_not_the_chunk() -> None:
    from ui.evidence import cited_start

    chunk = Evidence(1, "whole call", "s", Locator(path="call.flac", start=0.0, end=44.0), 1.0)
    assert cited_start(chunk, Locator(path="call.flac", start=23.4, end=30.0)) == 23
    assert cited_start(chunk, None) == 0
    assert cited_start(chunk, Locator(path="call.flac", page=None)) == 0
