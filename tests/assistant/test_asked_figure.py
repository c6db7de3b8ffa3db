import pytest

from assistant.answerers.asked_figure import asked_figure
from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.types import Evidence, Locator

ALLOWANCE = (
    "As of December 31, 2019, the Company has a valuation allowance of $191.7 million against its U.S. deferred tax assets "
    "and a valuation allowance of $52.9 million against certain of its foreign deferred tax assets."
)


@pytest.mark.parametrize(
    ("question", "sentence", "figure"),
    [
        (
            "What was the amount of unrecognized compensation expense related to RSUs as of December 31, 2019?",
            "As of December 31, 2019, there was $60.3 million unrecognized compensation expense of which $13.9 million is related "
            "to stock options and $46.4 million is related to RSUs.",
            "$46.4 million",
        ),
        ("What is the valuation allowance against certain of its foreign deferred tax assets?", ALLOWANCE, "$52.9 million"),
        # a prior period's comparative answers a question about that period, and only that one
        ("What was the adjustment to prior periods in 2017/18?", "The adjustments to prior periods of £1.7m (2017/18: £(8.1m)) relate to losses.", "£(8.1m)"),
        (
            "How much exchange gains did the Group report for 2019?",
            "In 2019, the Group reported exchange gains of approximately RMB77 million (2018: RMB229 million) within finance costs.",
            "RMB77 million",
        ),
        # a duration for "in how many years"
        (
            "In how many years is the unrecognized compensation cost to be recognized?",
            "Unrecognized compensation cost was $1.2 billion and is expected to be recognized over approximately 2.5 years.",
            "2.5 years",
        ),
        # a percentage for a rate or an ownership; a count for "how many"
        (
            "What was the company's equity ownership in Talespin?",
            "The Company invested in Talespin, Inc., for $8.0 million, representing approximately 13% equity ownership.",
            "13%",
        ),
        (
            "What were the net additions for internet customers in 2019?",
            "Fiscal 2019 internet customers net additions stood at 21,189 compared to 21,417 for the prior year.",
            "21,189",
        ),
    ],
)
def test_the_figure_the_question_tells_apart(question: str, sentence: str, figure: str) -> None:
    assert asked_figure(question, sentence) == figure


def test_no_figure_when_the_question_words_do_not_tell_one_apart() -> None:
    both = "Revenue grew to $5.1 million from $4.2 million."
    assert asked_figure("What was the backlog?", both) == ""
    # a figure linked to another period than the question's is no candidate
    assert asked_figure("What was the income from vessel operations in 2018?", "Income from vessel operations rose to $299.3 million in 2019 from $148.6 million in 2018.") == "$148.6 million"
    # a word that starts like a month ("decreased", "market") is no date
    decrease = "Expenses decreased $2.2 million from 2018 to 2019 due to a $1.2 million increase in acquisition costs."
    assert asked_figure("How much did expenses decrease by from 2018 to 2019?", decrease) == "$2.2 million"
    # a number in a name is no figure
    assert asked_figure("What is the guarantee for Section 106 liabilities?", "A guarantee in respect of Section 106 liabilities totalled £13.0 million.") == "£13.0 million"
    # a year or the day of a date is no figure
    assert asked_figure("What was the expense?", "The expense was recorded on March 31, 2019 and in 2018.") == ""


def test_the_answerer_gives_the_told_apart_figure_and_none_for_a_question_about_a_thing() -> None:
    def ev(text: str) -> list[Evidence]:
        return [Evidence(1, text, "s", Locator("notes.txt"), 0.9)]

    answerer = ExtractiveAnswerer()
    draft = answerer.run("What is the Company's valuation allowance against certain of its foreign deferred tax assets in 2019?", ev(ALLOWANCE))
    assert draft.values == ("$52.9 million",)
    disposed = ev("In 2019, the Group disposed of investments with an aggregate amount of RMB16,664 million, which are mainly engaged in the provision of Internet-related services.")
    values = answerer.run("What were the investments disposed in 2019 mainly engaged in?", disposed).values
    assert values and values[0] != "RMB16,664 million"


def test_a_duration_question_gets_the_figure_with_a_unit_of_time() -> None:
    ev = [
        Evidence(
            1,
            "As of December 31, 2019, there was $1.1 billion of unrecognized compensation cost related to non-vested RSUs, which will be "
            "recognized on a straight-line basis over the remaining weighted average contractual term of approximately 2.5 years.",
            "s",
            Locator("notes.txt"),
            0.9,
        )
    ]
    question = "Over what duration will the unrecognized compensation cost related to non-vested RSUs be recognized?"
    assert ExtractiveAnswerer().run(question, ev).values == ("2.5 years",)


def test_a_figure_the_question_names_is_not_its_answer() -> None:
    sentence = "Of the 50 restaurants acquired in 2017, we closed eight and sold 42 to franchisees."
    assert asked_figure("Of the 50 restaurants acquired in 2017, how many were sold to franchisees?", sentence) == "42"
