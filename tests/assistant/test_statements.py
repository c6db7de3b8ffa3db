"""Financial-statement questions answered in code from statement tables in several layouts."""

from __future__ import annotations

import pytest

from assistant.answerers.base import Draft
from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.answerers.statement_tables import periods_of, read_tables
from assistant.answerers.statement_values import Context, Unresolved, evaluate, tables_of
from assistant.answerers.statements import StatementsFirst, answer
from assistant.citations import verify
from assistant.evaluation.financebench import is_correct
from assistant.types import Evidence, Locator

# years as columns, latest last, the years on a line under a split "Year Ended December 31," heading
INCOME = (
    "Year | Ended December | 31,\n"
    "2015 | 2016 | 2017\n"
    "Total net sales | 107,006 | 135,987 | 177,866\n"
    "Operating expenses:\n"
    "Cost of sales | 71,651 | 88,265 | 111,934\n"
    "Operating income | 2,233 | 4,186 | 4,106\n"
    "Net income | $596 | $2,371 | $3,033"
)
# dates as columns, latest first, with a stated unit
BALANCE = (
    "(In millions)\n"
    "December 31, 2017 | December 31, 2016\n"
    "Inventories | 16,047 | 11,461\n"
    "Total current assets | 60,197 | 45,781\n"
    "Accounts payable | $34,616 | $25,309\n"
    "Total current liabilities | 57,883 | 43,816\n"
    "Current portion of long-term debt | 5,247 | 2,749\n"
    "Long-term debt | 41,990 | 47,032"
)
# a date split across cells, parentheses negatives, a label wrapped onto the row line, a "changes in" section
CASH_FLOW = (
    "$ in millions\n"
    "Fiscal Years Ended | February | 2, 2019 | February | 3, 2018 | January | 28, 2017\n"
    "Net earnings | $1,464 | $1,000 | $1,228\n"
    "Changes in operating assets and liabilities:\n"
    "Merchandise inventories | (194) | (335) | 199\n"
    "Total cash provided by operating activities | 2,408 | 2,141 | 2,557\n"
    "Additions to property and equipment, net of $53, $123 and $48, respectively, of non-cash capital\n"
    "expenditures | (819) | (688) | (580)"
)
# a heading with a non-period column, in thousands
MDNA = (
    "(dollars in thousands) | 2022 | 2021 | % Change 2022-2021\n"
    "Revenue | $17,606 | $15,785 | 12 %\n"
    "Percentage of total revenue | 100 % | 100 %\n"
    "Operating income | 6,098 | 5,802 | 5 %"
)


def _ev(*texts: str) -> list[Evidence]:
    return [Evidence(n, text, "src", Locator(path="10k.pdf", page=n), 0.9) for n, text in enumerate(texts, 1)]


def _checked(question: str, evidence: list[Evidence]) -> Draft:
    draft = answer(question, evidence)
    assert draft is not None, question
    _, problems = verify(draft.text, evidence, draft.computed)
    assert problems == [], (draft.text, problems)
    return draft


@pytest.mark.parametrize(
    ("heading", "periods"),
    [
        (["Year | Ended December | 31,", "2015 | 2016 | 2017"], ["2015", "2016", "2017"]),
        (["Fiscal Years Ended | February | 2, 2019 | February | 3, 2018"], ["2019", "2018"]),
        ([" | FY22 | FY21"], ["2022", "2021"]),
        (["(dollars in thousands) | 2022 | 2021 | % Change 2022-2021"], ["2022", "2021", None]),
    ],
)
def test_periods_of_headings(heading: list[str], periods: list[str | None]) -> None:
    assert periods_of(heading) == periods


def test_tables_keep_units_negatives_and_wrapped_labels() -> None:
    (table,) = read_tables(_ev(CASH_FLOW)[0])
    assert table.periods == ("2019", "2018", "2017")
    assert table.unit == "millions"
    capex = [r for r in table.rows if r.label.startswith("Additions to property")]
    assert capex and capex[0].values == (-819.0, -688.0, -580.0) and capex[0].label.endswith("capital expenditures")
    inventories = [r for r in table.rows if r.label == "Merchandise inventories"]
    assert inventories[0].section.startswith("Changes in operating assets")


def test_table_without_period_heading_or_with_quarters_is_not_read() -> None:
    assert read_tables(_ev("Total assets | 59,268 | 55,556\nTotal liabilities | 41,190 | 36,851")[0]) == []
    quarters = "Year Ended December 31, 2017\nFirst Quarter | Second Quarter | Third Quarter\nNet sales | 35,714 | 37,955 | 43,744"
    assert read_tables(_ev(quarters)[0]) == []


def test_item_value_by_synonym_and_year_column() -> None:
    draft = _checked("What is the FY2016 COGS for the company? Answer in USD millions.", _ev(INCOME))
    assert "88,265" in draft.text and "[1]" in draft.text
    draft = _checked("What is the year end FY2017 total amount of inventories? Base it on the balance sheet.", _ev(BALANCE))
    assert draft.values == ("16,047",)


def test_item_value_converted_to_the_unit_asked() -> None:
    draft = _checked("What were total current liabilities at FY2022 in USD millions?", _ev(MDNA.replace("Operating income", "Total current liabilities")))
    assert draft.computed == (6.1,) and "6,098 thousand, that is 6.1 million" in draft.text
    thousands = "(In thousands)\n | 2017 | 2016\nTotal current liabilities | 5,466,312 | 4,586,657"
    draft = _checked("What were FY2017 total current liabilities (in USD millions)?", _ev(thousands))
    assert draft.computed == (5466.3,) and is_correct(draft.text, "$5466.00", "")


def test_percent_change_between_years() -> None:
    draft = _checked("What is the year-over-year change in revenue from FY2016 to FY2017 (in percent, one decimal)?", _ev(INCOME))
    assert draft.values == ("30.8%",)
    assert "135,987" in draft.text and "177,866" in draft.text


def test_yes_no_change_of_composed_total_debt() -> None:
    draft = _checked("Has the company increased its debt on balance sheet between FY2017 and the FY2016 period?", _ev(BALANCE))
    # total debt = current portion + long-term: 47,237 in 2017 vs 49,781 in 2016
    assert draft.text.startswith("No.") and "-2,544" in draft.text and "2.5 billion" in draft.text


def test_metric_trend_with_verdict() -> None:
    draft = _checked("Does the company have an improving operating margin profile as of FY2022?", _ev(MDNA))
    assert draft.text.startswith("No.")
    assert is_correct(draft.text, "No, operating margin declined from 36.8% in FY2021 to 34.6% in FY2022. A drop by 2.2%.", "")


def test_free_cash_flow_conversion_uses_capex_magnitude() -> None:
    draft = _checked("What was the free cash flow conversion in FY2019?", _ev(CASH_FLOW))
    assert draft.values == ("108.5%",)  # (2,408 - 819) / 1,464


def test_formula_defined_in_the_question() -> None:
    question = (
        "What is the FY2017 days payable outstanding (DPO)? DPO is defined as: 365 * (average accounts payable between "
        "FY2016 and FY2017) / (FY2017 COGS + change in inventory between FY2016 and FY2017). Round your answer to two decimal places."
    )
    draft = _checked(question, _ev(BALANCE, INCOME))
    expected = 365 * ((34616 + 25309) / 2) / (111934 + (16047 - 11461))
    assert draft.values == (f"{expected:.2f}",)
    assert "[1, 2]" in draft.text


def test_formula_errors_are_unresolved_or_value_errors() -> None:
    ctx = Context(tables_of(_ev(INCOME)), "2017", "")
    with pytest.raises(Unresolved, match="goodwill"):
        evaluate("goodwill / revenue", ctx)
    with pytest.raises(ValueError, match="unbalanced"):
        evaluate("(revenue / cogs", ctx)


@pytest.mark.parametrize(
    "question",
    [
        "What drove the increase in revenue in FY2017?",  # a reason
        "What was revenue in FY2014?",  # no such column
        "What was the goodwill in FY2017?",  # no such row
        "What was segment revenue in FY2017?",  # a part of the company
        "What was revenue?",  # no year
    ],
)
def test_returns_none_when_unsure(question: str) -> None:
    assert answer(question, _ev(INCOME)) is None


def test_ambiguous_rows_under_sections_give_none() -> None:
    segments = " | 2017 | 2016\nNorth America\nNet sales | 106,110 | 79,785\nAWS\nNet sales | 17,459 | 12,219"
    assert answer("What were net sales in FY2017?", _ev(segments)) is None
    assert answer("What were AWS net sales in FY2017?", _ev(segments)) is None  # a part: left to the table lookups


@pytest.mark.parametrize(
    "question",
    [
        "What was the license revenue in 2017?",  # a kind of revenue
        "What is the revenue from UK in 2017?",  # a part of it
        "What was the net income per diluted share in 2017?",
        "What is the ratio of net income to revenue in 2017?",  # an operation left to the arithmetic answerer
        "What is the average revenue in 2016 and 2017?",
    ],
)
def test_a_kind_or_part_of_an_item_is_not_the_item(question: str) -> None:
    assert answer(question, _ev(INCOME)) is None


def test_net_debt_is_not_total_debt() -> None:
    assert answer("What was the change in net debt from FY2016 to FY2017?", _ev(BALANCE)) is None


def test_statements_first_falls_back_to_the_inner_answerer() -> None:
    bot = StatementsFirst(ExtractiveAnswerer())
    assert bot.name == "extractive"
    ev = _ev("The company opened 12 new stores in fiscal 2017.")
    assert "12 new stores" in bot.run("How many stores opened in fiscal 2017?", ev).text
    assert "30.80%" in bot.run("What is the change in revenue from FY2016 to FY2017 in percent?", _ev(INCOME)).text


def test_reported_metric_row_from_merged_cells_is_preferred() -> None:
    key = (
        "GAAP results | 2022 $ million | 2023 $ million\n"
        "Net sales | 14,544 | 14,694\n"
        "Adjusted non-GAAP results | 2022 $ million 2023 $ million | Reported ∆% | constant currency ∆%\n"
        "EBITDA | 2,117 2,018 | (5) | 1\n"
        "EBIT | 1,701 1,608 | (5) | 1"
    )
    draft = _checked("What was the adjusted non-GAAP EBITDA for FY 2023?", _ev(key))
    assert draft.values == ("2,018",)
    assert answer("What was the adjusted non-GAAP EBITDA for FY 2021?", _ev(key)) is None


def _page(*texts: str) -> list[Evidence]:
    return [Evidence(n, text, "src", Locator(path="10k.pdf", page=38), 0.9) for n, text in enumerate(texts, 1)]


def test_a_page_cut_into_pieces_lends_its_heading_and_unit() -> None:
    rows = "ASSETS\nTotal current assets | 29,505 | 28,120\nTOTAL ASSETS | $59,268 | $55,556"
    heading = "(amounts in millions, except par value)\nAugust 29,\n2021\nAugust 30,\n2020"
    draft = _checked("How much total assets did the company have at the end of FY2021? Answer in USD millions.", _page(rows, heading))
    assert draft.values == ("$59,268",) and "[1, 2]" in draft.text and "million" in draft.text
    assert answer("What were total assets at the end of FY2021?", _ev(rows, heading)) is None  # other pages lend nothing
    other = " | 2019 | 2018\nRevenue | 5 | 4"
    assert answer("What were total assets at the end of FY2021?", _page(rows, heading, other)) is None  # two headings fit


def test_an_item_is_read_from_its_own_statement_before_a_note() -> None:
    note = " | 2017 | 2016\nDeferred tax liabilities\nInventory | (61) | (40)\nTotal deferred tax liabilities | (300) | (280)"
    question = "What is the FY2017 total amount of inventories? Use the balance sheet."
    draft = _checked(question, _ev(note, BALANCE))
    assert draft.values == ("16,047",) and "[2]" in draft.text
    assert answer("What is the FY2017 total amount of inventories?", _ev(note, BALANCE)) is None  # the note's row first: not as named
    assert answer(question, _ev(note)).values == ("(61)",)  # no statement: the note


def test_named_ratio_for_one_year_has_two_decimals() -> None:
    draft = _checked("What is the FY2017 current ratio?", _ev(BALANCE))
    assert draft.values == ("1.04",)  # 60,197 / 57,883
    assert "60,197 / 57,883" in draft.text


def test_a_row_the_question_names_word_for_word_is_left_to_the_table_lookups() -> None:
    gaap = " | 2017 | 2016\nOperating income (GAAP) (1) | $112,852 | $98,000\nAdjustments | 1,000 | 900"
    assert answer("What was the operating income (GAAP) in 2017?", _ev(INCOME, gaap)) is None
    receivables = " | 2017 | 2016\nTrade receivables | 3,770 | 3,054\nTotal receivables, net | 572,238 | 537,192"
    assert answer("What was the change in total receivables, net between FY2016 and FY2017?", _ev(receivables)) is None
    stated = " | 2017 | 2016\nOperating margin | 49% | 47%\nSales | 100 | 90"
    assert answer("What is the operating margin for fiscal 2017?", _ev(INCOME, stated)).values == ("49%",)


def test_a_percentage_row_is_not_the_amount() -> None:
    shares = " | 2017 | 2016\nSelling, general and administrative | 86% | 79%\nRevenue | 100% | 100%"
    assert answer("What was the percentage change in selling, general and administrative from FY2016 to FY2017?", _ev(shares)) is None
