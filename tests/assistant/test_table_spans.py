"""Row labels as answers: the parts under a heading row, or the rows that add up to a total."""

from __future__ import annotations

import pytest

from assistant.answerers.table_lookup import lookup
from assistant.answerers.table_spans import row_extreme, row_names
from assistant.citations import verify
from assistant.types import Evidence, Locator

RESULTS = (
    " | 2019 $'000 | 2018 $'000 | CHANGE\n"
    "Continuing Operations |  |  | \n"
    "Operating revenue | 154,159 | 176,931 | (13%)\n"
    "EBITDA | 7,202 | 10,878 | (34%)\n"
    "Reported Results (including discontinued operations) |  |  | \n"
    "Operating revenue | 154,585 | 178,139 | (13%)\n"
    "EBITDA | 6,062 | (5,700) | 206\n"
    "EPS (cents) | (1.7) | (7.0) | 76\n"
    "Underlying Results |  |  | \n"
    "Underlying EBITDA2 | 22,866 | 15,739 | 45"
)
RECEIVABLES = (
    " | 2019 | 2018\n"
    "Accounts receivable |  | \n"
    "Billed | $ 127,406 | $ 156,948\n"
    "Unbilled | — | 242,877\n"
    "Total accounts receivable | 127,406 | 399,825"
)
PROFIT = (
    " | 2019 | 2018\n"
    "Revenue | 1,000.0 | 900.0\n"
    "Earnings before taxes EBT | 120.4 | 98.1\n"
    "Income taxes | -30.2 | -25.0\n"
    "Profit for the period from continuing operations | 90.2 | 73.1"
)
DUE = (
    " | 2019 | 2018\n"
    " | €m | €m\n"
    "Amounts falling due within one year: |  | \n"
    "Amounts owed by subsidiaries1 | 242,976 | 220,871\n"
    "Taxation recoverable | 233 | –\n"
    " | 243,209 | 220,871\n"
    "Amounts falling due after more than one year: |  | \n"
    "Deferred tax | – | 31"
)


def _ev(text: str, n: int = 1) -> Evidence:
    return Evidence(n, text, "src", Locator(path="tatqa://table/t1"), 0.9)


@pytest.mark.parametrize(
    ("question", "table", "values"),
    [
        ("What are the components of Reported Results (including discontinued operations)?", RESULTS, ("Operating revenue", "EBITDA", "EPS (cents)")),
        ("What types of accounts receivable are there?", RECEIVABLES, ("Billed", "Unbilled")),
        ("What were the components considered when calculating the Profit for the period from continuing operations?", PROFIT, ("Earnings before taxes EBT", "Income taxes")),
        ("What financial items does amounts falling due within one year consist of?", DUE, ("Amounts owed by subsidiaries", "Taxation recoverable")),
    ],
)
def test_the_parts_of_a_heading_or_a_total_are_listed(question: str, table: str, values: tuple[str, ...]) -> None:
    draft = lookup(question, [_ev(table)])
    assert draft is not None and draft.values == values
    citations, warnings = verify(draft.text, [_ev(table)], draft.computed)
    assert warnings == [] and [c.n for c in citations] == [1]


def test_rows_above_a_figure_that_do_not_add_up_to_it_are_not_its_parts() -> None:
    table = " | 2019 | 2018\nEarnings before taxes | 120 | 98\nIncome taxes | -30 | -25\nProfit for the period | 95 | 73"
    assert row_names("What were the components considered when calculating the Profit for the period?", [_ev(table)]) is None


def test_no_answer_without_a_well_named_row_or_for_other_questions() -> None:
    assert row_names("What are the components of deferred tax assets?", [_ev(RESULTS)]) is None
    assert row_names("What was the EBITDA in 2019?", [_ev(RESULTS)]) is None


CHARGES = (
    " | Total Expected Charges | Cumulative Charges Incurred | Remaining Expected Charges\n"
    "Transportation Solutions | $ 160 | $ 144 | $ 16\nIndustrial Solutions | 80 | 66 | 14\n"
    "Communications Solutions | 49 | 44 | 5\nTotal | $ 289 | $ 254 | $ 35"
)
GOODWILL = (
    " | Cubic Transportation Systems | Cubic Mission Solutions | Cubic Global Defense | Total\n"
    "Net balances at September 30, 2018 | 49,786 | 138,127 | 145,713 | 333,626\n"
    "Net balances at September 30, 2019 | $ 254,592 | $ 181,424 | $ 142,081 | $ 578,097"
)


@pytest.mark.parametrize(
    ("question", "table", "value"),
    [
        ("In which segment was the Remaining Expected Charges the largest?", CHARGES, "Transportation Solutions"),  # not the Total row
        ("Which segment has the lowest total expected charges?", CHARGES, "Communications Solutions"),
        ("In which business segment was the net balances at September 30, 2018 the largest?", GOODWILL, "Cubic Global Defense"),  # not the Total column
    ],
)
def test_the_row_or_column_with_the_extreme_figure_of_the_line_named(question: str, table: str, value: str) -> None:
    draft = lookup(question, [_ev(table)])
    assert draft is not None and draft.values == (value,)
    assert verify(draft.text, [_ev(table)], draft.computed)[1] == []


@pytest.mark.parametrize(
    "question",
    [
        "Which segment has the highest charges?",  # three columns name charges: which one is unclear
        "Which segment has the second highest remaining expected charges?",
        "What was the maximum remaining expected charges?",  # a figure, not a row
    ],
)
def test_no_extreme_row_when_the_line_is_unclear_or_a_figure_is_asked(question: str) -> None:
    assert row_extreme(question, [_ev(CHARGES)]) is None


def test_a_row_whose_words_the_question_names_lists_the_rows_that_add_up_to_it() -> None:
    subsidiaries = " | 2019 | 2018\n | £m | £m\nAt beginning of the period | 1,212.9 | 1,210.5\nAdditions | 3.1 | 2.4\nAt end of the period | 1,216.0 | 1,212.9"
    asked = "What are the components factored in the calculation of investments in subsidiaries at end of the period?"
    assert row_names(asked, [_ev(subsidiaries)]).values == ("At beginning of the period", "Additions")
    minus = " | 2018/2019\nEarnings before taxes EBT | 709\nIncome taxes | −298\nProfit for the period | 411"  # a typographic minus
    assert row_names("What were the components considered when calculating the Profit for the period?", [_ev(minus)]).values == ("Earnings before taxes EBT", "Income taxes")
