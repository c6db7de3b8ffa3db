from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.types import Evidence, Locator


def _ev(*texts: str) -> list[Evidence]:
    return [Evidence(i, text, "s", Locator(f"p{i}"), 0.5) for i, text in enumerate(texts, 1)]


def test_a_word_meets_its_inflections() -> None:
    evidence = _ev(
        "For the year ended December 31, 2019, services revenue from our partners was $56.6 million.",
        "Services revenue is comprised primarily of fees for customer support services.",
    )
    draft = ExtractiveAnswerer().run("What does services revenue comprise of?", evidence)
    assert draft.values == ("fees for customer support services",)


def test_a_fragment_and_a_table_introduction_rank_below_a_sentence_that_answers() -> None:
    evidence = _ev(
        "Liquidity risk management",
        "The following table presents our liquidity risk exposures by maturity:",
        "Liquidity risk is the risk that we will be unable to meet our financial obligations as they fall due.",
    )
    draft = ExtractiveAnswerer().run("What is liquidity risk?", evidence)
    assert draft.text.startswith("Liquidity risk is the risk")


def test_a_question_about_the_table_still_gets_its_introduction() -> None:
    evidence = _ev("The following table presents our revenue by segment:", "Revenue by segment grew in every region.")
    draft = ExtractiveAnswerer().run("What does the table present?", evidence)
    assert draft.text.startswith("The following table presents")


def test_a_definition_or_a_reason_is_answered_from_a_sentence_not_a_table_cell() -> None:
    evidence = [
        Evidence(1, " | 2019 | 2018\nAudit Fees | $61,000 | $58,000\nTax Fees | $30,000 | $28,000", "s", Locator("t"), 0.9),
        Evidence(2, "Audit Fees consist of fees billed for the annual audit of our financial statements.", "s", Locator("p"), 0.8),
        Evidence(3, "In 2018, gross margin improved by 80 basis points to 40.0% benefiting from manufacturing efficiencies.", "s", Locator("q"), 0.7),
    ]
    answerer = ExtractiveAnswerer()
    assert answerer.run("What is Audit Fees?", evidence).values == ("fees billed for the annual audit of our financial statements",)
    assert answerer.run("In 2018, why did the gross margin improve?", evidence).values == ("benefiting from manufacturing efficiencies",)
    # a figure question still gets its cell
    assert "58,000" in answerer.run("What were the Audit Fees in 2018?", evidence).text
