"""Statement-aware retrieval: a question naming a financial statement gets that statement's table."""

from __future__ import annotations

import pytest

from assistant.embeddings import HashEmbedding
from assistant.retrieval import HybridRetriever
from assistant.settings import Settings
from assistant.statement_pages import asked_statement, is_table, statement_pages, statement_titles
from assistant.store import ChromaStore
from assistant.types import Chunk, Locator, Source

HEADING = "ACME STORES, INC.\n\nCONSOLIDATED BALANCE SHEETS\n($ in millions)"
BALANCE = (
    "February 2, 2019 | February 3, 2018\nCash and cash equivalents | $1,980 | $1,101\n"
    "Receivables, net | 1,015 | 1,049\nMerchandise inventories | 5,409 | 5,209\nTotal current assets | 9,505 | 9,829"
)
NOTE = (
    "Inventories | 2019 | 2018\nFinished goods inventories | 5,100 | 4,900\nInventories in transit | 309 | 309\n"
    "Total amount of inventories | 5,409 | 5,209"
)
DATES = "($ in millions)\n\nFebruary 2,\n2019\nFebruary 3,\n2018"
FILLER = [f"Segment {i} discussion of regional operations, staffing and facilities outlook." for i in range(12)]
QUESTION = "What is the year end FY2019 total amount of inventories for Acme?"
ON_BALANCE_SHEET = QUESTION + " Base your judgments on the information provided primarily in the balance sheet."


@pytest.fixture
def store(tmp_path) -> ChromaStore:
    store = ChromaStore(Settings(data_dir=tmp_path, workspace="statements"), HashEmbedding())
    pages = [(HEADING, 52), (DATES, 52), (BALANCE, 52), (NOTE, 70)] + [(t, 80 + i) for i, t in enumerate(FILLER)]
    chunks = [Chunk(t, Locator("/acme.pdf", page=p), "acme", "pdf", context=f"ACME 10-K › page {p}") for t, p in pages]
    store.add_source(Source("acme", "/acme.pdf", "pdf", len(chunks), pages=100), chunks)
    return store


def test_question_naming_the_balance_sheet_ranks_its_table_above_a_note(store) -> None:
    hits = HybridRetriever(store, store.settings).search(ON_BALANCE_SHEET, 3)
    assert hits[0].chunk.text == BALANCE
    assert hits[0].chunk.locator.page == 52


def test_statement_table_brings_its_page_column_dates_along(store) -> None:
    hits = HybridRetriever(store, store.settings).search(ON_BALANCE_SHEET, 2)
    assert [h.chunk.text for h in hits] == [BALANCE, DATES]


def test_question_naming_no_statement_is_unaffected(store) -> None:
    hits = HybridRetriever(store, store.settings).search(QUESTION, 3)
    assert hits[0].chunk.text == NOTE  # the note's row label names the subject best


def test_statement_boost_respects_the_filter(store) -> None:
    hits = HybridRetriever(store, store.settings).search(ON_BALANCE_SHEET, 3, where={"source_id": "other"})
    assert hits == []


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Using only the information within the balance sheet, how much total assets?", "balance"),
        ("Per the statement of financial position, what were total liabilities?", "balance"),
        ("Provide a response by primarily using the statement of income.", "income"),
        ("Answer from the income statement and the P&L.", "income"),
        ("What do the consolidated statements of operations show for revenue?", "income"),
        ("Answer using the cash flow statement.", "cash_flow"),
        ("From the statement of cash flows, what was capex?", "cash_flow"),
        ("From the statement of stockholders' equity, what were dividends?", "equity"),
        ("Has the company increased its debt on balance sheet?", "balance"),
        ("Does Adobe have an improving free cashflow conversion?", None),
        ("What drove the increase in merchandise inventories balance?", None),
        ("How did operations and income develop?", None),
    ],
)
def test_asked_statement(question: str, kind: str | None) -> None:
    assert asked_statement(question) == kind


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("AMAZON.COM, INC.\n\nCONSOLIDATED STATEMENTS OF OPERATIONS", {"income"}),
        ("Consolidated Balance Sheets\n\n$ in millions", {"balance"}),
        ("PART II\n\nItem 8\n\nBALANCE SHEETS", {"balance"}),
        ("Ulta Beauty, Inc. Condensed Consolidated Balance Sheets (In thousands)", {"balance"}),
        ("ADOBE INC.\n CONSOLIDATED STATEMENTS OF CASH FLOWS", {"cash_flow"}),
        ("Consolidated Statements of Stockholders' Equity", {"equity"}),
        ("Consolidated Statements of Comprehensive Income", set()),
        ("We have audited the accompanying consolidated balance sheets of the Company", set()),
        ("Included in other long-term assets in the consolidated balance sheets.", set()),
        ("Balance Sheets | 60", set()),
    ],
)
def test_statement_titles(text: str, kinds: set[str]) -> None:
    assert statement_titles(text) == kinds


def test_an_index_of_the_statements_is_no_statement_page() -> None:
    index = "Consolidated Statements of Operations\nConsolidated Balance Sheets\nConsolidated Statements of Cash Flows"
    metas = [{"source_id": "s", "page": 35}, {"source_id": "s", "page": 40}]
    assert statement_pages([index, "CONSOLIDATED BALANCE SHEETS"], metas) == {("s", 40): frozenset({"balance"})}


def test_is_table_needs_figures_in_rows() -> None:
    assert is_table(BALANCE)
    assert not is_table(HEADING)
    assert not is_table("Name | Title\nJane Doe | Director")
