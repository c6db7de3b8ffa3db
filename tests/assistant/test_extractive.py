import pytest

from assistant.answerers.base import NOT_FOUND
from assistant.answerers.extractive import ExtractiveAnswerer, terms
from assistant.citations import verify
from assistant.numbers import numbers_in
from assistant.types import Evidence, Locator

CALL = Evidence(1, "Thank you, Dana. Gross margin was 48 percent. Free cash flow was 610 million dollars in the quarter.", "call", Locator("call.wav", start=23.2, end=44.0, speaker="CFO"), 0.6)
PDF = Evidence(2, "Operating income was $798 million, and the operating margin was 19.0%.", "pdf", Locator("r.pdf", page=2), 0.5)
CHART = Evidence(3, "Chart 'Quarterly revenue ($bn)' (bar): Q2 2025 = 3.9; Q3 2025 = 4.0; Q4 2025 = 4.6; Q1 2026 = 4.2", "img", Locator("c.png", bbox=(10, 20, 300, 200)), 1.0)
EVIDENCE = [CALL, PDF, CHART]


def test_terms_drop_stopwords_and_stem() -> None:
    assert terms("What were the margins of the quarters?") == ["margin", "quarter"]


def test_quotes_the_answering_sentence_with_its_citation() -> None:
    draft = ExtractiveAnswerer().run("What was free cash flow?", EVIDENCE)
    assert draft.text.startswith("Free cash flow was 610 million dollars in the quarter [1].")


def test_picks_the_pdf_for_operating_margin() -> None:
    draft = ExtractiveAnswerer().run("What was the operating margin?", EVIDENCE)
    assert "19.0% [2]" in draft.text


def test_chart_extreme_is_computed_from_the_table() -> None:
    draft = ExtractiveAnswerer().run("Which quarter had the highest revenue?", EVIDENCE)
    assert draft.text.startswith("Q4 2025 has the highest value, 4.6,")
    assert draft.text.endswith("[3].")
    low = ExtractiveAnswerer().run("Which quarter had the lowest revenue?", EVIDENCE)
    assert low.text.startswith("Q2 2025 has the lowest value, 3.9,")


def test_chart_lookup_of_a_named_category() -> None:
    draft = ExtractiveAnswerer().run("What was revenue in Q1 2026?", [CHART])
    assert draft.text == "Chart 'Quarterly revenue ($bn)' (bar): Q1 2026 = 4.2 [3]."


def test_abstains_when_evidence_does_not_answer() -> None:
    assert ExtractiveAnswerer().run("Who won the football league?", EVIDENCE).text == NOT_FOUND
    assert ExtractiveAnswerer().run("What was revenue?", []).text == NOT_FOUND


def test_every_number_in_an_answer_is_in_its_cited_evidence() -> None:
    answerer = ExtractiveAnswerer()
    for question in ["What was free cash flow?", "What was the operating margin?", "Which quarter had the highest revenue?", "gross margin percent"]:
        draft = answerer.run(question, EVIDENCE)
        _, warnings = verify(draft.text, EVIDENCE, draft.computed)
        assert warnings == [], (question, draft.text)
        assert numbers_in(draft.text)


def test_answer_clause_drops_note_markers_and_gives_the_one_amount_asked_for() -> None:
    from assistant.answerers.extractive import ExtractiveAnswerer

    def ev(text: str) -> list[Evidence]:
        return [Evidence(1, text, "s", Locator("notes.txt"), 0.9)]

    qdoba = ev("(2) Qdoba evaluation consulting costs are primarily related to third party advisory services.")
    assert ExtractiveAnswerer().run("What are Qdoba evaluation consulting costs primarily related to?", qdoba).values == (
        "third party advisory services",
    )
    amt = ev("In addition, the Company has $0.3 million of federal alternative minimum tax credit carryforwards that will be refundable.")
    assert ExtractiveAnswerer().run("What was the federal alternative minimum tax credit carryforwards?", amt).values == ("$0.3 million",)
    two = ev("The Company has $0.3 million of federal tax credit carryforwards and $1.2 million of state ones.")
    assert ExtractiveAnswerer().run("What was the federal tax credit carryforwards?", two).values != ("$0.3 million",)


def test_the_amount_asked_for_with_related_to_in_the_question_and_no_prior_period_comparative() -> None:
    def ev(text: str) -> list[Evidence]:
        return [Evidence(1, text, "s", Locator("notes.txt"), 0.9)]

    options = ev("As of September 30, 2019, the Company had $2.0 million of unrecognized compensation expense related to outstanding stock options.")
    question = "How much was the unrecognized compensation expense related to outstanding stock options in 2019?"
    assert ExtractiveAnswerer().run(question, options).values == ("$2.0 million",)
    costs = ev("Fuel costs are primarily related to third party services of $2.0 million.")
    assert ExtractiveAnswerer().run("What are fuel costs primarily related to?", costs).values != ("$2.0 million",)
    risk = ev("The maximum exposure to credit risk at 31 March 2019 was £59.1m (2018: £56.5m).")
    assert ExtractiveAnswerer().run("What was the maximum exposure to credit risk at 31 March 2019?", risk).values == ("£59.1m",)


@pytest.mark.parametrize(
    ("question", "sentence", "clause"),
    [
        ("When did the Group complete an off-market share buy-back?", "On 27 May 2019, the Group completed an off-market share buy-back.", "27 May 2019"),
        ("When did the court deny the request?", "On November 12, 2019, the court denied the request.", "November 12, 2019"),
        (
            "What did the company complete in the second quarter of fiscal 2019?",
            "During the second quarter of fiscal 2019, we completed the divestiture of the SPVSS business.",
            "divestiture of the SPVSS business",
        ),
        (
            "As of December 31, 2019, what was the unrecognized compensation cost?",
            "As of December 31, 2019, there was $1.1 billion of unrecognized compensation cost.",
            "$1.1 billion",
        ),
        ("How many PSUs were granted in February 2016?", "In February 2016, we granted 547,000 PSUs with targets.", "547,000"),
        (
            "What does investment in associates comprise of?",
            "Investment in associates comprises a 32.4 per cent holding in Prozone.",
            "32.4 per cent holding in Prozone",  # not the figure alone
        ),
    ],
)
def test_answer_clause_skips_an_opening_phrase_of_time_and_answers_when_with_it(question: str, sentence: str, clause: str) -> None:
    from assistant.answerers.extractive import answer_clause

    assert answer_clause(question, sentence) == clause


def test_a_reason_question_is_answered_from_the_cause_on_and_never_computed() -> None:
    ev = [Evidence(1, "The increase in interest income is primarily due to interest on investments.", "s", Locator("p"), 0.9)]
    assert ExtractiveAnswerer().run("What caused the increase in interest income?", ev).values == ("primarily due to interest on investments",)
    assert ExtractiveAnswerer().run("What was interest income?", ev).values != ("primarily due to interest on investments",)
    from assistant.answerers.arithmetic import compute

    table = [Evidence(2, " | F19 | F18\nROFE (%) | 12.9 | 13.1", "s", Locator("t"), 0.9)]
    assert compute("Why did ROFE decrease?", table) is None
    assert compute("What is the average ROFE for F19 and F18?", table).computed == (13.0, 2.0)


def test_an_embedder_breaks_a_lexical_tie_between_sentences() -> None:
    """Two sentences share the question's words equally; the one the embedder puts nearest the
    question is quoted first (and without an embedder the lexical order stands)."""
    ev = [Evidence(1, "The external auditor 2019 plan was reviewed. After a tender held in March, Deloitte LLP is the external auditor for 2019 of the group and all of its subsidiaries.", "s", Locator("r.pdf", page=3), 0.5)]
    question = "Who is the external auditor for 2019?"

    def embed(texts: list[str]) -> list[list[float]]:  # question and the Deloitte sentence point one way
        return [[1.0, 0.0] if (t == question or "Deloitte" in t) else [0.0, 1.0] for t in texts]

    plain = ExtractiveAnswerer().run(question, ev).text
    ranked = ExtractiveAnswerer(embed=embed).run(question, ev).text
    assert ranked.startswith("After a tender held in March, Deloitte LLP")
    assert plain.startswith("The external auditor 2019 plan was reviewed [1].")


def test_a_sentence_naming_the_question_beats_a_cell_whose_row_names_it_in_part() -> None:
    table = Evidence(1, " | 2019 | 2018\nUnrecognized income tax benefits | 7 | 5", "t", Locator("tatqa://table/a"), 0.9)
    prose = Evidence(2, "In 2019, the liability reserve for unrecognized income tax positions was $1.1 million.", "t", Locator("tatqa://paragraph/b"), 0.8)
    partly = ExtractiveAnswerer().run("What was the liability reserve for unrecognized income tax positions in 2019?", [table, prose])
    assert partly.text.startswith("In 2019, the liability reserve for unrecognized income tax positions was $1.1 million [2].")
    whole = ExtractiveAnswerer().run("What were the unrecognized income tax benefits in 2019?", [table, prose])
    assert whole.text == "Unrecognized income tax benefits in 2019: 7 [1]." and whole.values == ("7",)
