from __future__ import annotations

import pytest

from assistant.answerers.arithmetic import compute, question_years
from assistant.citations import verify
from assistant.types import Evidence, Locator

TABLE = " | 2019 | 2018\nRevenue | $5,010 | $4,320\nCost of sales | 3,100 | 2,900\nNet loss | (1,200) | (900)"


def _table(text: str = TABLE, n: int = 2) -> Evidence:
    return Evidence(n, text, "src", Locator(path="tatqa://table/t1"), 0.9)


def _checked(question: str, evidence: list[Evidence]) -> tuple[str, tuple[float, ...]]:
    draft = compute(question, evidence)
    assert draft is not None
    citations, warnings = verify(draft.text, evidence, draft.computed)
    assert warnings == []
    assert citations
    return draft.text, draft.computed


@pytest.mark.parametrize(
    ("question", "text", "result"),
    [
        (
            "What is the change in revenue from 2018 to 2019?",
            "Change in Revenue from 2018 to 2019 = 5,010 − 4,320 = 690 [2].",
            690.0,
        ),
        (
            "What was the change in Revenue in 2019 from 2018?",
            "Change in Revenue from 2018 to 2019 = 5,010 − 4,320 = 690 [2].",
            690.0,
        ),
        (
            "What is the percentage change in cost of sales from 2018 to 2019?",
            "Percentage change in Cost of sales from 2018 to 2019 = (3,100 − 2,900) / 2,900 = 6.9% [2].",
            6.9,
        ),
        (
            "What is the average revenue for 2018 and 2019?",
            "Average Revenue over 2018 and 2019 = (4,320 + 5,010) / 2 = 4,665 [2].",
            4665.0,
        ),
        (
            "What is the ratio of cost of sales to revenue in 2019?",
            "Ratio of Cost of sales to Revenue in 2019 = 3,100 / 5,010 = 0.62 [2].",
            0.62,
        ),
        (
            "What is the change in net loss between 2018 and 2019?",
            "Change in Net loss from 2018 to 2019 = (1,200) − (900) = -300 [2].",
            -300.0,
        ),
        (
            "What is the ratio of revenue in fiscal 2019 to fiscal 2018?",  # one row, a period on each side
            "Ratio of Revenue in 2019 to Revenue in 2018 = 5,010 / 4,320 = 1.16 [2].",
            1.16,
        ),
        (
            "What is the cost of sales as a percentage of revenue in 2019?",
            "Cost of sales as a percentage of Revenue in 2019 = 3,100 / 5,010 × 100 = 61.88% [2].",
            61.88,
        ),
        (
            "What percentage of the total revenue in 2018 is made up of cost of sales?",
            "Cost of sales as a percentage of Revenue in 2018 = 2,900 / 4,320 × 100 = 67.13% [2].",
            67.13,
        ),
        (
            "What is the sum of revenue and cost of sales in 2019?",
            "Sum of Revenue and Cost of sales in 2019 = 5,010 + 3,100 = 8,110 [2].",
            8110.0,
        ),
        (
            "What is the total revenue in 2018 and 2019?",
            "Sum of Revenue over 2018 and 2019 = 4,320 + 5,010 = 9,330 [2].",
            9330.0,
        ),
        (
            "What is the change in revenue?",  # no period named: the table's two periods
            "Change in Revenue from 2018 to 2019 = 5,010 − 4,320 = 690 [2].",
            690.0,
        ),
    ],
)
def test_table_operations(question: str, text: str, result: float) -> None:
    answer, computed = _checked(question, [_table()])
    assert answer == text
    assert computed[0] == pytest.approx(result)


def test_operands_from_a_sentence() -> None:
    ev = [Evidence(1, "Revenue was $5,010 in 2019 and $4,320 in 2018.", "src", Locator("r.pdf", page=3), 0.8)]
    answer, computed = _checked("What was the change in revenue between 2018 and 2019?", ev)
    assert answer == "Change in revenue from 2018 to 2019 = 5,010 − 4,320 = 690 [1]."
    assert computed == (690.0,)


def test_operands_in_two_pieces_of_evidence_are_both_cited() -> None:
    ev = [
        Evidence(1, "Revenue grew strongly.", "a", Locator("a.pdf", page=1), 0.9),
        _table(" | 2019 | 2018\nHeadcount | 10 | 8", n=2),
        _table(" | 2019 | 2018\nRevenue | 5,010 | 4,320", n=3),
    ]
    answer, _ = _checked("What is the sum of revenue in 2018 and 2019?", ev)
    assert answer == "Sum of Revenue over 2018 and 2019 = 4,320 + 5,010 = 9,330 [3]."


def test_range_of_years_is_expanded_for_an_average() -> None:
    assert question_years("What was the average cost from 2017 to 2019?", aggregate=True) == ["2019", "2018", "2017"]
    assert question_years("What was the change in cost from FY18 to FY19?") == ["2018", "2019"]
    table = _table(" | 2019 | 2018 | 2017\nCost | 3 | 4 | 8")
    answer, computed = _checked("What was the average cost from 2017 to 2019?", [table])
    assert answer == "Average Cost over 2019, 2018 and 2017 = (3 + 4 + 8) / 3 = 5 [2]."
    assert computed == (5.0, 3.0)


@pytest.mark.parametrize(
    "question",
    [
        "Who is the chief executive?",  # not arithmetic
        "What is the change in headcount from 2018 to 2019?",  # no such row
        "What is the change in revenue from 2016 to 2019?",  # no 2016 column
        "What is the ratio of revenue to revenue in 2019?",  # one row twice
    ],
)
def test_none_when_unsure(question: str) -> None:
    assert compute(question, [_table()]) is None


def test_none_when_two_rows_of_one_table_name_the_subject_and_disagree() -> None:
    ev = [_table(" | 2019 | 2018\nRevenue | 7 | 6\nRevenue | 9 | 8", n=1)]
    assert compute("What is the change in revenue from 2018 to 2019?", ev) is None


def test_the_better_ranked_table_wins_when_two_name_the_subject() -> None:
    ev = [_table(" | 2019 | 2018\nRevenue | 7 | 6", n=1), _table(n=2)]
    draft = compute("What is the change in revenue from 2018 to 2019?", ev)
    assert draft is not None and draft.computed == (1.0,)
    assert draft.text.endswith("= 7 − 6 = 1 [1].")


def test_average_without_years_takes_every_period_of_the_row() -> None:
    ev = [_table(" | 2019 | 2018 | 2017\nTax exempt interest income | (197) | (101) | (206)", n=1)]
    text, computed = _checked("What was the average Tax exempt interest income?", ev)
    assert computed[0] == pytest.approx(-168.0)
    assert "/ 3" in text


def test_a_total_named_with_respectively_is_not_a_sum() -> None:
    assert compute("What is the total revenue in 2019 and 2018 respectively?", [_table()]) is None


def test_difference_between_two_rows_in_one_period() -> None:
    text, computed = _checked("What is the difference between revenue and cost of sales in 2019?", [_table()])
    assert text == "Difference between Revenue and Cost of sales in 2019 = 5,010 − 3,100 = 1,910 [2]."
    assert computed == (1910.0,)


def test_weighted_average_names_a_row_and_dates_are_not_summed_periods() -> None:
    table = " | 2019 | 2018\nWeighted-average shares outstanding | 44.8 | 44.3"
    text, _ = _checked("What is the increase in the weighted-average shares outstanding from 2018 to 2019?", [_table(table)])
    assert text.startswith("Change in Weighted-average shares outstanding from 2018 to 2019 = 44.8 − 44.3 = 0.5")
    notes = " | 2024 | 2019\nSenior notes total | 421.9 | 422.0"
    assert compute("What is the total carrying amount of senior notes due by December 2024 as of December 31, 2019?", [_table(notes)]) is None


def test_the_day_of_a_date_is_neither_an_operand_nor_written_in_the_formula() -> None:
    text = " | Number of Shares\nNonvested at January 1, 2018 | 168\nGranted | 110\nNonvested at December 29, 2019 | 200"
    ev = [Evidence(3, text, "s", Locator("n.txt"), 0.9)]
    draft = compute("What is the total number of nonvested shares as of December 31, 2019 and 2018?", ev)
    assert draft is None or verify(draft.text, ev, draft.computed)[1] == []
    assert draft is None or "29 + 1" not in draft.text


def test_change_over_fiscal_year_shorthand_columns_cites_only_numbers_in_the_table() -> None:
    table = "Emissions from: | FY19 | FY18\nGreen tariff | -27,603 | 0\nTotal expenses | 1,000 | 900"
    ev = [Evidence(1, table, "s", Locator("tatqa://table/t1"), 0.9)]
    draft = compute("What is the change in the Green tariff from FY18 to FY19?", ev)
    assert draft.computed == (-27603.0,)
    assert "from FY18 to FY19" in draft.text
    assert verify(draft.text, ev, draft.computed)[1] == []
    assert compute("What is the change in total expense from FY18 to FY19?", ev).computed == (100.0,)


def test_a_long_label_holding_every_word_of_the_question_is_its_row() -> None:
    table = (
        " | 2019 | 2018\nFinal dividend for the year ended 30 June 2018 of AU 14 cents (2017: AU 12 cents) | 13,327 | 12,534\n"
        "Interim dividend for the half year ended 31 December 2018 of AU 16 cents (2017: AU 13 cents) | 14,801 | 13,099"
    )
    ev = [Evidence(1, table, "s", Locator("tatqa://table/t1"), 0.9)]
    assert compute("What is the percentage change in the interim dividend from 2018 to 2019?", ev).computed == (12.99,)
    assert compute("What is the percentage change in the dividend from 2018 to 2019?", ev) is None  # both rows hold it


def test_a_proportion_without_a_word_for_percent_is_a_fraction() -> None:
    table = " | 2019 | 2018\nProperty, plant, and equipment | 2,700 | 2,641\nTotal assets | 3,100 | 3,025"
    ev = [Evidence(1, table, "s", Locator("tatqa://table/t1"), 0.9)]
    draft = compute("What is the proportion of property, plant, and equipment over total assets in 2018?", ev)
    assert draft.computed == (0.87,)
    assert verify(draft.text, ev, draft.computed)[1] == []
    assert compute("What is the percentage of property, plant, and equipment over total assets in 2018?", ev).computed == (87.31, 100.0)


def test_percentage_change_over_a_negative_base_is_the_formula_as_shown() -> None:
    table = " | 2019 | 2018\nNet income (loss) | 542.0 | (762.3)\nAccounts payable | (18,668) | (9,166)"
    ev = [Evidence(1, table, "s", Locator("tatqa://table/t1"), 0.9)]
    assert compute("What was the percentage change in net income between 2018 and 2019?", ev).computed == (-171.1,)
    assert compute("What was the percentage change in accounts payable from 2018 to 2019?", ev).computed == (103.67,)


def test_note_markers_do_not_count_as_label_words_and_a_named_heading_breaks_a_tie() -> None:
    table = " | 2019 | 2018\nOther assets(1) | 18,111 | 9,521\nTotal other assets | $140,964 | $111,749"
    ev = [Evidence(1, table, "s", Locator("tatqa://table/t1"), 0.9)]
    assert compute("What was the change in Other assets in 2019 from 2018?", ev).computed == (8590.0,)
    split = (
        "(In thousands) | 2018 | 2017\nRevenue: |  | \nSoftware support | $9,441 | $10,949\n"
        "Cost of revenue: |  | \nSoftware support | 2,322 | 2,918\nCurrent |  | \nOther receivables | 4,223 | 4,082\nNon-current |  | \nOther receivables | 118 | 601"
    )
    ev = [Evidence(1, split, "s", Locator("tatqa://table/t1"), 0.9)]
    assert compute("What is the change in Cost of revenue of Software support between 2018 and 2017?", ev).computed == (-596.0,)
    assert compute("What is the change in other receivables from 2017 to 2018?", ev) is None  # neither heading is named
    assert compute("What is the primary reason for the increase in other receivables?", ev) is None


def test_a_dash_beside_figures_is_nil_and_the_formula_writes_no_number_the_table_lacks() -> None:
    table = " | 2019 | 2018\nAcquisition-related charges | (228) | —\nUnused | — | —"
    ev = [Evidence(1, table, "s", Locator("tatqa://table/t1"), 0.9)]
    draft = compute("What is the change in acquisition-related charges from 2018 to 2019?", ev)
    assert draft.computed == (-228.0,)
    assert verify(draft.text, ev, draft.computed)[1] == []
    assert compute("What is the change in unused from 2018 to 2019?", ev) is None  # a row of dashes alone is no row


def test_the_first_ranked_table_wins_unless_a_lower_one_names_the_subject_clearly_better() -> None:
    """'Net finished goods inventories, total' (rank 2) matches the question a little better than
    'Finished goods, net' (rank 1), by less than RANK_PENALTY: the better-ranked table's row is used.
    A lower-ranked row that matches clearly better than the first's still wins."""
    question = "What was the change in net inventories of finished goods from 2018 to 2019?"
    first = Evidence(1, " | 2019 | 2018\nFinished goods, net | 120 | 100", "a", Locator("tatqa://table/a"), 0.9)
    second = Evidence(2, " | 2019 | 2018\nNet finished goods inventories, total | 60 | 50", "b", Locator("tatqa://table/b"), 0.8)
    draft = compute(question, [first, second])
    assert draft is not None and draft.computed == (20.0,) and "[1]" in draft.text
    vague = Evidence(1, " | 2019 | 2018\nNet inventories | 9 | 1", "c", Locator("tatqa://table/c"), 0.9)
    named = Evidence(2, " | 2019 | 2018\nInventories of finished goods | 7 | 4", "d", Locator("tatqa://table/d"), 0.8)
    draft = compute(question, [vague, named])
    assert draft is not None and draft.computed == (3.0,) and "[2]" in draft.text


def test_a_years_average_balance_is_its_opening_and_closing_mean() -> None:
    ev = [_table(" | 2019 | 2018 | 2017\nFree cash flow | 4,411 | 4,044 | 3,316", n=1)]
    text, computed = _checked("What is the 2018 average free cash flow?", ev)
    assert text == "Average Free cash flow over 2018 and 2017 = (4,044 + 3,316) / 2 = 3,680 [1]."
    assert computed[0] == pytest.approx(3680.0)


def test_a_years_average_without_the_year_before_is_not_found() -> None:
    ev = [_table(" | 2019 | 2018\nFree cash flow | 4,411 | 4,044", n=1)]
    assert compute("What is the 2018 average free cash flow?", ev) is None


ACCRUED = " | 2019 | 2018\nVacation and other compensation | $1,659 | $1,433\nWarranty reserve | 529 | 520\nOther | 504 | 564\n | $2,692 | $2,517"


def test_percentage_constitution_of_a_part_among_an_unlabelled_total() -> None:
    other = _table(" | 2019 | 2018\nAccrued compensation | $71.2 | $83.3\nTotal accrued liabilities | $157.6 | $148.6", n=2)
    text, computed = _checked("In 2019, what is the percentage constitution of warranty reserve among the total accrued liabilities?", [_table(ACCRUED, n=1), other])
    assert text == "Warranty reserve as a percentage of Total in 2019 = 529 / 2,692 × 100 = 19.65% [1]."
    assert computed[0] == pytest.approx(19.65)


def test_an_unlabelled_row_that_is_not_the_sum_of_its_parts_is_no_total() -> None:
    table = ACCRUED.replace("$2,692", "$2,700")
    assert compute("In 2019, what is the percentage constitution of warranty reserve among the total accrued liabilities?", [_table(table, n=1)]) is None


def test_the_whole_of_a_share_is_read_in_the_parts_table_first() -> None:
    own = _table(" | 2019\nAudit fees | 55,000\nTax fees | 11,000\nTotal fees | 66,000", n=1)
    other = _table(" | 2019\nAudit fees | 1,092\nTotal fees paid | 1,690", n=2)
    text, _ = _checked("What is the percentage of audit fees in the total fees in 2019?", [own, other])
    assert text == "Audit fees as a percentage of Total fees in 2019 = 55,000 / 66,000 × 100 = 83.33% [1]."


def test_a_change_in_one_year_is_over_that_year() -> None:
    ev = [_table(" | Fiscal 2019 | Fiscal 2018 | % Change\nSales | $ 328.8 | $ 207.0 | 59 %", n=1)]
    text, computed = _checked("What is the change in sales in 2019?", ev)
    assert text == "Change in Sales from 2018 to 2019 = 328.8 − 207.0 = 121.8 [1]."
    text, computed = _checked("What is the percentage change in sales in fiscal 2019?", ev)
    assert computed == (58.84,)


def test_an_increase_in_one_year_is_not_computed_over_the_year() -> None:
    ev = [_table(" | 2019 | 2018\nInterest income | 30,182 | 13,281", n=1)]
    assert compute("What was the increase in interest income in 2019?", ev) is None
    assert compute("What is the change in interest income between June 30 and December 31, 2019?", ev) is None


def test_a_column_of_changes_between_two_years_is_no_period() -> None:
    table = "($ in thousands) | 2019 | % Change 2018 to 2019 | 2018\nServices | $59,545 | (8)% | $64,476"
    text, computed = _checked("What was the change in services between 2018 and 2019?", [_table(table, n=1)])
    assert text == "Change in Services from 2018 to 2019 = 59,545 − 64,476 = -4,931 [1]."


def test_the_absolute_percentage_change_of_a_rate_is_in_points() -> None:
    ev = [_table(" | 2020 | 2019\nExpected volatility | 27.4% | 33.5%", n=1)]
    text, computed = _checked("What was the absolute percentage change in Expected volatility between 2019 and 2020?", ev)
    assert text == "Change in Expected volatility from 2019 to 2020 in percentage points = 27.4% − 33.5% = -6.1 [1]."
    _, relative = _checked("What was the percentage change in Expected volatility between 2019 and 2020?", ev)
    assert relative == (-18.21,)


PPE = " | 2019 | 2018\nLand | $672 | $672\nLeasehold improvements | 798 | 1,238\nTrademarks and tradenames | 25 | 30\nLand, property and equipment, gross | $8,109 | $8,381"


def test_a_share_of_listed_rows_sums_them() -> None:
    text, computed = _checked("What is the proportion (in percentage) of land and leasehold improvements over the gross cost of land, property, and equipment in 2019?", [_table(PPE, n=1)])
    assert text == "Land and Leasehold improvements as a percentage of Land, property and equipment, gross in 2019 = (672 + 798) / 8,109 × 100 = 18.13% [1]."
    assert computed == (18.13, 100.0)


def test_a_row_named_with_and_is_one_row() -> None:
    text, _ = _checked("What is trademarks and tradenames as a percentage of land, property and equipment, gross in 2019?", [_table(PPE, n=1)])
    assert text.startswith("Trademarks and tradenames as a percentage of Land, property and equipment, gross in 2019 = 25 / 8,109")


REGIONS = " | Fiscal Year 2018 |  | Fiscal Year 2017 | \n | Net Sales | % of Total | Net Sales | % of Total\nAPAC | $479,987 | 40.0% | $288,764 | 38.1%\nTotal | $ 1,200,181 |  | $ 757,338 | "


def test_a_column_under_a_period_named_by_the_question() -> None:
    text, computed = _checked("What was the change in the percent of total sales from APAC between 2017 and 2018?", [_table(REGIONS, n=1)])
    assert text == "Change in APAC (% of Total) from 2017 to 2018 = 40.0% − 38.1% = 1.9 [1]."


def test_a_percentage_change_reads_the_first_column_under_each_period() -> None:
    text, computed = _checked("What was the percentage change in the net sales from APAC between 2017 and 2018?", [_table(REGIONS, n=1)])
    assert text == "Percentage change in APAC from 2017 to 2018 = (479,987 − 288,764) / 288,764 = 66.22% [1]."


TAX = " | 2019 | 2018 | 2017\nCurrent provision: |  |  | \nState | $49 | $44 | $48\nDeferred tax expense (benefit): |  |  | \nFederal | 3 | (13) | 26\nTotal deferred | (358) | 85 | 135"


def test_a_total_across_all_the_years_sums_every_period() -> None:
    text, computed = _checked("What is the total federal tax expense across all 3 years?", [_table(TAX, n=1)])
    assert text == "Sum of Federal over 2019, 2018 and 2017 = 3 + (13) + 26 = 16 [1]."


def test_total_asking_for_a_sum_over_a_range_does_not_name_the_row() -> None:
    text, computed = _checked("What is the total federal tax expense between 2017 to 2019?", [_table(TAX, n=1)])
    assert computed == (16.0,)


CUSTOMERS = " | 2019 | 2018 | 2017\nApple Inc. (“Apple”) | 32% | 36% | 34%\nHuawei Technologies Co., Ltd. (“Huawei”) | 13% | 8% | 11%"


def test_the_average_and_total_of_listed_rows_in_one_year() -> None:
    text, computed = _checked("What is the average percentage of revenue from Apple and Huawei in 2017?", [_table(CUSTOMERS, n=1)])
    assert text == "Average of Apple Inc. (“Apple”) and Huawei Technologies Co., Ltd. (“Huawei”) in 2017 = (34% + 11%) / 2 = 22.5 [1]."
    _, total = _checked("What is the total percentage of revenue from Apple and Huawei in 2017?", [_table(CUSTOMERS, n=1)])
    assert total == (45.0,)


def test_a_listed_item_no_row_holds_gives_none() -> None:
    assert compute("What is the average percentage of revenue from Apple and Samsung in 2017?", [_table(CUSTOMERS, n=1)]) is None


SCHEMES = " | 2019 | 2018 | 2017\nDefined contribution schemes | 166 | 178 | 150\nDefined benefit schemes | 57 | 44 | 40"


def test_the_difference_between_two_averages() -> None:
    text, computed = _checked("What is the difference between 2019 average defined contribution schemes and 2019 average defined benefit schemes?", [_table(SCHEMES, n=1)])
    assert text.endswith("Difference = 172 − 50.5 = 121.5 [1].")
    assert computed[0] == 121.5
    _, change = _checked("What is the change between 2018 and 2019 average defined contribution schemes?", [_table(SCHEMES, n=1)])
    assert change[0] == 8.0  # (166 + 178) / 2 − (178 + 150) / 2


def test_the_difference_between_averages_needs_both() -> None:
    assert compute("What is the difference between average defined contribution schemes and average pension costs from 2018 to 2019?", [_table(SCHEMES, n=1)]) is None


def test_how_much_a_figure_decreased_by_is_the_decrease() -> None:
    ev = [_table(" | 2019 | 2018 | 2017\nExpected long-term rate of return on plan assets | 3.3% | 3.8% | 4.3%", n=1)]
    text, computed = _checked("How much did the expected long term rate of return on plan assets decrease by from 2017 to 2019?", ev)
    assert text == "Decrease in Expected long-term rate of return on plan assets from 2017 to 2019 = 4.3% − 3.3% = 1 [1]."


def test_a_sentence_figure_is_read_at_the_mention_of_its_period_that_has_one() -> None:
    prose = Evidence(1, "Interest expense increased in fiscal 2019 compared to fiscal 2018, offset by maturities and repayments of $2.0 billion of senior notes during fiscal 2019 and $6.0 billion of senior notes during fiscal 2018.", "src", Locator(path="tatqa://text/p1"), 0.9)
    text, computed = _checked("What was the total maturities and repayments of senior notes in fiscal 2019 and fiscal 2018?", [prose])
    assert computed == (8.0,)


def test_rows_of_a_table_are_not_read_as_sentences() -> None:
    table = _table(" | Outstanding | Exercise\nIssuance Date | 2019 | price\nJun-2018 | 458,202 | 9\nAug - 2019 | 842,000 | 7", n=1)
    assert compute("What is the percentage change in the warrants outstanding from Jun-2018 to Aug-2019?", [table]) is None


def test_a_row_named_beside_the_heading_of_its_column() -> None:
    regions = REGIONS.replace("Total | $ 1,200,181 |  | $ 757,338 | ", "JPKO | 183,191 | 15.3% | 7,081 | 0.9%")
    other = _table(" | 2018 | 2017\nNet sales . | $ 2,244,044 | $ 2,941,324", n=2)
    text, _ = _checked("What was the percentage change in the net sales from JPKO between 2017 and 2018?", [_table(regions, n=1), other])
    assert text == "Percentage change in JPKO from 2017 to 2018 = (183,191 − 7,081) / 7,081 = 2,487.08% [1]."


SCHEDULE = " | Operating Leases | Finance Leases\n | (Dollars in millions) | \n2020 | $460 | 47\n2021 | 361 | 28\n2022 | 308 | 22\nThereafter | 686 | 170\nTotal lease payments | 1,815 | 267"


def test_a_schedule_whose_rows_are_years_reads_its_columns_as_rows() -> None:
    text, computed = _checked("What is the sum of finance leases from 2020 to 2022?", [_table(SCHEDULE, n=1)])
    assert text == "Sum of Finance Leases over 2022, 2021 and 2020 = 22 + 28 + 47 = 97 [1]."
    _, change = _checked("What was the percentage change in operating leases between 2020 and 2021?", [_table(SCHEDULE, n=1)])
    assert change == (-21.52,)


def test_a_percentage_and_an_amount_are_not_subtracted() -> None:
    table = " | 2019\nHigh | 91.30\nCommon stock | 94.3%"
    assert compute("What is the difference between the high and the common stock in 2019?", [_table(table, n=1)]) is None


def test_periods_of_an_average_come_from_the_row_beside_its_column_heading() -> None:
    table = " | 2019 | 2018 | 2017\n | (As percentage of net revenues) | (As percentage of net revenues) | (As percentage of net revenues)\nOEM | 70% | 65% | 66%\nDistribution | 30 | 35 | 34"
    other = _table(" | 2018 | 2017\nNet revenues | $2,280 | $1,664", n=2)
    text, _ = _checked("What is the average percentage of net revenues of Distribution?", [_table(table, n=1), other])
    assert text == "Average Distribution over 2019, 2018 and 2017 = (30 + 35 + 34) / 3 = 33 [1]."


SEGMENTS = " | Fiscal 2019 Net Sales | Fiscal 2018 Net Sales\nInternational | 793.4 | 843.5\nFoodservice | 934.2 | 1,054.8\nTotal | $9,538.4 | $7,938.3"


def test_a_change_of_listed_rows_sums_them_in_each_period() -> None:
    other = _table(" | 2019 | 2018\nTotal Net Sales | $1,791,790 | $1,562,474", n=2)
    text, computed = _checked("What is the percentage change in total net sales of International and Foodservice from fiscal year 2018 to 2019?", [_table(SEGMENTS, n=1), other])
    assert text == "Percentage change in International and Foodservice from 2018 to 2019 = ((793.4 + 934.2) − (843.5 + 1,054.8)) / (843.5 + 1,054.8) = -8.99% [1]."


def test_a_row_named_with_a_list_is_not_split() -> None:
    table = " | 2019 | 2018\nLand, property and equipment, net | 1,298 | 1,601\nLand | 672 | 672"
    text, _ = _checked("What is the percentage change in the net cost of land, property, and equipment in 2019 compared to 2018?", [_table(table, n=1)])
    assert text.startswith("Percentage change in Land, property and equipment, net from 2018 to 2019 = (1,298 − 1,601)")


SUBSCRIBERS = (
    " |  | Net additions (losses) |  | % of penetration | \n"
    " | August 31, 2019 | August 31, 2019 | August 31, 2018 | August 31, 2019 | August 31, 2018\n"
    "Internet service customers | 446,137 | 21,189 | 21,417 | 50.8 | 49.7"
)


def test_periods_are_read_in_one_group_of_columns() -> None:
    text, computed = _checked("What was the average increase / (decrease) in internet service customers between 2018 and 2019?", [_table(SUBSCRIBERS, n=1)])
    assert text == "Average Internet service customers (Net additions (losses)) over 2018 and 2019 = (21,417 + 21,189) / 2 = 21,303 [1]."


def test_a_caption_over_a_restated_year_is_no_group() -> None:
    table = " |  | Emissions in tonnes | \nEmissions from: | FY19 | FY18 | FY18\nGreen tariff | -27,603 | 0 | 0"
    text, computed = _checked("What is the change in the Green tariff from FY18 to FY19?", [_table(table, n=1)])
    assert computed == (-27603.0,)


DEBTORS = (
    " | 2019 | 2018\n | €m | €m\nAmounts falling due within one year: |  | \nAmounts owed by subsidiaries | 242,976 | 220,871\nOther debtors | 448 | 362\n | 243,424 | 221,233\n"
    "Amounts falling due after more than one year: |  | \nDerivative financial instruments | 3,439 | 2,449\nDeferred tax | – | 31\n | 3,439 | 2,480"
)


def test_an_unlabelled_row_adding_up_its_section_is_the_section_total() -> None:
    text, computed = _checked("What is the 2019 average total amount falling due after more than one year?", [_table(DEBTORS, n=1)])
    assert text == "Average Total over 2019 and 2018 = (3,439 + 2,480) / 2 = 2,959.5 [1]."
    _, within = _checked("What is the 2019 average total amount falling due within one year?", [_table(DEBTORS, n=1)])
    assert within[0] == 232328.5


def test_a_bracketed_deduction_as_a_share_of_a_positive_whole_is_its_size() -> None:
    table = " | F19 | F18\nEBITDA | 372 | 361\nDepreciation and amortisation | (111) | (102)"
    text, computed = _checked("What is the percentage constitution of Depreciation and Amortisation in EBITDA in F19?", [_table(table, n=1)])
    assert text == "Depreciation and amortisation as a percentage of EBITDA in F19 = |(111)| / 372 × 100 = 29.84% [1]."


def test_the_difference_between_two_years_is_the_larger_less_the_smaller() -> None:
    ev = [_table(" | 2019 | 2018\nNet deferred tax assets | 3,851 | 4,317", n=1)]
    text, computed = _checked("What is the difference in net deferred tax assets between 2018 and 2019?", ev)
    assert text == "Difference in Net deferred tax assets between 2018 and 2019 = 4,317 − 3,851 = 466 [1]."
    _, change = _checked("What is the change in net deferred tax assets between 2018 and 2019?", ev)
    assert change == (-466.0,)
    _, directed = _checked("What is the difference in net deferred tax assets from 2018 to 2019?", ev)
    assert directed == (-466.0,)
