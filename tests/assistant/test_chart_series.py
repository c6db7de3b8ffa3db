"""Questions over a chart of several series: rules on tables built in code, and one grouped bar chart
rendered, read by the real OCR and chart reader, and asked about through the command line."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.answerers.chart_qa import answer_chart_question
from assistant.answerers.chart_series import answer_series_question
from assistant.cli import app
from assistant.types import Chart, ChartValue, Evidence, ImageDescription, Locator
from tests.tools.chart_render import bar_series_chart

YEARS = ("2019", "2020", "2021", "2022")
TABLE = {
    "North": (12.0, 15.5, 9.2, 20.1),
    "South": (8.4, 11.0, 14.3, 6.7),
    "Total tax": (20.0, 26.0, 23.0, 27.0),
    "Tax": (1.0, 2.0, 4.0, 3.0),
}


def chart(table: dict[str, tuple[float, ...]] = TABLE) -> Chart:
    values = tuple(
        ChartValue(name, year, value, False, (10.0 * i, 0.0, 10.0 * i + 8, value))
        for name, row in table.items() for i, (year, value) in enumerate(zip(YEARS, row))
    )
    return Chart("grouped bar", "Sales", None, None, YEARS, tuple(table), values)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What was North's value in 2020?", "15.5"),
        ("what is the value for south in 2022?", "6.7"),
        ("In which year was the gap between North and South largest?", "2022"),
        ("In which year was the difference between North and South smallest?", "2019"),
        ("Which year has the highest value for South?", "2021"),
        ("Which year has the lowest value for North?", "2021"),
        ("Which series has the highest value in 2021?", "Total tax"),
        ("What is the difference between North and South in 2019?", "3.6"),
        ("What is the difference between 2019 and 2022 for North?", "8.1"),
        ("What is the ratio of North to South in 2020?", "1.4091"),
        ("What was the Total tax in 2021?", "23"),  # "Tax" is part of the longer name asked for
        ("What was Tax in 2021?", "4"),
    ],
)
def test_series_rules(question: str, expected: str) -> None:
    found = answer_series_question(question.lower(), chart())
    assert found is not None and found.text == expected
    assert all(isinstance(v, ChartValue) for v in found.values)


@pytest.mark.parametrize(
    "question",
    [
        "What was the value in 2020?",  # no series named
        "What was North's value?",  # no category named
        "Which year was the best?",  # nothing the table answers
        "What is the difference between North and South?",  # no category for the difference
    ],
)
def test_questions_the_table_cannot_answer_return_none(question: str) -> None:
    assert answer_series_question(question.lower(), chart()) is None


def test_ties_and_single_series_charts_return_none() -> None:
    tied = chart({"A": (1.0, 5.0, 5.0, 2.0), "B": (0.0, 0.0, 0.0, 0.0)})
    assert answer_series_question("which year has the highest value for a?", tied) is None
    single = chart({"A": (1.0, 5.0, 3.0, 2.0)})
    assert answer_series_question("which year has the highest value for a?", single) is None


def test_chart_qa_answers_a_named_chart_of_several_series_and_cites_it() -> None:
    image = ImageDescription(path="g.png", width=640, height=400, chart=chart())
    evidence = [Evidence(1, "chart", "attachment:g.png", Locator(path="g.png", bbox=(0, 0, 1, 1)), 1.0)]
    question = "The first chart is <image>. Question: In which year was the gap between North and South largest in the first chart?"
    draft = answer_chart_question(question, [image], evidence)
    assert draft is not None and draft.text == "Answer: 2022 [1]."
    lone = answer_chart_question("What was South's value in 2021?", [image], evidence)
    assert lone is not None and lone.text == "Answer: 14.3 [1]."


def test_describe_and_ask_on_a_rendered_grouped_chart(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MODALYST_EMBEDDER", "fake")
    monkeypatch.chdir(tmp_path)
    series = {"North": [12.0, 15.5, 9.2, 20.1], "South": [8.4, 11.0, 14.3, 6.7]}
    image, _ = bar_series_chart(list(YEARS), series, labels=True, scale=2.0)
    path = tmp_path / "grouped.png"
    image.save(path)
    runner = CliRunner()
    base = ["--data-dir", str(tmp_path / "data")]
    described = runner.invoke(app, [*base, "describe", str(path), "--json"])
    assert described.exit_code == 0, described.output
    table = json.loads(described.stdout)["chart"]
    assert table["type"] == "grouped bar" and table["series"] == ["North", "South"]
    cells = {(v["series"], v["category"]): v["value"] for v in table["values"]}
    assert cells[("South", "2021")] == pytest.approx(14.3)
    asked = runner.invoke(app, [*base, "ask", "In which year was the gap between North and South largest?",
                                "--image", str(path), "--json"])
    assert asked.exit_code == 0, asked.output
    answer = json.loads(asked.stdout)
    assert answer["answer"].startswith("Answer: 2022")
    assert any(c.get("path", "").endswith("grouped.png") or "grouped.png" in json.dumps(c) for c in answer["citations"])


def test_legend_names_come_from_the_read_chart() -> None:
    image = ImageDescription(path="g.png", width=640, height=400, chart=replace(chart(), legend=("North", "South")))
    evidence = [Evidence(1, "chart", "attachment:g.png", Locator(path="g.png", bbox=(0, 0, 1, 1)), 1.0)]
    question = "What are the names of the labels in the legend of the first chart? (from top to bottom, then left to right)"
    draft = answer_chart_question(question, [image], evidence)
    assert draft is not None and draft.text == "Answer: North, South [1]."
    bare = ImageDescription(path="g.png", width=640, height=400, chart=chart())
    assert answer_chart_question(question, [bare], evidence) is None


def test_a_stacked_bar_counts_once_however_many_segments() -> None:
    stacked = replace(chart({"A": (1.0, 5.0, 3.0, 2.0), "B": (2.0, 1.0, 1.0, 4.0)}), type="stacked bar")
    grouped = chart({"A": (1.0, 5.0, 3.0, 2.0), "B": (2.0, 1.0, 1.0, 4.0)})
    evidence = [Evidence(1, "chart", "attachment:g.png", Locator(path="g.png", bbox=(0, 0, 1, 1)), 1.0)]
    question = "How many distinct bars are there in the first chart?"
    for table, expected in ((stacked, "4"), (grouped, "8")):
        image = ImageDescription(path="g.png", width=640, height=400, chart=table)
        draft = answer_chart_question(question, [image], evidence)
        assert draft is not None and draft.text == f"Answer: {expected} [1]."
