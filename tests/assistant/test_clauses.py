import pytest

from assistant.answerers.clauses import answer_clause
from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.types import Evidence, Locator

SCHEMES = (
    "The Group operates defined benefit schemes in Germany, Ghana, India, Ireland, Italy, the UK, the United States "
    "and the Group operates defined benefit indemnity plans in Greece and Turkey."
)


@pytest.mark.parametrize(
    ("question", "sentence", "clause"),
    [
        # the echo that repeats most of the question anchors the answer
        ("Which countries does the group operate defined benefit indemnity plans in?", SCHEMES, "Greece and Turkey"),
        # a later echo of much of the question closes the answer
        ("Which countries does the group operate defined benefit schemes in?", SCHEMES, "Germany, Ghana, India, Ireland, Italy, the UK, the United States"),
        # an echo that closes the sentence is dropped
        (
            "What does the company rely on to record its revenue?",
            "The Company relies on royalty reports received from third party licensees to record its revenue.",
            "royalty reports received from third party licensees",
        ),
        # the answer before an echo that ends the sentence
        (
            "Why is net debt analysed as a proportion of EBITDA?",
            "To assess the size of the net debt balance relative to the earnings of the Group, we analyse net debt as a proportion of EBITDA.",
            "To assess the size of the net debt balance relative to the earnings of the Group",
        ),
        # a curly apostrophe meets a straight one
        (
            "What was the key focus of the Company's Audit Committee in 2019?",
            "The key focus of the Company’s Audit Committee in 2019 was the transition of the external audit from PwC to Deloitte.",
            "transition of the external audit from PwC to Deloitte",
        ),
        # a figure with its unit
        ("By how much has Spirent reduced its emissions?", "Spirent has reduced its emissions by 29 per cent since 2014.", "29 per cent"),
        ("What is the average duration of the receivables?", "The average duration of the receivables is approximately 25 days.", "25 days"),
        # a currency code, and a prior period's comparative after the figure
        ("What was the market price per share of Prozone in 2019?", "The market price per share of Prozone in 2019 was INR19 (2018: INR29), valuing it at £9.9 million.", "INR19"),
        # the linking verb after the echoed subject is no part of the answer
        ("What is lease related and other charges?", "Lease related and other charges primarily related to exiting certain redundant facilities.", "exiting certain redundant facilities"),
        (
            "How were IMFT's capital requirements generally determined?",
            "IMFT's capital requirements are generally determined based on an annual plan approved by the members.",
            "an annual plan approved by the members",
        ),
    ],
)
def test_the_answer_is_the_sentence_without_its_echoes_of_the_question(question: str, sentence: str, clause: str) -> None:
    assert answer_clause(question, sentence) == clause


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        # the words after the echo are the answer's own phrase, not a restatement ("in operating expenses")
        ("What does Vessel Calendar Days refer to?", "Vessel Calendar Days refer to the total number of days the vessels were in our fleet."),
        # a yes/no question keeps its whole settling clause
        ("Was there a material bad debt expense in 2019?", "There was no material bad debt expense in 2019."),
    ],
)
def test_an_echo_inside_the_answer_does_not_cut_it(question: str, sentence: str) -> None:
    clause = answer_clause(question, sentence)
    assert len(clause.split()) >= 5, clause


def test_a_table_introduction_and_a_one_word_fragment_are_not_answers() -> None:
    intro = "The following table summarizes expected, incurred, and remaining charges for the fiscal 2019 program by segment:"
    assert answer_clause("What charges does the table summarize for the fiscal 2019 program?", intro) != "segment"


def test_an_amount_question_keeps_the_amount_when_a_later_echo_repeats_more_of_it() -> None:
    ev = [
        Evidence(
            1,
            "As of September 30, 2019, the Company had $2.0 million of unrecognized compensation expense related to outstanding stock options, "
            "which is expected to be recognized over a weighted-average period of approximately three years.",
            "s",
            Locator("notes.txt"),
            0.9,
        )
    ]
    question = "How much was the unrecognized compensation expense related to outstanding stock options in 2019?"
    assert ExtractiveAnswerer().run(question, ev).values == ("$2.0 million",)


def test_an_answer_that_states_an_absence_is_the_whole_sentence() -> None:
    sentence = "As of December 31, 2019 and 2018, the Company had no accrued interest or penalties related to uncertain tax positions."
    question = "What was the amount of accrued interest or penalties related to uncertain tax positions as of December 31, 2019?"
    assert answer_clause(question, sentence) == sentence.rstrip(".")
    # a "no" inside the answer keeps the cut
    diversified = "The Group's revenue is diversified across its customer base and no single customer accounted for more than 10 per cent."
    assert answer_clause("How is the Group's revenue diversified?", diversified).startswith("across its customer base")


def test_a_connective_opening_the_sentence_is_no_part_of_the_answer() -> None:
    sentence = "Therefore, the awards are subject to the performance criteria defined within ASC 718."
    assert answer_clause("What are the awards subject to?", sentence) == "performance criteria defined within ASC 718"


@pytest.mark.parametrize(
    ("question", "sentence", "clause"),
    [
        ("Who approved the financial statements?", "The financial statements were approved by the Board of Directors on 6 June 2019 and authorised for issue.", "Board of Directors"),
        ("Who is intu's external auditor for the 2019 audit?", "Deloitte was appointed as intu's external auditor for the 2019 audit following approval at the AGM.", "Deloitte"),
        ("In which period did the business provide services to Bahrain?", "During 2019, the business provided services to Bahrain Operations.", "2019"),
        (
            "What is the company's ongoing involvement limited to?",
            "Our ongoing involvement is limited to the remittance of customer payments; therefore, sold receivables are not on our balance sheet.",
            "remittance of customer payments",
        ),
        (
            "How are the deferred costs amortised?",
            "Deferred costs are amortised on a straight-line basis over the period of the expected benefit, which varies from 2 to 10 years.",
            "straight-line basis over the period of the expected benefit",
        ),
    ],
)
def test_who_when_and_closing_asides(question: str, sentence: str, clause: str) -> None:
    assert answer_clause(question, sentence) == clause


def test_an_amount_owed_is_no_cause_and_a_sentence_ending_inside_quotes_ends_the_answer() -> None:
    from assistant.answerers.clauses import not_amount

    assert not not_amount("What was the amount due to related parties in 2018?")
    assert not not_amount("How much was the charge due to a reversal of a benefit?")
    assert not_amount("What was the increase due to?")
    sentence = "Our common stock is traded on the NASDAQ Global Select Market under the ticker “JACK.” Trading commenced in 1992."
    assert answer_clause("What ticker is the common stock traded under?", sentence).endswith("“JACK.”")
