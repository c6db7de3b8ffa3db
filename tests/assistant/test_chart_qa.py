"""The chart answerer: axis ticks, titles, tables and multi-part questions, from synthetic OCR."""

from __future__ import annotations

import pytest

from assistant.answerers.chart_qa import answer_chart_question
from assistant.types import Chart, ChartValue, Evidence, ImageDescription, Locator, OcrLine


def _line(text: str, x0: float, y0: float, x1: float, y1: float) -> OcrLine:
    return OcrLine(text, (x0, y0, x1, y1), 0.99)


def _line_chart(path: str = "a.png", title: str = "Household financial transactions") -> ImageDescription:
    """A 600×400 chart: title, y ticks 20..-20 at the left, x ticks 2000..2020 at the bottom."""
    lines = [_line(title, 0, 0, 400, 24)]
    for i, label in enumerate(["20", "10", "0", "-10", "-20"]):
        y = 50 + 70 * i
        lines.append(_line(label, 10, y, 40, y + 18))
    for i, label in enumerate(["2000", "2005", "2010", "2015", "2020"]):
        x = 60 + 120 * i
        lines.append(_line(label, x, 360, x + 44, 378))
    lines.append(_line("Year", 280, 382, 320, 398))
    return ImageDescription(path=path, width=640, height=400, ocr=tuple(lines))


def _evidence(*images: ImageDescription) -> list[Evidence]:
    return [
        Evidence(n, "text", f"attachment:{img.path}", Locator(path=img.path, bbox=(0, 0, 1, 1)), 1.0)
        for n, img in enumerate(images, start=1)
    ]


def _ask(question: str, *images: ImageDescription) -> str:
    draft = answer_chart_question(f"The first chart is <image>. Question: {question}", images, _evidence(*images))
    assert draft is not None
    return draft.text


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the spatially lowest labeled tick on the vertical axis in the first chart?", "Answer: -20 [1]."),
        ("What is the spatially highest labeled tick on the vertical axis in the first chart?", "Answer: 20 [1]."),
        ("What is the leftmost labeled tick on the horizontal axis in the first chart?", "Answer: 2000 [1]."),
        ("What is the rightmost labeled tick on the horizontal axis in the first chart?", "Answer: 2020 [1]."),
        ("How many labeled ticks are there on the vertical axis in the first chart?", "Answer: 5 [1]."),
        ("What is the total number of explicitly labeled ticks across all axes in the first chart?", "Answer: 10 [1]."),
        ("What is the difference between the maximum and minimum values of the tick labels on the vertical axis in the first chart?", "Answer: 40 [1]."),
        ("What is difference between consecutive numerical tick values on the horizontal axis in the first chart?", "Answer: 5 [1]."),
        ("What is the title of the first chart?", "Answer: Household financial transactions [1]."),
    ],
)
def test_axis_and_title_questions(question: str, expected: str) -> None:
    assert _ask(question, _line_chart()) == expected


def test_second_chart_is_cited_and_numbers_are_computed() -> None:
    first, second = _line_chart("a.png"), _line_chart("b.png", title="ICT investment")
    draft = answer_chart_question(
        "Question: What is the title of the second chart?", [first, second], _evidence(first, second)
    )
    assert draft is not None and draft.text == "Answer: ICT investment [2]."
    ranged = answer_chart_question(
        "Question: What is the difference between the maximum and minimum values of the tick labels on the "
        "vertical axis in the second chart?", [first, second], _evidence(first, second)
    )
    assert ranged is not None and ranged.computed == (40.0,)


def test_multi_part_question_is_answered_part_by_part() -> None:
    question = (
        "Question:\n1. What is the spatially lowest labeled tick on the vertical axis in the first chart?\n"
        "Note that your answer should be a number.\n"
        "2. How many labeled ticks are there on the horizontal axis in the second chart?\n"
    )
    first, second = _line_chart("a.png"), _line_chart("b.png")
    draft = answer_chart_question(question, [first, second], _evidence(first, second))
    assert draft is not None and draft.text == "Answer: -20; 5 [1][2]."


def test_shared_tick_values_between_two_charts() -> None:
    first, second = _line_chart("a.png"), _line_chart("b.png")
    text = _ask("How many of the same tick values are there on the vertical axis in the first chart and the second chart?", first, second)
    assert text.startswith("Answer: 5 ")


def test_multiple_choice_axis_meaning_picks_the_matching_option() -> None:
    chart = _line_chart()
    question = (
        "What does the horizontal axis of the first chart represent?\nNote that This a choice question.\n"
        "A. Temperature in degrees\nB. Year of the survey\nC. Income per person\n"
    )
    assert _ask(question, chart) == "Answer: B [1]."


def test_table_extreme_and_lookup() -> None:
    values = tuple(
        ChartValue("value", name, v, True, (0, 0, 1, 1)) for name, v in [("Japan", 12.0), ("Korea", 3.5), ("Chile", 7.0)]
    )
    chart = Chart("bar", None, None, None, ("Japan", "Korea", "Chile"), ("value",), values)
    desc = ImageDescription(path="c.png", width=100, height=100, chart=chart)
    assert _ask("Which country has the lowest value in the first chart?", desc) == "Answer: Korea [1]."
    assert _ask("What is the value of Chile in the first chart?", desc) == "Answer: 7 [1]."


def test_unknown_questions_and_missing_charts_return_none() -> None:
    chart = _line_chart()
    assert answer_chart_question("Question: Why is the sky blue in the first chart?", [chart], _evidence(chart)) is None
    assert answer_chart_question("Question: What is the title of the first chart?", [], []) is None
    assert answer_chart_question("Question: What is the title of the third chart?", [chart], _evidence(chart)) is None


def _line(text: str, x0: float, y0: float, x1: float, y1: float):
    from assistant.types import OcrLine

    return OcrLine(text, (x0, y0, x1, y1), 0.99)


def test_printed_figure_beside_the_named_row_and_under_the_named_column() -> None:
    from assistant.answerers.chart_qa import _ocr_row_lookup
    from assistant.types import ImageDescription

    survey = ImageDescription(
        path="survey.png",
        width=640,
        height=400,
        ocr=(
            _line("Views of the future of Asian food", 0, 10, 600, 40),
            _line("Very/ pessimistic", 280, 60, 370, 80),
            _line("Very/ optimistic", 400, 60, 500, 80),
            _line("Chinese", 150, 100, 210, 115),
            _line("39", 300, 100, 330, 115),
            _line("41", 420, 100, 450, 115),
            _line("Japanese", 150, 130, 210, 145),
            _line("28", 300, 130, 330, 145),
            _line("20", 420, 130, 450, 145),
        ),
    )
    assert _ocr_row_lookup("what percentage are very optimistic about japanese food?", survey) == "20"
    assert _ocr_row_lookup("what percentage are very pessimistic about chinese food?", survey) == "39"
    assert _ocr_row_lookup("what percentage like korean food?", survey) is None  # no row names it


def test_axis_of_names_is_answered_with_the_option_that_names_them() -> None:
    from assistant.answerers.chart_qa import _choose_option
    from assistant.types import ImageDescription

    chart = ImageDescription(
        path="oecd.png",
        width=800,
        height=500,
        ocr=(
            _line("Current account balance forecast", 10, 5, 400, 30),
            _line("% of GDP, 2025-Q4", 10, 35, 200, 55),
            _line("10", 10, 100, 30, 115),
            _line("5", 10, 200, 30, 215),
            _line("0", 10, 300, 30, 315),
            _line("Norway", 60, 420, 110, 440),
            _line("Germany", 160, 420, 220, 440),
            _line("Korea", 260, 420, 300, 440),
        ),
    )
    options = {"A": "Percentage of GDP", "B": "Forecast values", "C": "Time period", "D": "Countries and regions"}
    assert _choose_option(options, chart, "what does the horizontal axis of the first chart represent?") == "D"
    assert _choose_option(options, chart, "what does the vertical axis of the first chart represent?") == "A"
