"""Table lookups in code: named cells, the periods a table covers, the period a row peaks in."""

from __future__ import annotations

import pytest

from assistant.answerers.extractive import ExtractiveAnswerer, answer_clause
from assistant.answerers.table_lookup import lookup
from assistant.citations import verify
from assistant.types import Evidence, Locator

TABLE = " | 2019 | 2018 | 2017\nFixed Price | $1,452.4 | $1,146.2 | $1,036.9\nOther | 44.1 | 56.7 | 70.8\nTotal sales | $1,496.5 | $1,202.9 | $1,107.7"


def _ev(text: str = TABLE, n: int = 1) -> Evidence:
    return Evidence(n, text, "src", Locator(path="tatqa://table/t1"), 0.9)


@pytest.mark.parametrize(
    ("question", "values", "text"),
    [
        ("What is the amount of total sales in 2019?", ("$1,496.5",), "Total sales in 2019: $1,496.5 [1]."),
        ("What was Other in 2019 and 2018 respectively?", ("44.1", "56.7"), "Other: 44.1 in 2019; 56.7 in 2018 [1]."),
        ("In which year is the amount of total sales the largest?", ("2019",), None),
        ("In which year was Other lowest?", ("2019",), None),
        ("Which years does the table provide information for sales?", ("2019", "2018", "2017"), None),
    ],
)
def test_lookups_give_the_bare_value_and_a_checked_citation(question: str, values: tuple[str, ...], text: str | None) -> None:
    draft = lookup(question, [_ev()])
    assert draft is not None
    assert draft.values == values
    if text is not None:
        assert draft.text == text
    citations, warnings = verify(draft.text, [_ev()], draft.computed)
    assert warnings == [] and [c.n for c in citations] == [1]


@pytest.mark.parametrize(
    "question",
    [
        "What is the amount of total sales?",  # no period
        "Why did total sales rise in 2019?",  # a reason, not a cell
        "Did total sales increase in 2019?",  # yes/no
        "What was the headcount in 2019?",  # no row names it
    ],
)
def test_no_lookup_when_no_cell_answers(question: str) -> None:
    assert lookup(question, [_ev()]) is None


def test_the_better_ranked_table_answers_when_two_name_the_row() -> None:
    other = " | 2019 | 2018\nTotal sales | 9 | 8"
    draft = lookup("What is the amount of total sales in 2019?", [_ev(other, 1), _ev(TABLE, 2)])
    assert draft is not None and draft.values == ("9",) and draft.text.endswith("[1].")


def test_header_of_years_alone_aligns_with_the_last_cells() -> None:
    pdf_table = "As of December 31,\n2017 | 2016\nTotal current liabilities | 5,466,312 | 4,586,657"
    draft = lookup("What is the year end FY2017 total current liabilities?", [_ev(pdf_table)])
    assert draft is not None and draft.values == ("5,466,312",)


def test_extractive_answer_carries_the_clause_that_answers() -> None:
    ev = [Evidence(1, "Capital leases reflect building and office equipment lease obligations.", "s", Locator("a.txt"), 0.9)]
    draft = ExtractiveAnswerer().run("What do capital leases reflect?", ev)
    assert draft.text == "Capital leases reflect building and office equipment lease obligations [1]."
    assert draft.values == ("building and office equipment lease obligations",)
    assert answer_clause("What is the hurdle rate?", "The hurdle rate is 7%.") == "7%"
    assert answer_clause("Who audits?", "Nothing here restates it.") == "Nothing here restates it"


@pytest.mark.parametrize(
    ("question", "count"),
    [
        ("How many years did Other exceed $50 million?", "2"),
        ("How many years did total sales exceed $1,200 million?", "2"),
        ("How many years was Other below 50?", "1"),
    ],
)
def test_periods_beyond_a_threshold_are_counted(question: str, count: str) -> None:
    draft = lookup(question, [_ev()])
    assert draft is not None and draft.values == (count,)
    _, warnings = verify(draft.text, [_ev()], draft.computed)
    assert warnings == []  # the threshold comes from the question and is not repeated as a figure


def test_which_periods_lie_beyond_a_threshold_and_which_periods_a_row_is_recorded_for() -> None:
    draft = lookup("Which years did Other exceed $50 million?", [_ev()])
    assert draft is not None and draft.values == ("2018", "2017")
    assert lookup("Which years did Other exceed $500 million?", [_ev()]) is None
    for question in ("In which year was Other less than50 million?", "In which year(s) was Other lower than 50?"):
        draft = lookup(question, [_ev()])
        assert draft is not None and draft.values == ("2019",), question
    partial = " | 2019 | 2018\nOther | 44.1 | 56.7\nNew item | 3.0 | "
    draft = lookup("In which years was New item recorded for?", [_ev(partial)])
    assert draft is not None and draft.values == ("2019", "2018")  # the table's periods, not only the row's
    assert lookup("Which FY has a higher Other?", [_ev()]).values == ("2017",)


def test_a_plural_label_matches_a_singular_question_and_a_dollar_before_parentheses_is_a_cell() -> None:
    table = " | 2019 | 2018\nOperating leases (1) | $4,143 | $3,900\nOperating activities | $(426) | $(2,694)"
    assert lookup("What was the operating lease in 2019?", [_ev(table)]).values == ("$4,143",)
    draft = lookup("How much is the cash provided by operating activities in 2019?", [_ev(table)])
    assert draft.values == ("$(426)",)


def test_fiscal_year_shorthand_headers_are_periods_and_stay_written_as_headed() -> None:
    table = "Emissions from: | FY19** | FY18** | FY18***\nCombustion of fuel (Scope 1) | 59,495 | 66,336 | 75,600"
    draft = lookup("What is the Combustion of fuel (Scope 1) in FY18?", [_ev(table)])
    assert draft.values == ("66,336",)  # the first of two FY18 columns
    assert draft.text == "Combustion of fuel (Scope 1) in FY18: 66,336 [1]."
    _, problems = verify(draft.text, [_ev(table)], draft.computed)
    assert problems == []


SECTIONS = (
    "($ in millions) |  |  | \nFor the year ended December 31: | 2019 | 2018 | 2017\nRSUs |  |  | \nGranted | $674 | $583 | $484\n"
    "PSUs |  |  | \nGranted | $164 | $118 | $113\n"
    "Current provision for income taxes: |  |  | \nTotal current | 1,765 | 997 | 1,071\nProvision for income taxes | $1,407 | $1,082 | $1,206"
)


def test_a_section_heading_names_the_rows_beneath_it() -> None:
    assert lookup("What were PSUs granted in 2018?", [_ev(SECTIONS)]).values == ("$118",)
    assert lookup("What were RSUs granted in 2018?", [_ev(SECTIONS)]).values == ("$583",)
    # a row's own words beat the same words through its heading
    assert lookup("What is the total provision for income taxes in 2019?", [_ev(SECTIONS)]).values == ("$1,407",)
    assert lookup("What was granted in 2018?", [_ev(SECTIONS)]) is None  # two Granted rows disagree


def test_the_years_a_table_heads_its_blocks_with() -> None:
    table = (
        " | Gross | Allowance | Net\nDecember 31, 2019 |  |  | \nTransaction related | $12,863 | $(238) | $12,625\n"
        "December 31, 2018 |  |  | \nTransaction related | $14,704 | $(168) | $14,536"
    )
    assert lookup("Which years does the table show?", [_ev(table)]).values == ("2019", "2018")
    assert lookup("Which financial years' information is shown in the table?", [_ev()]).values == ("2019", "2018", "2017")
    assert lookup("For which periods is the other amount presented in the table?", [_ev()]).values == ("2019", "2018", "2017")


def test_respectively_sentences_give_each_period_asked_in_the_question_order() -> None:
    ev = [Evidence(2, "The Company recognized $0.3 million, $0.9 million and $0.6 million of stock-based compensation expense for the years ended December 31, 2019, 2018 and 2017, respectively.", "s", Locator("p"), 0.9)]
    draft = ExtractiveAnswerer().run("What was the stock-based compensation expense for 2018 and 2017 respectively?", ev)
    assert draft.values == ("$0.9 million", "$0.6 million")
    one = ExtractiveAnswerer().run("What was the stock-based compensation expense in 2019?", ev)
    assert one.values == ("$0.3 million",)


def test_shorthand_periods_are_written_as_headed_before_a_comma_too() -> None:
    table = "Emissions from: | FY19** | FY18**\nTotal gross emissions (Scope 1 and 2) | 87,128 | 98,725"
    draft = lookup("In which year were the total gross emissions larger?", [_ev(table)])
    assert draft.values == ("2018",)
    assert "2019" not in draft.text and "FY19" in draft.text
    assert verify(draft.text, [_ev(table)], draft.computed)[1] == []


PARTS = (
    " | 2019 | 2018\nDeferred tax assets |  | \nPension costs | $1,169 | 1,111\nNet operating loss carryforwards | 3,167 | 3,445\nOther | 577 | 553\n"
    "Gross deferred tax assets | 4,913 | 5,109\nCost of revenues | 2,193 | 2,315\nSales and marketing | 6,812 | 6,596\n"
    "Total stock-based compensation expense | 9,005 | 8,911"
)


@pytest.mark.parametrize(
    ("question", "count"),
    [
        ("How many components are there under deferred tax assets?", "3"),  # the rows beneath the heading
        ("How many categories are there under total stock-based compensation expense?", "2"),  # the rows above the total
    ],
)
def test_how_many_parts_a_heading_or_total_has(question: str, count: str) -> None:
    draft = lookup(question, [_ev(PARTS)])
    assert draft.values == (count,)
    assert verify(draft.text, [_ev(PARTS)], draft.computed)[1] == []


def test_no_parts_count_when_the_question_compares_figures() -> None:
    draft = lookup("How many components of deferred tax assets exceeded $1,000 in 2019?", [_ev(PARTS)])
    assert draft is None or draft.values != ("3",)


def test_a_span_of_years_asked_respectively_gives_every_year_in_the_order_asked() -> None:
    draft = lookup("What were the Other figures for fiscal years 2019 to 2017 respectively?", [_ev()])
    assert draft is not None and draft.values == ("44.1", "56.7", "70.8")
    assert verify(draft.text, [_ev()], draft.computed)[1] == []
