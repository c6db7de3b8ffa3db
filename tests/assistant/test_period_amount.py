import pytest

from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.answerers.period_amount import amount_for_period
from assistant.types import Evidence, Locator


@pytest.mark.parametrize(
    ("question", "sentence", "percent", "expected"),
    [
        ("What was the amount due to related parties in 2018?", "$200 (December 31, 2018: $169) are expenses paid by a related party.", False, "$169"),
        ("What was the effective tax rate in 2019?", "The effective income tax rate for 2019 was 13.0% compared to 18.3% for 2018.", True, "13.0%"),
        ("What was the effective tax rate in 2018?", "The effective income tax rate for 2019 was 13.0% compared to 18.3% for 2018.", True, "18.3%"),
        ("How much cash was provided from financing activities in 2018?",
         "Net cash provided by financing activities was $1.8 million for the year ended December 31, 2018 and consisted of the $4.350 million net proceeds.", False, "$1.8 million"),
        ("What was the underlying EBITDA in FY18?", "EBITDA improved from $62.6 million in FY18 to $85.1 million in FY19.", False, "$62.6 million"),
        # no amount linked to the period, two linked to it, or no single period asked: nothing
        ("What was the amount due to related parties in 2019?", "$200 (December 31, 2018: $169) are expenses paid by a related party.", False, ""),
        ("What was revenue in 2019?", "Revenue was $5 million in 2019 and net income was $6 million in 2019.", False, ""),
        ("What was revenue in 2019 and 2018?", "Revenue was $5 million in 2019 and $6 million in 2018.", False, ""),
        ("What was revenue in 2019?", "Revenue was $5 million in 2019.", False, ""),  # one amount: the clause answers
    ],
)
def test_the_amount_linked_to_the_asked_period(question: str, sentence: str, percent: bool, expected: str) -> None:
    assert amount_for_period(question, sentence, percent) == expected


def test_the_answer_value_is_the_asked_periods_amount() -> None:
    ev = [Evidence(1, "Income from vessel operations increased to $299.3 million in 2019 compared to $148.6 million in 2018, primarily due to new vessels.", "s", Locator("r.pdf", page=4), 0.7)]
    draft = ExtractiveAnswerer().run("What was the income from vessel operations in 2018?", ev)
    assert draft.values == ("$148.6 million",)
    assert "[1]" in draft.text
