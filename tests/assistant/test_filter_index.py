"""The filter index: Chroma's ``where`` semantics, exact filtered search, and keeping in step with the store."""

import numpy as np
import pytest

import assistant.store as store_module
from assistant.embeddings import HashEmbedding
from assistant.filter_index import FilterIndex
from assistant.settings import Settings
from assistant.store import ChromaStore, make_client
from assistant.types import Chunk, Locator, Source

METAS = [
    {"source_id": "a", "kind": "pdf", "page": 1, "score": 0.5, "flag": True},
    {"source_id": "a", "kind": "pdf", "page": 2, "score": 2.0},
    {"source_id": "b", "kind": "audio", "start": 3.5, "flag": False},
    {"source_id": "b", "kind": "image", "page": 3, "speaker": "CFO", "flag": True},
    {"source_id": "c", "kind": "pdf", "page": 1.0, "score": 1},
    {"source_id": "c", "kind": "text"},
]
WHERES = [
    {"kind": "pdf"},
    {"kind": {"$eq": "audio"}},
    {"kind": {"$ne": "pdf"}},
    {"speaker": {"$ne": "CFO"}},  # chunks without the key match $ne
    {"speaker": {"$nin": ["CFO", "CEO"]}},
    {"page": 1},  # ints and floats compare as numbers
    {"page": {"$gt": 1}},
    {"page": {"$lte": 2}},
    {"score": {"$gte": 1}},
    {"flag": True},  # booleans only equal booleans
    {"flag": {"$ne": True}},
    {"page": {"$in": [1, 3]}},
    {"source_id": {"$in": ["a", "c"]}},
    {"$and": [{"kind": "pdf"}, {"page": {"$lt": 2}}]},
    {"$or": [{"kind": "audio"}, {"score": {"$gt": 1}}, {"speaker": "CFO"}]},
    {"$and": [{"$or": [{"kind": "pdf"}, {"kind": "text"}]}, {"source_id": {"$ne": "a"}}]},
    {"missing": "x"},
]


@pytest.fixture
def indexed(tmp_path):
    client = make_client(Settings(data_dir=tmp_path))
    collection = client.create_collection("semantics", embedding_function=None)
    ids = [f"id{i}" for i in range(len(METAS))]
    vectors = np.random.default_rng(0).standard_normal((len(METAS), 8)).astype(np.float32)
    collection.add(ids=ids, embeddings=vectors, metadatas=METAS)
    index = FilterIndex()
    for source in ("a", "b", "c"):
        rows = [i for i, m in enumerate(METAS) if m["source_id"] == source]
        index.add_block(source, [ids[i] for i in rows], vectors[rows], [METAS[i] for i in rows])
    index.vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)  # for the exact check below
    return collection, index, ids


@pytest.mark.parametrize("where", WHERES, ids=[str(w) for w in WHERES])
def test_filters_select_what_chroma_selects(indexed, where) -> None:
    collection, index, ids = indexed
    mask = index.select(where)
    assert mask is not None
    assert {i for i, keep in zip(ids, mask) if keep} == set(collection.get(where=where, include=[])["ids"])


@pytest.mark.parametrize("where", [{"kind": "pdf", "page": 1}, {"spans": "[]"}, {"kind": {"$contains": "p"}}, {"kind": {"$gt": "a"}}, {"$and": []}])
def test_filters_the_index_does_not_evaluate_are_left_to_chroma(indexed, where) -> None:
    _, index, _ = indexed
    assert index.select(where) is None


def test_nearest_is_exact_top_k_of_the_filtered_rows(indexed) -> None:
    _, index, ids = indexed
    rng = np.random.default_rng(1)
    for _ in range(5):
        query = rng.standard_normal(8)
        mask = index.select({"kind": {"$ne": "audio"}})
        got = index.nearest(query, 3, mask)
        sims = index.vectors @ (query / np.linalg.norm(query))
        expected = sorted((i for i in range(len(ids)) if mask[i]), key=lambda i: -sims[i])[:3]
        assert [i for i, _ in got] == [ids[i] for i in expected]
        assert [round(s, 5) for _, s in got] == [round(float(sims[i]), 5) for i in expected]
    assert index.nearest(rng.standard_normal(8), 3, index.select({"kind": "nothing"})) == []


def test_sources_without_chunks_are_held_and_skipped() -> None:
    index = FilterIndex()
    index.add_block("empty-first", [], np.zeros((0, 3)), [])
    index.add_block("s", ["a", "b"], np.eye(2, 3), [{"kind": "pdf"}, {"kind": "pdf"}])
    index.add_block("empty-last", [], np.zeros((0, 3)), [])
    assert index.source_ids == {"empty-first", "s", "empty-last"} and len(index) == 2
    assert [i for i, _ in index.nearest([0.0, 1.0, 0.0], 5, index.select({"kind": "pdf"}))] == ["b", "a"]
    only_empty = FilterIndex()
    only_empty.add_block("e", [], np.zeros((0, 3)), [])
    assert only_empty.nearest([1.0, 0.0, 0.0], 3, only_empty.select({"kind": "pdf"})) == []


def _source(sid: str, n: int, rng: np.random.Generator) -> tuple[Source, list[Chunk], np.ndarray]:
    chunks = [Chunk(f"{sid} chunk {i}", Locator(f"/{sid}.pdf", page=i % 7 + 1), sid, "pdf") for i in range(n)]
    vectors = rng.standard_normal((n, 384)).astype(np.float32)
    return Source(sid, f"/{sid}.pdf", "pdf", n, pages=7), chunks, vectors


def test_filtered_search_matches_exact_search_on_both_paths(tmp_path, monkeypatch) -> None:
    rng = np.random.default_rng(7)
    store = ChromaStore(Settings(data_dir=tmp_path, workspace="f"), HashEmbedding())
    everything: dict[str, tuple[np.ndarray, Chunk]] = {}
    for n in range(12):
        source, chunks, vectors = _source(f"s{n:02d}", 60, rng)
        store.add_source(source, chunks, list(vectors))
        everything.update({c.id: (v / np.linalg.norm(v), c) for c, v in zip(chunks, vectors)})
    queries = rng.standard_normal((10, 384)).astype(np.float32)
    store.embedder = lambda texts: [queries[int(t)] for t in texts]
    where = {"$and": [{"source_id": {"$in": ["s01", "s04", "s05", "s09"]}}, {"page": {"$gte": 3}}]}
    for path_rows in (10**9, 0):  # exact over the matching chunks; over-fetch from the graph and filter
        monkeypatch.setattr(store_module, "EXACT_ROWS", path_rows)
        for q in range(len(queries)):
            hits = store.search(str(q), 5, where=where)
            allowed = [(float(v @ queries[q] / np.linalg.norm(queries[q])), i) for i, (v, c) in everything.items()
                       if c.source_id in ("s01", "s04", "s05", "s09") and c.locator.page >= 3]
            expected = [i for _, i in sorted(allowed, reverse=True)[:5]]
            assert [h.chunk.id for h in hits] == expected
            assert [round(h.score, 4) for h in hits] == [round(s, 4) for s, _ in sorted(allowed, reverse=True)[:5]]


def test_index_follows_sources_added_and_forgotten_elsewhere(tmp_path) -> None:
    rng = np.random.default_rng(3)
    settings = Settings(data_dir=tmp_path, workspace="g")
    reader, writer = ChromaStore(settings, HashEmbedding()), ChromaStore(settings, HashEmbedding())
    for sid in ("s1", "s2"):
        source, chunks, vectors = _source(sid, 20, rng)
        writer.add_source(source, chunks, list(vectors))
    where = {"source_id": {"$in": ["s2", "s3"]}}
    assert {h.chunk.source_id for h in reader.search("revenue", 50, where=where)} == {"s2"}
    source, chunks, vectors = _source("s3", 20, rng)
    writer.add_source(source, chunks, list(vectors))
    writer.forget("s2")
    hits = reader.search("revenue", 50, where=where)
    assert {h.chunk.source_id for h in hits} == {"s3"} and len(hits) == 20
    assert reader.filter_index().source_ids == {"s1", "s3"}
