"""Printed survey tables read from OCR geometry (synthetic OCR lines; colours from drawn pixels)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.types import OcrLine
from tools.describe_image.printed_table import ink_colour, read_printed_table


def _line(text: str, x0: float, y0: float, x1: float, y1: float) -> OcrLine:
    return OcrLine(text, (x0, y0, x1, y1), 0.99)


def _survey() -> list[OcrLine]:
    """A Pew-style bar table: a title, three headed columns, two sections of rows, a note."""
    return [
        _line("Younger adults use it more", 0, 10, 500, 40),
        _line("% who say they have used it ...", 0, 50, 300, 70),
        _line("For entertainment", 115, 100, 260, 120),
        _line("To learn something", 310, 100, 470, 120),
        _line("For tasks at", 500, 80, 600, 100),
        _line("work*", 500, 100, 560, 120),
        _line("Total", 60, 130, 110, 155), _line("20", 180, 130, 220, 155), _line("19", 380, 130, 410, 155), _line("16", 550, 130, 580, 155),
        _line("Ages 18-29", 10, 200, 110, 225), _line("33", 250, 200, 285, 225), _line("30", 430, 200, 470, 225), _line("18", 560, 200, 590, 225),
        _line("30-49", 50, 235, 110, 260), _line("26", 210, 235, 250, 260), _line("21", 390, 235, 425, 260), _line("18", 560, 235, 590, 260),
        _line("50+", 70, 270, 110, 295), _line("10", 130, 270, 165, 295), _line("11", 340, 270, 370, 295), _line("10", 520, 270, 555, 295),
        _line("Ability to get along", 0, 330, 110, 350), _line("with other countries", 0, 350, 110, 370),
        _line("41", 200, 340, 230, 362), _line("30", 400, 340, 430, 362), _line("24", 560, 340, 590, 362),
        _line("Note: No answer not shown.", 0, 400, 300, 420),
        _line("99", 10, 430, 40, 450),
    ]


def test_rows_sections_and_headed_columns():
    table = read_printed_table(_survey())
    assert table is not None
    assert table.columns == ("For entertainment", "To learn something", "For tasks at work*")
    assert [(r.label, r.values, r.section) for r in table.rows] == [
        ("Total", (20.0, 19.0, 16.0), 0),
        ("Ages 18-29", (33.0, 30.0, 18.0), 1),
        ("30-49", (26.0, 21.0, 18.0), 1),
        ("50+", (10.0, 11.0, 10.0), 1),
        ("Ability to get along with other countries", (41.0, 30.0, 24.0), 2),  # wrapped label joined
    ]


def test_too_few_labelled_rows_give_none():
    lines = [_line("Title", 0, 0, 200, 20), _line("Total", 0, 50, 50, 70), _line("12", 80, 50, 100, 70)]
    assert read_printed_table(lines) is None
    assert read_printed_table([]) is None


def test_figures_out_of_column_order_leave_the_columns_unnamed():
    lines = [
        _line("Dem", 200, 10, 240, 30), _line("Rep", 400, 10, 440, 30),
        _line("Schools", 0, 50, 100, 70), _line("25", 150, 50, 180, 70), _line("56", 400, 50, 430, 70),
        _line("Banks", 0, 90, 100, 110), _line("34", 300, 90, 330, 110), _line("54", 320, 90, 350, 110),
        _line("Unions", 0, 130, 100, 150), _line("40", 250, 130, 280, 150), _line("70", 450, 130, 480, 150),
    ]
    table = read_printed_table(lines)
    assert table is not None and table.columns == ("", "")


def _painted(lines: list[tuple[OcrLine, tuple[int, int, int]]], size=(200, 600)) -> np.ndarray:
    rgb = np.full((*size, 3), 255, dtype=np.uint8)
    for line, colour in lines:
        x0, y0, x1, y1 = (int(v) for v in line.bbox)
        rgb[y0 + 4 : y1 - 4, x0 + 4 : x1 - 4] = colour  # the "ink" inside the text box
    return rgb


BLUE, RED, GREY = (60, 110, 160), (200, 60, 40), (90, 90, 90)


def test_dot_plot_figures_go_to_columns_by_colour_and_legend_colour_names_them():
    blue_head, red_head = _line("Dem/Lean Dem", 200, 10, 300, 30), _line("Rep/Lean Rep", 400, 10, 500, 30)
    painted = [(blue_head, BLUE), (red_head, RED)]
    ocr = [blue_head, red_head]
    for i, (label, (left, lcol), (right, rcol)) in enumerate([
        ("Schools", ("25", BLUE), ("56", RED)),
        ("Banks", ("34", RED), ("54", BLUE)),  # the Rep figure sits left here: order is not series
        ("Unions", ("40", BLUE), ("70", RED)),
    ]):
        y = 50 + 40 * i
        parts = [_line(label, 0, y, 100, y + 24), _line(left, 200, y, 240, y + 24), _line(right, 300, y, 340, y + 24)]
        ocr += parts
        painted += [(parts[0], GREY), (parts[1], lcol), (parts[2], rcol)]
    table = read_printed_table(ocr, _painted(painted))
    assert table is not None
    assert table.columns == ("Dem/Lean Dem", "Rep/Lean Rep")
    assert [r.values for r in table.rows] == [(25.0, 56.0), (54.0, 34.0), (40.0, 70.0)]
    assert read_printed_table(ocr).columns == ("", "")  # without pixels: interleaved, so unnamed


def test_ink_colour():
    line = _line("48", 10, 10, 50, 40)
    assert ink_colour(_painted([(line, RED)]), line.bbox) == (200.0, 60.0, 40.0)
    assert ink_colour(_painted([]), line.bbox) is None  # a blank box has no ink


def _render(rows: list[tuple[str, list[tuple[str, tuple[int, int, int]]]]], headers: list[tuple[str, tuple[int, int, int]]]):
    """A survey chart drawn with Pillow's own font: headings, then labelled rows of figures (each
    figure drawn at the x its column gives, in its colour)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=22)
    image = Image.new("RGB", (640, 120 + 50 * len(rows)), "white")
    draw = ImageDraw.Draw(image)
    draw.text((10, 10), "Views of institutions", fill="black", font=font)
    for j, (head, colour) in enumerate(headers):
        draw.text((260 + 170 * j, 60), head, fill=colour, font=font)
    for i, (label, figures) in enumerate(rows):
        y = 110 + 50 * i
        draw.text((10, y), label, fill="black", font=font)
        for j, (text, colour) in enumerate(figures):
            draw.text((280 + 170 * j - (30 * j if i == 1 else 0), y), text, fill=colour, font=font)
    return image


@pytest.mark.integration
@pytest.mark.slow
def test_real_ocr_of_a_rendered_dot_table():
    from assistant.settings import Settings
    from tools.describe_image.ocr import RapidOcrReader

    reader = RapidOcrReader(Settings())
    reader.warm_up()
    blue, red = (40, 90, 200), (210, 40, 30)
    image = _render(
        [("Schools", [("25", blue), ("56", red)]), ("Banks", [("54", red), ("34", blue)]), ("Unions", [("40", blue), ("70", red)])],
        [("Democrats", blue), ("Republicans", red)],
    )
    ocr = reader.read(image)
    table = read_printed_table(ocr, np.asarray(image))
    assert table is not None
    assert table.columns == ("Democrats", "Republicans")
    assert [(r.label, r.values) for r in table.rows] == [("Schools", (25.0, 56.0)), ("Banks", (34.0, 54.0)), ("Unions", (40.0, 70.0))]


def test_legend_markers_name_the_colour_columns_even_in_one_merged_ocr_line():
    legend = _line("Dem/Lean DemRep/Lean Rep", 220, 10, 460, 30)  # OCR ran two legend entries together
    blue_mark, red_mark = _line("", 200, 12, 216, 28), _line("", 328, 12, 344, 28)  # the dots, drawn only
    painted = [(legend, GREY), (blue_mark, BLUE), (red_mark, RED)]
    ocr = [legend]
    for i, (label, (left, lcol), (right, rcol)) in enumerate([
        ("Schools", ("25", BLUE), ("56", RED)), ("Banks", ("34", RED), ("54", BLUE)), ("Unions", ("40", BLUE), ("70", RED)),
    ]):
        y = 50 + 40 * i
        parts = [_line(label, 0, y, 100, y + 24), _line(left, 200, y, 240, y + 24), _line(right, 300, y, 340, y + 24)]
        ocr += parts
        painted += [(parts[0], GREY), (parts[1], lcol), (parts[2], rcol)]
    rgb = _painted(painted)
    rgb[10:30, 220:460][rgb[10:30, 220:460, 0] == 90] = 255  # the legend text: grey strokes, not a block
    rgb[18:22, 220:460] = GREY
    table = read_printed_table(ocr, rgb)
    assert table is not None and table.columns == ("Dem/Lean Dem", "Rep/Lean Rep")


def test_a_heading_spanning_two_columns_does_not_merge_them():
    lines = [
        _line("Chart title", 0, 0, 300, 20),
        _line("Meet basic needs with ...", 110, 30, 240, 45),
        _line("Ease and have", 100, 50, 170, 65), _line("A little", 185, 50, 225, 65), _line("Just meet", 275, 50, 330, 65),
        _line("Total", 40, 80, 100, 100), _line("14", 110, 80, 130, 100), _line("45", 200, 80, 225, 100), _line("29", 285, 80, 305, 100),
        _line("Men", 40, 110, 100, 130), _line("12", 110, 110, 130, 130), _line("40", 200, 110, 225, 130), _line("33", 285, 110, 305, 130),
    ]
    table = read_printed_table(lines)
    assert table is not None and table.columns == ("Ease and have", "A little", "Just meet")
