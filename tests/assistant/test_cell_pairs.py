from __future__ import annotations

import pytest

from assistant.answerers.arithmetic import compute
from assistant.answerers.cell_pairs import pair_operation
from assistant.citations import verify
from assistant.types import Evidence, Locator

RISK = (
    "Days past due | 1–90 | 91–180 | >360 | Total\n"
    "Country risk: Low | 1,347 | 125 | 313 | 1,785\n"
    "Country risk: Medium | 891 | 725 | 819 | 2,435\n"
    "Total past due | 2,238 | 850 | 1,132 | 4,220"
)
LEASES = (
    " | Total | Less Than 1 Year | 1-3 Years | More Than 5 Years\n"
    "Operating leases | $98,389 | $37,427 | $36,581 | $11,825\n"
    "Purchase obligations | 424,561 | 345,498 | 28,946 | 36,675\n"
    "Total | $522,950 | $382,925 | $65,527 | $48,500"
)


def _table(text: str, n: int = 1) -> Evidence:
    return Evidence(n, text, "src", Locator(path=f"tatqa://table/t{n}"), 0.9)


def _checked(question: str, evidence: list[Evidence]) -> tuple[str, tuple[float, ...]]:
    draft = compute(question, evidence)
    assert draft is not None
    _, warnings = verify(draft.text, evidence, draft.computed)
    assert warnings == []
    return draft.text, draft.computed


def test_difference_of_two_columns_along_the_named_row() -> None:
    text, computed = _checked("What is the difference between 1-90 and 91-180 days past due in low risk country?", [_table(RISK)])
    assert text == "Difference between 1–90 and 91–180 (Country risk: Low) = 1,347 − 125 = 1,222 [1]."
    assert computed == (1222.0,)


def test_difference_of_two_rows_down_the_named_column() -> None:
    text, computed = _checked("What is the difference in low and medium country risk due for 1-90 days past due?", [_table(RISK)])
    assert text == "Difference between Country risk: Low and Country risk: Medium (1–90) = 1,347 − 891 = 456 [1]."


def test_share_of_a_column_in_the_total_column_with_numbers_as_words() -> None:
    text, computed = _checked("What is the percentage of the operating leases due in less than one year in the total operating leases?", [_table(LEASES)])
    assert text == "Less Than 1 Year as a percentage of Total (Operating leases) = 37,427 / 98,389 × 100 = 38.04% [1]."
    assert computed[0] == pytest.approx(38.04)


def test_a_part_naming_a_row_across_the_line_is_read_down_the_column() -> None:
    # along the row "Finjan Blue future commitment", "the total obligations" would be the column "Total";
    # the row "Total contractual obligations" names it better, so the share is read down "Less Than 1 Year"
    table = " | Total | Less Than 1 Year\nFinjan Blue future commitment | 4,000 | 2,000\nOther | 1,000 | 1,423\nTotal contractual obligations | 5,000 | 3,423"
    question = "What is the Finjan Blue future commitment that are due in less than one year as a percentage of the total obligations?"
    text, computed = _checked(question, [_table(table)])
    assert text == "Finjan Blue future commitment as a percentage of Total contractual obligations (Less Than 1 Year) = 2,000 / 3,423 × 100 = 58.43% [1]."


def test_two_lines_named_equally_well_give_none() -> None:
    table = " | Domestic | International\nDiscount rate | 4.00 | 1.90\nDiscount factor | 3.10 | 1.20"
    assert pair_operation("difference", "domestic", "international", "What is the difference between the domestic and international discount?", [_table(table)]) is None


def test_years_named_in_the_question_must_be_in_the_cells_headings() -> None:
    table = "Plan | Workforce reduction | Facility costs\nBalance as at June 30, 2018 | $1,590 | $3,431\nBalance as at June 30, 2019 | $1,046 | $2,949"
    q = "For Balance payable as at June 30, 2019, What is the difference between Workforce reduction and Facility costs?"
    text, computed = _checked(q, [_table(table)])
    assert computed == (1903.0,)  # the difference between two things: the larger less the smaller
    assert compute(q.replace("2019", "2017"), [_table(table)]) is None


QUARTERS = " | First | Second | Third\nOperating earnings | 14,218 | 17,083 | 16,001\nNet sales | 115,000 | 120,000 | 118,000"


def test_a_change_between_ordinals_is_the_later_minus_the_earlier() -> None:
    text, computed = _checked("What was the percentage change in the operating earnings between the first and second quarter?", [_table(QUARTERS)])
    assert text == "Percentage change from First to Second (Operating earnings) = (17,083 − 14,218) / 14,218 = 20.15% [1]."
    text, computed = _checked("What was the change in the operating earnings between the third and second quarter?", [_table(QUARTERS)])
    assert text == "Change from Second to Third (Operating earnings) = 16,001 − 17,083 = -1,082 [1]."


def test_a_line_sharing_one_word_of_many_is_not_named() -> None:
    table = " | First Quarter | Second Quarter\nCommon Stock Price Range 2018 High | 8.40 | 6.48"
    assert compute("What was the change in average price paid per share between the first to second month period?", [_table(table)]) is None


NONVESTED = (
    " | Shares | Weighted average grant date fair value\n"
    "Non-vested at December 31, 2018 | 1,174,368 | $28.04\n"
    "Granted | 473,550 | 34.50\n"
    "Vested | (365,223) | 27.70\n"
    "Non-vested at December 31, 2019 | 1,283,281 | $30.55"
)


def test_a_roll_forward_row_naming_no_year_answers_for_the_year_asked() -> None:
    question = "What is the percentage of non-vested shares granted in 2019 as a percentage of the total non-vested shares at December 31, 2019?"
    text, computed = _checked(question, [_table(NONVESTED)])
    assert text == "Granted as a percentage of Non-vested at December 31, 2019 (Shares) = 473,550 / 1,283,281 × 100 = 36.9% [1]."


def test_the_lines_own_words_do_not_pick_the_cell_along_it() -> None:
    table = " | Total Expected Charges | Remaining Expected Charges\nTransportation Solutions | $ 160 | $ 16\nIndustrial Solutions | 80 | 14\nTotal | $ 240 | $ 30"
    text, computed = _checked("What was the difference in total expected charges between Transportation Solutions and Industrial Solutions?", [_table(table)])
    assert computed == (80.0,)


def test_a_negated_heading_is_not_the_part_asked() -> None:
    table = " | Euro | Group total\nFinancial assets on which no interest is earned | 97.9 | 369.2\nTotal | 115.9 | 431.9"
    assert pair_operation("share", "financial assets on which interest is earned", "the total financial assets", "What was the percentage of financial assets on which interest is earned over the total financial assets for Euro?", [_table(table)]) is None


LEASES_BY_YEARS = " |  | Number of Restaurants\n |  | Land and\n | Ground | Building\nFiscal Year | Leases | Leases\n2020 – 2024 | 381 | 697\n2025 – 2029 | 198 | 270"


def test_a_line_headed_by_the_years_asked_and_the_larger_less_the_smaller() -> None:
    text, computed = _checked("From fiscal year 2020 - 2024, what is the difference in the number of ground leases and land and building leases expiring?", [_table(LEASES_BY_YEARS)])
    assert computed == (316.0,)
    assert text.startswith("Difference between Number of Restaurants Land and Building Leases and Ground Leases (2020 – 2024) = 697 − 381 = 316")


def test_a_heading_named_exactly_by_a_part_is_chosen() -> None:
    table = RISK.replace("91–180 | >360", "91–180 | 181–360 | >360").replace("125 | 313", "125 | 127 | 313").replace("725 | 819", "725 | 600 | 819").replace("850 | 1,132", "850 | 727 | 1,132")
    text, computed = _checked("What is the difference between 181-360 and >360 in the total past due?", [_table(table)])
    assert text == "Difference between >360 and 181–360 (Total past due) = 1,132 − 727 = 405 [1]."


def test_a_part_ten_times_its_whole_is_no_share() -> None:
    table = " | 2019\nNet income from continuing operations | (2,351)\nDiluted earnings per share | (0.08)"
    assert pair_operation("share", "net income from continuing operations", "diluted earnings per share", "What is the percentage of net income from continuing operations in diluted earnings per share in 2019?", [_table(table)]) is None


def test_a_part_mostly_named_by_words_the_table_lacks_is_about_another_table() -> None:
    table = " | Total | Less than 1 Year\nOperating lease obligations | 2,828 | 773\nTotal | 12,519.1 | 1,269.0"
    question = "What is the value of Finjan Blue future commitment that are due in less than one year as a percentage of the total contractual obligations?"
    assert pair_operation("share", "Finjan Blue future commitment that are due in less than one year", "total contractual obligations", question, [_table(table)]) is None


PURCHASE = " | Estimated at June 30, 2019 | Final as of December 31, 2019\nWorking capital adjustment | (38) | (18)\nCash | 3,795 | 3,795"


def test_a_change_between_two_dates_runs_from_the_earlier() -> None:
    text, computed = _checked("What is the percentage change in the working capital adjustment at June 30 and December 31, 2019?", [_table(PURCHASE)])
    assert text.startswith("Percentage change from Estimated at June 30, 2019 to Final as of December 31, 2019 (Working capital adjustment) = ((18) − (38)) / (38)")
    assert computed == (-52.63,)
    _, later_first = _checked("What is the change in the working capital adjustment between December 31, 2019 and June 30, 2019?", [_table(PURCHASE)])
    assert later_first == (20.0,)


def test_a_bracketed_part_of_a_positive_whole_is_its_size() -> None:
    table = NONVESTED.replace("Vested | (365,223)", "Forfeited | (12,632)")
    text, computed = _checked("What is the percentage of non-vested shares forfeited in 2019 as a percentage of the total non-vested shares at December 31, 2019?", [_table(table)])
    assert text == "Forfeited as a percentage of Non-vested at December 31, 2019 (Shares) = |(12,632)| / 1,283,281 × 100 = 0.98% [1]."


CUBIC = (
    " | Cubic Transportation Systems | Cubic Mission Solutions | Cubic Global Defense | Total\n"
    "Net balances at September 30, 2018 | 49,786 | 138,127 | 145,713 | 333,626\n"
    "Acquisitions | 206,988 | 40,392 | — | 247,380\n"
    "Net balances at September 30, 2019 | $ 254,592 | $ 181,424 | $ 142,081 | $ 578,097"
)


def test_the_average_of_listed_cells_along_one_line() -> None:
    question = "What is the average of the amount of net balances at September 30, 2019 for Cubic Transportation Systems, Cubic Mission Solutions and Cubic Global Defense?"
    text, computed = _checked(question, [_table(CUBIC)])
    assert computed == (192699.0, 3.0)
    assert text.startswith("Average of Cubic Transportation Systems, Cubic Mission Solutions and Cubic Global Defense (Net balances at September 30, 2019) = (254,592 + 181,424 + 142,081) / 3")


def test_respective_values_are_not_summed() -> None:
    question = "What are the respective values of net balances at September 30, 2019 for Cubic Mission Solutions and Cubic Global Defense in total?"
    draft = compute(question, [_table(CUBIC)])
    assert draft is None or not draft.text.startswith("Sum of")
