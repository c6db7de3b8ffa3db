"""Hybrid retrieval: BM25 + dense fused by rank, exact figures and periods, filters, index refresh."""

from __future__ import annotations

import pytest

from assistant.embeddings import HashEmbedding
from assistant.errors import BadInputError
from assistant.retrieval import HybridRetriever, contains_exact, exact_items, matches_where, tokenize
from assistant.settings import Settings
from assistant.store import ChromaStore
from assistant.types import Chunk, Locator, Source


@pytest.fixture
def store(tmp_path) -> ChromaStore:
    return ChromaStore(Settings(data_dir=tmp_path, workspace="hybrid"), HashEmbedding())


def add(store: ChromaStore, sid: str, kind: str, texts: list[str]) -> list[Chunk]:
    chunks = [Chunk(t, Locator(f"/{sid}.{kind}", page=i), sid, kind) for i, t in enumerate(texts, start=1)]
    store.add_source(Source(sid, f"/{sid}.{kind}", kind, len(chunks), pages=len(chunks)), chunks)
    return chunks


FILLER = [f"Segment {i} discussion of regional operations, staffing and facilities outlook." for i in range(12)]


def test_tokenize_keeps_figures_and_periods_whole() -> None:
    assert tokenize("Paid $2,400,000, up 4.6% in Q1 2017; FY2022 too") == [
        "paid", "2400000", "up", "4.6", "q1", "2017", "fy2022", "too", "q1_2017", "fy_2022"
    ]


def test_exact_items_and_matching() -> None:
    assert exact_items("Did JNJ pay 2,400,000 in Q1 2017 or FY 2022?") == [
        "n:2400000", "n:2017", "n:2022", "t:JNJ", "p:q1 2017", "p:fy 2022"
    ]
    assert contains_exact("a fee of $2,400,000.", "n:2400000")
    assert not contains_exact("a fee of $2,400,0001", "n:2400000")
    assert contains_exact("results for FY2022", "p:fy 2022")
    assert not contains_exact("results for Q1 2018", "p:q1 2017")


def test_exact_figure_beats_dense_similarity(store) -> None:
    question = "What was the settlement amount of 2,400,000 paid for the litigation claim?"
    decoy = "The settlement amount paid for the litigation claim was disclosed in the notes to the statements."
    target = "Legal: $2,400,000 remitted to plaintiffs after court approval."
    chunks = add(store, "law", "pdf", [decoy, target, *FILLER])
    dense = store.search(question, 3)
    assert dense[0].chunk.id == chunks[0].id  # dense alone prefers the paraphrase without the figure
    hits = HybridRetriever(store, store.settings).search(question, 3)
    assert hits[0].chunk.id == chunks[1].id
    assert 0.0 <= hits[-1].score <= hits[0].score <= 1.0


def test_periods_are_separated(store) -> None:
    texts = ["Revenue in Q1 2018 was 51 million.", "Revenue in Q1 2017 was 48 million.", *FILLER]
    chunks = add(store, "rev", "pdf", texts)
    retriever = HybridRetriever(store, store.settings)
    assert retriever.search("Revenue in Q1 2017?", 2)[0].chunk.id == chunks[1].id
    assert retriever.search("Revenue in Q1 2018?", 2)[0].chunk.id == chunks[0].id


def test_index_refreshes_after_add_and_forget(store) -> None:
    add(store, "a", "pdf", ["Widget sales grew modestly.", *FILLER])
    retriever = HybridRetriever(store, store.settings)
    question = "zyxcorp acquisition price"
    assert all("zyxcorp" not in h.chunk.text.lower() for h in retriever.search(question, 3))
    before = store.version()
    new = add(store, "b", "text", ["The Zyxcorp acquisition price was 310 million."])
    assert store.version() != before
    assert retriever.search(question, 3)[0].chunk.id == new[0].id
    store.forget("b")
    assert all(h.chunk.source_id != "b" for h in retriever.search(question, 3))
    assert retriever._index is not None and len(retriever._index.texts) == len(FILLER) + 1


def test_version_changes_when_a_source_is_swapped_for_one_of_equal_size(store) -> None:
    add(store, "a", "pdf", ["one", "two"])
    before = store.version()
    store.forget("a")
    add(store, "b", "pdf", ["three", "four"])
    assert store.version() != before


def test_where_filters_both_sides(store) -> None:
    add(store, "deck", "image", ["Margin was 19.0 percent in Q4 2023.", "Margin chart for Q4 2023."])
    pdf = add(store, "tenq", "pdf", ["Operating margin of 18.7 percent for the year.", *FILLER[:4]])
    retriever = HybridRetriever(store, store.settings)
    question = "What was the margin in Q4 2023, 19.0 percent?"
    unfiltered = retriever.search(question, 3)
    assert unfiltered[0].chunk.kind == "image"
    hits = retriever.search(question, 3, where={"kind": "pdf"})
    assert {h.chunk.kind for h in hits} == {"pdf"} and hits[0].chunk.id == pdf[0].id
    only = retriever.search(question, 10, where={"source_id": {"$in": ["deck"]}})
    assert {h.chunk.source_id for h in only} == {"deck"} and len(only) == 2


def test_matches_where_rejects_unknown_operators() -> None:
    meta = {"kind": "pdf", "source_id": "s", "path": "/r.pdf"}
    assert matches_where(meta, {"$and": [{"kind": "pdf"}, {"path": {"$eq": "/r.pdf"}}]})
    assert not matches_where(meta, {"source_id": {"$in": ["x", "y"]}})
    with pytest.raises(BadInputError, match=r"unsupported filter operator '\$gt'"):
        matches_where(meta, {"kind": {"$gt": "a"}})


def test_empty_workspace_returns_nothing(store) -> None:
    assert HybridRetriever(store, store.settings).search("anything", 3) == []


def test_assistant_uses_hybrid_scores_in_unit_range(fake_assistant, tmp_path) -> None:
    chunks = add(fake_assistant.store, "law", "pdf", ["The claim was settled.", "Paid $2,400,000 to plaintiffs.", *FILLER])
    result = fake_assistant._retrieve("Was 2,400,000 paid?")
    assert result.evidence[0].text == chunks[1].text
    assert all(0.0 <= e.score <= 1.0 for e in result.evidence)


def test_table_whose_row_label_names_the_subject_outranks_a_similar_table(store) -> None:
    question = "What was the change in net cash from operating activities from 2018 to 2019?"
    similar = " | 2019 | 2018\nNet cash used in investing activities | (5) | (4)\nCash and cash equivalents | 9 | 8"
    target = " | 2019 | 2018\nNet cash from operating activities | 12 | 10\nCapital expenditure | (3) | (2)"
    chunks = add(store, "cash", "table", [similar, similar.replace("9 | 8", "7 | 6"), target, *FILLER])
    hits = HybridRetriever(store, store.settings).search(question, 3)
    assert hits[0].chunk.id == chunks[2].id
    assert 0.0 <= hits[-1].score <= hits[0].score <= 1.0


def test_structure_score_prefers_the_label_naming_the_subject() -> None:
    from assistant.retrieval import row_labels, structure_score

    flat = lambda term: 1.0  # noqa: E731
    question = "What is the average Research and development funding?"
    named = " | 2019 | 2018\nResearch and development funding | 5 | 4"
    partial = " | 2019 | 2018\nResearch costs | 5 | 4"
    assert row_labels(named) == ["Research and development funding"]
    assert structure_score(question, named, flat) > structure_score(question, partial, flat) > 0.0
    assert structure_score("What is the average?", named, flat) == 0.0  # nothing but operation words


def test_structure_score_leaves_operation_words_out_of_the_label_too() -> None:
    from assistant.retrieval import structure_score

    flat = lambda term: 1.0  # noqa: E731
    question = "Which year has the most shares granted during the period?"
    with_period = "Shares | 2019 | 2018\nGranted during the period | 5 | 4"
    without = "Shares | 2019 | 2018\nGranted during | 5 | 4"
    assert structure_score(question, with_period, flat) == pytest.approx(structure_score(question, without, flat))


def test_phrase_score_rewards_the_question_terms_adjacent_and_in_order() -> None:
    from assistant.retrieval import PHRASE_WEIGHT, phrase_score

    flat = lambda term: 1.0  # noqa: E731
    question = "What was the increase in free cash flow driven by?"
    assert phrase_score(question, "The increase in free cash flow was driven by lower capex.", flat) == pytest.approx(PHRASE_WEIGHT)
    assert phrase_score(question, "Cash was free of tax, a flow driven by lower capex.", flat) < PHRASE_WEIGHT / 2
    assert phrase_score("Revenue?", "Revenue grew.", flat) == 0.0  # a single term has no pair


def test_chunk_naming_the_subject_as_a_phrase_outranks_one_holding_its_words_apart(store) -> None:
    question = "What drove the growth in free cash flow?"
    apart = "Cash rose as growth in operations drove flow of funds; free of debt, cash and growth and flow were strong."
    phrase = "Free cash flow was up on lower capital spending."  # fewer of the words, but as the question's phrase
    chunks = add(store, "fcf", "text", [apart, phrase, *FILLER])
    hits = HybridRetriever(store, store.settings).search(question, 2)
    assert hits[0].chunk.id == chunks[1].id
