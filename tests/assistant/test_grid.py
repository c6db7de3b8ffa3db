"""Table cells named by a row and a column heading that is not a period."""

from __future__ import annotations

import pytest

from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.answerers.grid import cells, grid_lookup, grid_respective, ordinal_cell, with_unit
from assistant.answerers.table_lookup import lookup
from assistant.citations import verify
from assistant.types import Evidence, Locator

ROLL = (
    " | Number of Shares | Weighted-Average Exercise Price Per Share\n"
    "Outstanding at September 30, 2017 | 2,845,866 | $4.21\n"
    "Granted | 299,397 | $8.60\n"
    "Outstanding at September 30, 2018 | 2,806,364 | $4.75"
)
DUE = "(In thousands) | Total | Less than 1 year | 1-3 years\nOperating leases | $19,437 | $4,143 | $7,111\nCapital leases | 65 | 27 | 38"


def _ev(text: str, n: int = 1) -> Evidence:
    return Evidence(n, text, "src", Locator(path="tatqa://table/t1"), 0.9)


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("What is the number of shares outstanding as of September 30, 2018?", "2,806,364"),
        ("What is the total capital leases?", "65"),
        ("What were operating leases due in less than 1 year?", "$4,143"),
    ],
)
def test_a_cell_named_by_row_and_column_words(question: str, value: str) -> None:
    ev = [_ev(ROLL, 1), _ev(DUE, 2)]
    draft = ExtractiveAnswerer().run(question, ev)
    assert draft.values == (value,)
    assert verify(draft.text, ev, draft.computed)[1] == []


@pytest.mark.parametrize(
    "question",
    [
        "What is the number of shares outstanding?",  # two rows fit equally and disagree
        "What do capital leases reflect?",  # a definition, not a cell
        "What is the change in capital leases?",
        "What is the number of shares outstanding as of September 30, 2016?",  # no such year
    ],
)
def test_no_cell_when_the_question_does_not_name_one(question: str) -> None:
    assert grid_lookup(question, [_ev(ROLL, 1), _ev(DUE, 2)]) is None


def test_cells_keep_row_and_column_and_skip_misaligned_rows() -> None:
    found = cells(_ev(DUE), 0)
    assert [(c.row, c.column, c.raw) for c in found][:2] == [("Operating leases", "Total", "$19,437"), ("Operating leases", "Less than 1 year", "$4,143")]
    assert cells(_ev(" | A | B\nx | 1"), 0) == []


def test_a_column_heading_with_a_period_does_not_end_the_sentence() -> None:
    table = " | 2019 vs. 2018 Variance in Dollars\nProduct | $2,296"
    draft = grid_lookup("What was the product variance in dollars?", [_ev(table)])
    assert draft is not None and draft.values == ("$2,296",)
    assert verify(draft.text, [_ev(table)], draft.computed)[1] == []


def test_a_row_headed_percent_gives_a_percentage() -> None:
    assert with_unit("22.9", "Gross margin (%)") == "22.9%"
    assert with_unit("22.9", "Gross margin") == "22.9"
    table = " | 2019 | 2018\nGross margin (%) | 22.9 | 23.1"
    assert lookup("What is the gross margin in 2019?", [_ev(table)]).values == ("22.9%",)


def test_respective_cells_of_one_row_in_two_named_columns_or_one_column_in_two_rows() -> None:
    due = (
        " |  | Payments due by Period (In thousands) | \nContractual Obligations | Less Than 1 Year | 2-5 Years | Total\n"
        "Operating Lease Obligations: | $773 | $2,055 | $2,828\nTotal | $3,423 | $4,055 | $7,478"
    )
    ev = [_ev(due)]
    question = "What are the respective values of operating lease obligations that are less than one year and between 2-5 years?"
    draft = ExtractiveAnswerer().run(question, ev)
    assert draft.values == ("$773", "$2,055")
    assert verify(draft.text, ev, draft.computed)[1] == []
    goodwill = " | Application Software | Process Technologies | Total\nBalances at December 31, 2017 | $ 4,565.4 | $ 318.2 | $ 4,883.6\nBalances at December 31, 2018 | $ 5,236.1 | $312.3 | $ 5,548.4"
    asked = "What were the balances of Application Software and Process Technologies on December 31, 2017, respectively?"
    assert ExtractiveAnswerer().run(asked, [_ev(goodwill)]).values == ("$ 4,565.4", "$ 318.2")
    assert grid_respective("What were the balances of Application Software and Process Technologies?", [_ev(goodwill)]) is None  # not respective


def test_cells_carry_the_section_heading_above_their_rows() -> None:
    prices = " | High | Low\n2019: |  | \nFourth Quarter | $11.44 | $9.47\n2018: |  | \nFourth Quarter | $12.16 | $7.43"
    found = cells(_ev(prices), 0)
    assert [(c.line, c.column, c.raw) for c in found][2:] == [("2018 Fourth Quarter", "High", "$12.16"), ("2018 Fourth Quarter", "Low", "$7.43")]
    asked = "What is the high and low sale prices of the common stock in the fourth quarter of 2019 respectively?"
    draft = ExtractiveAnswerer().run(asked, [_ev(prices)])
    assert draft.values == ("$11.44", "$9.47")
    assert verify(draft.text, [_ev(prices)], draft.computed)[1] == []


def test_respective_rows_in_the_one_column_of_the_year_asked() -> None:
    rates = " | Years ended December 31, | \n | 2019 | 2018\nSwedish Krona | 9.46 | 8.70\nJapanese Yen | 109.01 | 110.43\nSouth Korean Won | 1,165.70 | 1,100.50"
    asked = "What are the weighted-average exchange rates for Japanese Yen and South Korean Won for the year ended December 31, 2018, respectively?"
    draft = ExtractiveAnswerer().run(asked, [_ev(rates)])
    assert draft.values == ("110.43", "1,100.50")
    assert verify(draft.text, [_ev(rates)], draft.computed)[1] == []
    # three items asked, two parts found: no answer rather than two of the three
    assert grid_respective("What were the Swedish Krona, Japanese Yen and South Korean Won in 2018 respectively?", [_ev(rates)]) is None


def test_a_row_under_a_section_is_named_with_it() -> None:
    carry = (
        "(dollars in thousands) | Last Fiscal Year of Expiration | Amount\n"
        "Income tax net operating loss carryforwards:(1) |  | \nDomestic–state | 2039 | $57,299\nForeign | 2039 or indefinite | $565,609\n"
        "Tax credit carryforwards:(1) |  | \nDomestic–state | 2027 | $3,313"
    )
    other = " | 2019 | 2018\nNet operating loss carryforward | 35,024 | 34,924"
    ev = [_ev(carry, 1), _ev(other, 2)]
    draft = grid_lookup("What was the amount of domestic-state income tax net operating loss carryforwards?", ev)
    assert draft is not None and draft.values == ("$57,299",)
    assert verify(draft.text, ev, draft.computed)[1] == []


def test_a_cell_named_by_row_and_column_beats_a_row_named_in_part_elsewhere() -> None:
    regions = (
        " | Fiscal Year 2018 |  | Fiscal Year 2017 | \n | Net Sales | % of Total | Net Sales | % of Total\n"
        "APAC | $479,987 | 40.0% | $288,764 | 38.1%\nEMEA | 277,898 | 23.1% | 237,437 | 31.4%"
    )
    totals = " | 2018 | 2017\nNet sales | $ 3,240,419 | $ 2,941,324\nGross profit | 1,000 | 900"
    ev = [_ev(regions, 1), _ev(totals, 2), _ev(totals, 3)]
    draft = lookup("What was the net sales in APAC in 2017?", ev)
    assert draft is not None and draft.values == ("$288,764",)
    assert verify(draft.text, ev, draft.computed)[1] == []
    assert lookup("What was the net sales in 2017?", ev).values == ("$ 2,941,324",)  # the row that names it whole


def test_a_second_block_of_a_table_has_its_own_headings_and_a_year_heading_spans_its_columns() -> None:
    quarters = (
        " |  |  | Fiscal 2019 | \n | First | Second | Third | Total\n | Quarter | Quarter | Quarter | \n"
        "Revenues | $ 94,888 | $ 96,037 | $ 88,495 | $363,800\nGross margin | 40.1% | 41.5% | 41.1% | 40.6%\n"
        " |  |  | Fiscal 2018 | \n | First | Second | Third | Total\n | Quarter | Quarter | Quarter | \n"
        "Revenues | $88,081 | $89,767 | $93,669 | $365,912\nGross margin | 42.5% | 41.0% | 40.8% | 41.2%"
    )
    found = {(c.row, c.column): c.raw for c in cells(_ev(quarters), 0)}
    assert found[("Gross margin", "Fiscal 2019 Second Quarter")] == "41.5%"
    assert found[("Revenues", "Fiscal 2018 Third Quarter")] == "$93,669"
    draft = ExtractiveAnswerer().run("What was the gross margin in the fiscal 2019 second quarter?", [_ev(quarters)])
    assert draft.values == ("41.5%",)
    assert verify(draft.text, [_ev(quarters)], draft.computed)[1] == []


def test_an_unlabelled_row_that_adds_up_the_rows_above_is_their_total() -> None:
    eps = (
        " | 2019 | 2018\nBasic earnings per share (cents per share) |  | \nContinuing operations | 114.3 | 123.4\n"
        "Discontinued operations | 91.9 | 9.2\n | 206.2 | 132.6\nOther |  | \nA | 1 | 2\nB | 3 | 4\n | 9 | 7"
    )
    totals = [(c.line, c.column, c.raw) for c in cells(_ev(eps), 0) if c.row == "Total"]
    assert totals == [("Basic earnings per share (cents per share) Total", "2019", "206.2"), ("Basic earnings per share (cents per share) Total", "2018", "132.6")]


def test_a_group_heading_heads_the_columns_up_to_the_next_group() -> None:
    level3 = (
        " | Financial assets |  | Financial liabilities | \n | 2019 | 2018 | 2019 | 2018\n"
        "Opening balance – IAS 39 |  | 77,131 |  | 2,154\nAdditions | 39,116 | 51,185 | 75 | 3,301"
    )
    found = {(c.row, c.column): c.raw for c in cells(_ev(level3), 0)}
    assert found[("Additions", "Financial liabilities 2018")] == "3,301"
    assert found[("Additions", "Financial assets 2018")] == "51,185"
    draft = lookup("What is the 2018 IAS 39 opening balance of financial liabilities?", [_ev(level3)])
    assert draft is not None and draft.values == ("2,154",)
    assert lookup("What is the 2018 IAS 39 opening balance?", [_ev(level3)]).values == ("77,131",)
    # periods side by side, then columns of changes: the last period does not head the changes
    ebitda = " | F19 | F18 |  | \n$ MILLION | 53 WEEKS | 52 WEEKS | CHANGE | CHANGE NORMALISED\nEBITDA | 372 | 361 | 3.5% | 2.5%"
    assert [c.column for c in cells(_ev(ebitda), 0)] == ["F19 53 WEEKS", "F18 52 WEEKS", "CHANGE", "CHANGE NORMALISED"]


def test_respective_rows_take_the_latest_of_columns_that_differ_only_in_their_year() -> None:
    segments = (
        "($ in millions) |  |  | \nReporting Segment | Fiscal 2019 Net Sales | Fiscal 2018 Net Sales | % Inc (Dec)\n"
        "International | 793.4 | 843.5 | (6)%\nFoodservice | 934.2 | 1,054.8 | (11)%"
    )
    draft = grid_respective("What was the net sales of the International and Foodservice segment respectively?", [_ev(segments)])
    assert draft is not None and draft.values == ("793.4", "934.2")
    assert grid_respective("What was the net sales of the International and Foodservice segment in 2018 respectively?", [_ev(segments)]).values == ("843.5", "1,054.8")


def test_the_nth_month_row_in_the_column_the_question_names() -> None:
    buys = (
        "Period | Total Number of Shares Purchased | Average Price Paid per Share | Total Number of Shares Purchased as Part of Publicly Announced Program\n"
        " | (Shares in thousands) |  | (Shares in thousands)\n"
        "January 26, 2019 - February 22, 2019 | 262 | $ 64.77 | 306,255\n"
        "February 23, 2019 - March 22, 2019 | 3,380 | $ 65.53 | 309,635\n"
        "March 23, 2019 - April 26, 2019 | 3,608 | $72.49 | 313,244\nTotal | 7,250 | $68.97 | "
    )
    assert lookup("What was the number of shares purchased from the first month?", [_ev(buys)]).values == ("262",)
    asked = "What was the number of shares purchased as part of the publicly announced program during the second month?"
    draft = lookup(asked, [_ev(buys)])
    assert draft is not None and draft.values == ("309,635",)
    assert verify(draft.text, [_ev(buys)], draft.computed)[1] == []
    assert lookup("What was the total number of shares purchased in the last month?", [_ev(buys)]).values == ("3,608",)
    assert ordinal_cell("What was the number of shares purchased in the fifth month?", [_ev(buys)]) is None


def test_a_typographic_minus_is_a_figure() -> None:
    assert [(c.row, c.raw) for c in cells(_ev(" | 2019 | 2018\nIncome taxes | −298 | −216"), 0)] == [("Income taxes", "−298"), ("Income taxes", "−216")]


def test_a_cell_named_closely_by_row_and_column_is_not_overridden_by_a_sentence() -> None:
    debt = (
        " | December 31, 2019 |  | December 31, 2018 | \n(In millions) | Carrying Amount | Fair Value | Carrying Amount | Fair Value\n"
        "Term Loan A Facility due July 2022 | $ 474.6 | $ 474.6 | $ — | $ —\nTotal debt(2) | $ 3,855.8 | $ 4,073.9 | $ 3,894.7 | $ 3,955.1"
    )
    note = Evidence(2, "(2) At December 31, 2019, the carrying amount and estimated fair value of total debt exclude lease liabilities.", "src", Locator(path="p"), 0.8)
    ev = [_ev(debt), note]
    draft = ExtractiveAnswerer().run("What is the fair value of total debt as of December 31, 2019", ev)
    assert draft.values == ("$ 4,073.9",)
    assert verify(draft.text, ev, draft.computed)[1] == []
