import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.citations import cited_numbers, verify
from assistant.numbers import format_number, numbers_in, parse_number
from assistant.types import Evidence, Locator


def ev(n: int, text: str) -> Evidence:
    return Evidence(n, text, f"src{n}", Locator(f"doc{n}.pdf", page=n), 0.5)


def test_numbers_in_text_skip_citations_and_words() -> None:
    assert numbers_in("Revenue rose 12.50% to $4,200 million in Q3 2017 [2], [3, 4].") == [12.5, 4200.0, 2017.0]


@pytest.mark.parametrize(("token", "value"), [("$4,200", 4200.0), ("12%", 12.0), ("(1,234)", -1234.0), ("−3.5", -3.5), ("abc", None)])
def test_parse_number(token: str, value: float | None) -> None:
    assert parse_number(token) == value


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_format_number_round_trips_to_two_decimals(value: float) -> None:
    assert parse_number(format_number(value)) == pytest.approx(round(value, 2), abs=0.006)


def test_cited_numbers_in_order_without_repeats() -> None:
    assert cited_numbers("a [2] b [1, 2] c [3][2]") == [2, 1, 3]


def test_verify_accepts_supported_numbers() -> None:
    citations, warnings = verify("Sales were $12.5 million [1]. Margin was 19% [2].", [ev(1, "sales of 12.5 million"), ev(2, "margin 19%")])
    assert [c.n for c in citations] == [1, 2] and warnings == []
    assert citations[1].locator.page == 2


def test_verify_flags_invented_numbers_and_dangling_citations() -> None:
    _, warnings = verify("Sales were 13 million [1]. Costs were 4 [7]. No number here.", [ev(1, "Sales were 12.5 million")])
    assert warnings[0] == "citation [7] points to no evidence"
    assert any("unsupported number 13" in w for w in warnings)
    assert any("unsupported number 4 " in w and "cites none" in w for w in warnings)


def test_verify_accepts_declared_computed_numbers() -> None:
    _, warnings = verify("The change was 0.9 [1].", [ev(1, "from 3.3 to 4.2")], computed=[0.9])
    assert warnings == []


def test_number_must_be_in_the_cited_evidence_not_another() -> None:
    _, warnings = verify("Revenue was 4.2 [1].", [ev(1, "Revenue rose"), ev(2, "it was 4.2")])
    assert len(warnings) == 1 and "4.2" in warnings[0]


@given(st.text(max_size=300))
def test_verify_never_crashes_on_any_text(text: str) -> None:
    citations, warnings = verify(text, [ev(1, "Revenue 4.2")])
    assert all(c.n == 1 for c in citations)
    assert isinstance(warnings, list)


def test_citation_narrows_to_quoted_segment_and_chart_value() -> None:
    from assistant.types import Span

    text = "Thank you. Free cash flow was 610 million. We bought back shares."
    spans = (
        Span(0, 10, Locator("c.wav", start=20.0, end=21.5, speaker="CFO")),
        Span(11, 42, Locator("c.wav", start=21.5, end=25.0, speaker="CFO")),
        Span(43, 65, Locator("c.wav", start=25.0, end=28.0, speaker="CFO")),
    )
    call = Evidence(1, text, "s", Locator("c.wav", start=20.0, end=28.0, speaker="CFO"), 0.5, spans)
    chart_text = "Chart 'Revenue': Q3 2025 = 4; Q4 2025 = 4.6"
    chart_spans = (Span(17, 28, Locator("x.png", bbox=(0, 0, 10, 10))), Span(30, 43, Locator("x.png", bbox=(20, 0, 30, 10))))
    chart = Evidence(2, chart_text, "i", Locator("x.png", bbox=(0, 0, 30, 10)), 1.0, chart_spans)
    citations, warnings = verify("Free cash flow was 610 million [1]. Q4 2025 has the highest value, 4.6, of the 4 values [2].", [call, chart])
    assert warnings == []
    assert (citations[0].locator.start, citations[0].locator.end) == (21.5, 25.0)
    assert citations[1].locator.bbox == (20, 0, 30, 10)
