"""Figures given per period with "respectively", matched to their periods."""

from __future__ import annotations

from assistant.answerers.arithmetic import compute
from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.answerers.respectively import respective_figures
from assistant.citations import verify
from assistant.types import Evidence, Locator

TWO_SERIES = (
    "During fiscal 2017, 2018 and 2019 sales of resale products were $318,928, $296,316 and $18,951, "
    "respectively, and related operating profit was $17,076, $18,177 and $3,300, respectively."
)


def test_figures_line_up_with_the_periods_of_the_series_the_question_names() -> None:
    assert respective_figures(TWO_SERIES, "What was the operating profit in 2018?") == {
        "2017": "$17,076", "2018": "$18,177", "2019": "$3,300"
    }
    assert respective_figures(TWO_SERIES, "What were sales of resale products in 2018?")["2018"] == "$296,316"


def test_dates_are_not_figures_and_uneven_counts_give_nothing() -> None:
    dated = "We had $3.0 million and $1.2 million of accrued interest at December 31, 2019 and 2018, respectively."
    assert respective_figures(dated) == {"2019": "$3.0 million", "2018": "$1.2 million"}
    assert respective_figures("Sales were $5 and $6 and $7 in 2019 and 2018, respectively.") == {}
    assert respective_figures("Sales were $5 in 2019 and $6 in 2018.") == {}


def test_the_answerer_gives_the_figure_of_the_period_asked_about() -> None:
    ev = [Evidence(1, "Advertising costs amounted to $278,057, $365,859, and $378,217, for the years ended "
                      "September 30, 2019, 2018, and 2017, respectively.", "s", Locator("notes.txt"), 0.9)]
    draft = ExtractiveAnswerer().run("What were the advertising costs for the year ended September 30, 2018?", ev)
    assert draft.values == ("$365,859",)


def test_arithmetic_takes_operands_from_a_respectively_sentence() -> None:
    ev = [Evidence(1, "For the years ended December 31, 2019, 2018 and 2017, the Company recognized $0.3 million, "
                      "$0.9 million and $0.6 million, respectively, of stock-based compensation expense.", "s", Locator("n.txt"), 0.9)]
    draft = compute("What was the average stock-based compensation expense from 2017 to 2019?", ev)
    assert draft is not None and draft.computed[0] == 0.6
    assert verify(draft.text, ev, draft.computed)[1] == []


def test_a_figure_after_a_word_that_starts_like_a_month_is_kept() -> None:
    from assistant.answerers.respectively import respective_figures

    s = "Sales decreased $3.0 million and $1.2 million in 2019 and 2018, respectively."
    assert respective_figures(s, "How much did sales decrease in 2018?") == {"2019": "$3.0 million", "2018": "$1.2 million"}


def test_a_note_marker_and_the_words_naming_each_group() -> None:
    from assistant.answerers.respectively import respective_figures

    s = "(3) Balances are net of $25 million and $29 million of dividends received during fiscal 2019 and fiscal 2018, respectively."
    assert respective_figures(s, "What were the dividends in 2019 and 2018?") == {"2019": "$25 million", "2018": "$29 million"}
    sales = (
        "Based on the locations of our customers, revenue from sales into China accounted for 53%, 57% and 51% of revenue in 2019, 2018 "
        "and 2017, respectively; revenue from sales into Taiwan accounted for 13%, 9% and 13% of revenue in 2019, 2018 and 2017, respectively."
    )
    question = "What is the percentage revenue from sales into Taiwan based on the locations of the customers in 2019, 2018 and 2017, respectively?"
    assert respective_figures(sales, question) == {"2019": "13%", "2018": "9%", "2017": "13%"}


def test_the_figures_for_the_items_a_respectively_question_lists() -> None:
    from assistant.answerers.respectively import respective_items

    s = "The Company had federal, state and foreign tax credit carryforwards of $41.8 million, $86.3 million and $5.7 million, respectively."
    assert respective_items(s, "What were the federal, state and foreign tax credit carryforwards respectively?") == ("$41.8 million", "$86.3 million", "$5.7 million")
    assert respective_items(s, "What were the federal and state tax credit carryforwards respectively?") == ()  # two items, three figures
    assert respective_items(s, "What were the federal, state and foreign tax credit carryforwards?") == ()  # not asked respectively
    draft = ExtractiveAnswerer().run("What were the federal, state and foreign tax credit carryforwards in 2019 respectively?", [Evidence(1, s, "s", Locator("n"), 0.9)])
    assert draft.values == ("$41.8 million", "$86.3 million", "$5.7 million")
