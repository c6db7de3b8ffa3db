"""The store against the embedded Chroma and, when MODALYST_TEST_CHROMA_URL is set (CI), a Chroma server."""

import os
import uuid

import pytest

from assistant.embeddings import HashEmbedding
from assistant.errors import BadInputError
from assistant.filter_index import FilterIndex
from assistant.settings import Settings
from assistant.store import ChromaStore
from assistant.types import Chunk, Locator, Source


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.server)])
def make_store(request, tmp_path):
    url = os.environ.get("MODALYST_TEST_CHROMA_URL", "")
    if request.param == "server" and not url:
        pytest.skip("MODALYST_TEST_CHROMA_URL is not set (.ci/run starts a Chroma server and sets it)")

    def build(workspace: str) -> ChromaStore:
        name = f"{workspace}-{uuid.uuid4().hex[:8]}"
        store = url if request.param == "server" else ""
        return ChromaStore(Settings(data_dir=tmp_path, workspace=name, store=store), HashEmbedding())

    return build


def pdf_source(sid: str = "s1") -> tuple[Source, list[Chunk]]:
    chunks = [
        Chunk("Revenue was 4.2 billion in Q1 2026.", Locator("/r.pdf", page=1), sid, "pdf"),
        Chunk("The operating margin was 19.0 percent.", Locator("/r.pdf", page=2), sid, "pdf"),
        Chunk("Free cash flow was 610 million.", Locator("/c.wav", start=31.2, end=35.3, speaker="CFO"), sid, "audio"),
        Chunk("Q4 = 4.6", Locator("/c.png", bbox=(1.0, 2.0, 30.5, 40.0)), sid, "image"),
    ]
    return Source(sid, "/r.pdf", "pdf", len(chunks), pages=2), chunks


def test_add_is_idempotent_and_locators_round_trip(make_store) -> None:
    store = make_store("w")
    source, chunks = pdf_source()
    store.add_source(source, chunks)
    store.add_source(source, chunks)
    assert store.count() == 4
    assert store.sources() == [source]
    back = {c.id: c for c in store.chunks_of("s1")}
    assert back == {c.id: c for c in chunks}
    assert len(store.chunks_of("s1", limit=2)) == 2


def test_search_ranks_matching_chunk_first(make_store) -> None:
    store = make_store("w")
    store.add_source(*pdf_source())
    hits = store.search("operating margin percent", k=2)
    assert hits[0].chunk.locator.page == 2
    assert 0.0 <= hits[1].score <= hits[0].score <= 1.0


def test_workspaces_do_not_see_each_other(make_store) -> None:
    a, b = make_store("a"), make_store("b")
    a.add_source(*pdf_source())
    assert b.count() == 0 and b.sources() == [] and b.search("revenue", 3) == []


def test_partial_leftovers_are_replaced_on_rewrite(make_store) -> None:
    store = make_store("w")
    source, chunks = pdf_source()
    chunk_col, _ = store._open()
    chunk_col.upsert(ids=["orphan"], documents=["stale half-written chunk"], metadatas=[{"source_id": "s1", "kind": "pdf", "path": "/r.pdf"}])
    store.add_source(source, chunks)
    assert store.count() == 4 and "orphan" not in {c.id for c in store.chunks_of("s1")}


def test_forget_removes_everything_and_unknown_id_is_bad_input(make_store) -> None:
    store = make_store("w")
    store.add_source(*pdf_source("abcdef123456"))
    store.add_source(*pdf_source("zzz999"))
    gone = store.forget("abcdef")  # a unique prefix of 6+ characters works
    assert gone.id == "abcdef123456"
    assert [s.id for s in store.sources()] == ["zzz999"] and store.count() == 4
    with pytest.raises(BadInputError, match="no source 'nope' in workspace"):
        store.forget("nope")


class _ChromaFilters(FilterIndex):
    """A filter index that leaves every filter to Chroma."""

    def select(self, where):
        return None


def test_search_filtered_to_few_sources_is_exact_and_agrees_with_the_index(make_store, monkeypatch) -> None:
    import assistant.store as store_module

    store = make_store("x")
    for sid in ("s1", "s2", "s3"):
        source, chunks = pdf_source(sid)
        chunks = [Chunk(f"{c.text} ({sid})", c.locator, sid, c.kind) for c in chunks]
        store.add_source(source, chunks)
    question = "what was the operating margin"
    where = {"source_id": {"$in": ["s2", "s3"]}}
    exact = store.search(question, 4, where=where)
    chroma = ChromaStore(store.settings, store.embedder)
    monkeypatch.setattr(chroma, "filter_index", lambda: _ChromaFilters())
    indexed = chroma.search(question, 4, where=where)
    assert {h.chunk.id for h in exact} == {h.chunk.id for h in indexed}  # equal scores may swap places
    assert [round(h.score, 4) for h in exact] == [round(h.score, 4) for h in indexed]
    assert exact[0].score > exact[-1].score
    assert exact[0].chunk.text.startswith("The operating margin was 19.0 percent.")
    assert {h.chunk.source_id for h in exact} <= {"s2", "s3"}
    assert store.search(question, 3, where={"source_id": {"$in": []}}) == []
    monkeypatch.setattr(store_module, "EXACT_ROWS", 0)  # broad-filter path: over-fetch from the graph, then filter
    assert [h.chunk.id for h in store.search(question, 2, where=where)] == [h.chunk.id for h in exact[:2]]