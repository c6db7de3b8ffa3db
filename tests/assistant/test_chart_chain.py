"""Two-step questions over printed survey tables: pick a row in one chart, read it in another."""

from __future__ import annotations

import pytest

from assistant.answerers.chart_chain import answer_chained
from assistant.answerers.chart_qa import answer_chart_question
from assistant.evaluation.charts import image_evidence, score_answer
from assistant.types import Chart, ChartValue, ImageDescription, OcrLine


def _table(path: str, headers: list[str], rows: list[tuple[str, list[float]]], gaps: tuple[int, ...] = ()) -> ImageDescription:
    """OCR lines of a survey chart: a title, headed columns, labelled rows of printed figures (an
    extra blank gap before the rows listed in ``gaps`` starts a new section). The path does not
    exist, so the table is read from the OCR geometry alone."""
    lines = [OcrLine("A survey chart", (0, 0, 400, 30), 0.99)]
    for j, head in enumerate(headers):
        lines.append(OcrLine(head, (150 + 120 * j, 50, 250 + 120 * j, 70), 0.99))
    y = 90
    for i, (label, values) in enumerate(rows):
        y += 40 if i in gaps else 0
        lines.append(OcrLine(label, (10, y, 120, y + 20), 0.99))
        for j, value in enumerate(values):
            lines.append(OcrLine(f"{value:g}", (180 + 120 * j, y, 210 + 120 * j, y + 20), 0.99))
        y += 30
    lines.append(OcrLine("Source: a survey.", (0, y + 20, 200, y + 40), 0.99))
    return ImageDescription(path=path, width=600, height=y + 60, ocr=tuple(lines))


USES = _table(
    "uses.png", ["For entertainment", "To learn something", "For work"],
    [("Total", [20, 19, 16]), ("Ages 18-29", [33, 30, 18]), ("30-49", [26, 21, 18]), ("50+", [10, 11, 10]),
     ("HS or less", [15, 8, 6]), ("Postgrad", [23, 26, 23])],
    gaps=(1, 4),
)
EVER = _table(
    "ever.png", [], [("Total", [24]), ("Ages 18-29", [41]), ("30-49", [29]), ("50+", [5]), ("HS or less", [15]), ("Postgrad", [33])],
    gaps=(1, 4),
)


def _ask(question: str, *images: ImageDescription):
    return answer_chained(question, images)


def test_row_picked_by_a_gap_then_read_in_the_other_chart():
    question = (
        "Firstly identify the age group which has the largest percentage gap between for entertainment and to learn "
        "something in the second chart.\nThen what is the overall percentage of U.S. adults in this age group who have "
        "ever used it in the first chart?\nNote that your answer format should be as follows: Answer: X"
    )
    found = _ask(question, EVER, USES)
    # age rows only (the "HS or less" gap of 7 is in another section): gaps 3, 5, 1 -> 30-49 -> 29
    assert found is not None and found.text == "29" and found.charts == (1, 0)
    assert [(i, v.category, v.value) for i, v in found.values] == [(1, "30-49", 26.0), (1, "30-49", 21.0), (0, "30-49", 29.0)]


def test_rank_in_the_other_chart_and_listed_options():
    question = (
        "Firstly identify the group, from Postgrad or HS or less, whose percentage who use it to learn something is the "
        "largest in the first chart.\nThen which position does this group rank in the second chart?"
    )
    found = _ask(question, USES, EVER)
    assert found is not None and found.text == "First"  # Postgrad (26 > 8); 33 leads its section


def test_column_where_the_row_leads_its_section():
    question = (
        "Firstly identify the age group with the largest percentage in the second chart.\n"
        "Then in which use is the percentage of this age group the smallest among all the age groups in the first chart?"
    )
    # 18-29 leads the second chart (41); in the first chart 50+ is lowest everywhere, so 18-29 is never the smallest
    assert _ask(question, USES, EVER) is None
    question = question.replace("the smallest", "the largest")
    # 18-29 is the largest in every column: no single column answers
    assert _ask(question, USES, EVER) is None


def test_ambiguity_and_unread_charts_give_none():
    tie = _table("tie.png", [], [("Ages 18-29", [40]), ("30-49", [40]), ("50+", [5])])
    question = "First identify the age group with the largest percentage in the first chart.\nThen what is the percentage for it in the second chart?"
    assert _ask(question, tie, EVER) is None  # a tie
    blank = ImageDescription(path="blank.png", width=10, height=10)
    assert _ask(question, blank, EVER) is None
    unheaded = _table("two.png", ["", ""], [("Ages 18-29", [40, 2]), ("30-49", [30, 3])])
    assert _ask(question, EVER, unheaded) is None  # two unnamed columns: which one is asked is unknown
    gap = question.replace("what is the percentage", "what is the percentage gap between this group and 50+")
    assert _ask(gap, EVER, USES) is None


def test_a_read_bar_chart_serves_as_a_one_column_table():
    values = tuple(ChartValue("value", name, v, True, (10.0 * i, 0.0, 10.0 * i + 8, 50.0)) for i, (name, v) in
                   enumerate([("Ages 18-29", 12.0), ("30-49", 54.0), ("50+", 20.0)]))
    bars = ImageDescription(path="bars.png", width=100, height=100,
                            chart=Chart("bar", "t", None, None, ("Ages 18-29", "30-49", "50+"), ("value",), values))
    question = (
        "Firstly identify the age group whose percentage is the largest among all the age groups in the first chart.\n"
        "Then what is the percentage of people in this age group who use it for work in the second chart?"
    )
    found = _ask(question, bars, USES)
    assert found is not None and found.text == "18"


@pytest.mark.parametrize("gold,ok", [("29", True), ("41", False)])
def test_through_the_chart_answerer_with_citations(gold, ok):
    question = (
        "The first chart is <image>. The second chart is <image>. Question: Firstly identify the age group which has "
        "the largest percentage gap between for entertainment and to learn something in the second chart.\n"
        "Then what is the percentage of U.S. adults in this age group in the first chart?\n"
        "Note that your answer format should be as follows: Answer: The_answer_you_get"
    )
    images = (EVER, USES)
    draft = answer_chart_question(question, images, image_evidence(images))
    assert draft is not None and draft.text.startswith("Answer: 29")
    assert "30-49 = 29 [" in draft.text  # the value used is quoted with its citation
    assert score_answer(draft.text, gold, "open-ended") is ok


def test_the_one_column_where_the_row_leads():
    roles = _table("roles.png", ["Have a child", "Help an adult child", "Have done both"],
                   [("All", [54, 29, 17]), ("Ages 30-39", [95, 1, 5]), ("40-49", [65, 12, 22]), ("50-59", [19, 59, 21])], gaps=(1,))
    question = (
        "Firstly identify the age group whose percentage is the largest among all the age groups in the first chart.\n"
        "Then in which issue the percentage of people in this age group is also the largest among all the age groups in the "
        "second chart?"
    )
    ages = _table("ages.png", [], [("30-39", [20]), ("40-49", [54]), ("50-59", [30])])
    found = _ask(question, ages, roles)
    assert found is not None and found.text == "Have done both"  # 22 > 5, 21 (the "All" row aside)


def test_gap_to_the_section_extreme_in_the_other_chart():
    question = (
        "Firstly identify the age group whose percentage is the largest among all the age groups in the first chart.\n"
        "Then for this group, what is the percentage gap between this group and the lowest percentage of people who use it "
        "to learn something in the second chart?"
    )
    ages = _table("ages.png", [], [("Ages 18-29", [20]), ("30-49", [54]), ("50+", [30])])
    found = _ask(question, ages, USES)
    assert found is not None and found.text == "10"  # 30-49: 21 to learn; the lowest age group 50+: 11
    assert [v.category for _, v in found.values] == ["30-49", "30-49", "50+"]
