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
