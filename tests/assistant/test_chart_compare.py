"""Questions across several charts, computed from each chart's table (synthetic read charts)."""

from __future__ import annotations

import pytest

from assistant.answerers.chart_compare import answer_across_charts, chart_year, find_category
from assistant.answerers.chart_qa import answer_chart_question
from assistant.citations import verify
from assistant.evaluation.charts import image_evidence, score_answer
from assistant.types import Chart, ChartValue, ImageDescription, OcrLine


def _chart(path: str, year: str, table: dict[str, float]) -> ImageDescription:
    """A read bar chart of countries with the year in its subtitle, as the OECD exports print it."""
    values = tuple(
        ChartValue("value", name, value, False, (100.0 + 40 * i, 200.0 - value, 130.0 + 40 * i, 300.0))
        for i, (name, value) in enumerate(table.items())
    )
    chart = Chart("bar", "Employee compensation", None, None, tuple(table), ("value",), values)
    ocr = (OcrLine("Employee compensation", (0, 0, 300, 30), 1.0), OcrLine(f"Total, % of GDP, {year}", (0, 40, 280, 70), 1.0))
    return ImageDescription(path=path, width=800, height=400, ocr=ocr, chart=chart)


A = _chart("a.png", "2022", {"Korea": 45.0, "France": 38.0, "Spain": 30.0, "Italy": 52.0})
B = _chart("b.png", "2017", {"Korea": 41.0, "France": 36.0, "Spain": 33.0, "Italy": 29.0})
C = _chart("c.png", "2012", {"Korea": 40.0, "France": 34.5, "Spain": 20.0, "Italy": 31.0})


def _ask(body: str, *images: ImageDescription):
    return answer_across_charts(body, images)


def test_chart_year_and_fuzzy_category():
    assert [chart_year(x) for x in (A, B, C)] == ["2022", "2017", "2012"]
    assert find_category(A.chart.values, "Itally").category == "Italy"
    assert find_category(A.chart.values, "Germany") is None


def test_counts_in_two_charts_combined_as_the_note_says():
    body = (
        "\n1. In how many bars are the employee compensation below 40 in 2022 in the first chart?\n"
        "Note that your answer should be a natural number.\n"
        "2. In how many bars are the employee compensation below 40 in 2017 in the second chart?\n"
        "Note that you have got the answer for the above two questions, the final answer is the answer to the "
        "second question minus the answer to the first question."
    )
    found = _ask(body, A, B, C)
    assert found is not None and found.text == "1" and found.charts == (0, 1)  # 3 below 40 in 2017, 2 in 2022
    assert sorted((i, v.category) for i, v in found.values) == [(0, "France"), (0, "Spain"), (1, "France"), (1, "Italy"), (1, "Spain")]


@pytest.mark.parametrize(
    ("body", "year"),
    [
        ("In which year is Spain's employee compensation the largest?", "2017"),
        ("Among all the years in the three charts, in which year the compensation of Korea is the highest?", "2022"),
        ("Firstly extract the lowest compensation in 2022, 2017 and 2012.\nThen in which year is the lowest the lowest?", "2012"),
        ("First, calculate the gap between the largest and smallest compensation for each of the years.\n"
         "Then for which year is the gap between the largest and smallest compensation largest?", "2022"),  # 22 vs 12, 20
        ("Firstly extract the gap between the highest and the second highest compensation for each year.\n"
         "Then in which year is the gap closest to 5?", "2017"),  # 7, 5, 5.5
    ],
)
def test_which_year(body, year):
    found = _ask(body, A, B, C)
    assert found is not None and found.text == year


def test_which_year_refuses_a_tie_and_an_unknown_category():
    tied = _chart("d.png", "2010", {"Korea": 45.0, "France": 1.0})
    assert _ask("In which year is Korea's compensation the largest?", A, tied) is None
    assert _ask("In which year is Germany's compensation the largest?", A, B, C) is None


def test_trend_picks_the_option():
    body = (
        "What is the general trend of Korea's compensation with the passage of time?\n"
        "A. First increasing then decreasing\nB. Increasing\nC. Decreasing\nD. First decreasing then increasing\n"
    )
    found = _ask(body, A, B, C)
    assert found is not None and found.text == "B"  # 40 (2012) -> 41 (2017) -> 45 (2022)
    italy = body.replace("Korea", "Italy")
    assert _ask(italy, A, B, C).text == "D"  # 31 -> 29 -> 52


def test_two_steps_rank_then_rank_or_value():
    body = (
        "Firstly extract a country whose compensation ranks the Second in 2022 in the first chart.\n"
        "Then for this country, which position does its compensation rank in 2012 in the third chart?\n"
        "Note that your answer should be an ordinal numeral."
    )
    found = _ask(body, A, B, C)
    assert found is not None and found.text == "First"  # Korea: 2nd in 2022, 1st in 2012
    value = _ask(body.replace("which position does its compensation rank", "what is the value of its compensation"), A, B, C)
    assert value is not None and value.text == "40"


def test_draft_cites_each_chart_and_the_values_used():
    body = "Question: In which year is Spain's employee compensation the largest?\nAnswer format: Answer: X"
    images = [A, B, C]
    evidence = image_evidence(images)
    draft = answer_chart_question(body, images, evidence)
    assert draft is not None and score_answer(draft.text, "2017", "open-ended")
    assert draft.text.startswith("Answer: 2017 [")
    assert draft.computed == ()  # the year is quoted from the second chart's subtitle, not computed
    citations, problems = verify(draft.text, evidence, draft.computed)
    assert problems == []
    spain_b = B.chart.values[2].bbox
    assert any(c.locator.path == "b.png" and c.locator.bbox == spain_b for c in citations)


def test_unread_chart_gives_no_answer():
    unread = ImageDescription(path="x.png", width=10, height=10, ocr=A.ocr)
    assert _ask("In which year is Spain's employee compensation the largest?", A, unread) is None
