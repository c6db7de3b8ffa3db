"""How the store writes chunks (one chromadb call per WRITE_BATCH chunks) and reopens collections made
with other settings, against the embedded Chroma and, when MODALYST_TEST_CHROMA_URL is set, a server."""

import contextlib
import os
import uuid

import numpy as np
import pytest
from chromadb.errors import InvalidArgumentError

from assistant import store as store_module
from assistant.embeddings import HashEmbedding
from assistant.settings import Settings
from assistant.store import ChromaStore, make_client
from assistant.types import Chunk, Locator, Source, Span


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.server)])
def settings(request, tmp_path) -> Settings:
    url = os.environ.get("MODALYST_TEST_CHROMA_URL", "")
    if request.param == "server" and not url:
        pytest.skip("MODALYST_TEST_CHROMA_URL is not set (.ci/run starts a Chroma server and sets it)")
    return Settings(data_dir=tmp_path, workspace=f"w-{uuid.uuid4().hex[:8]}", store=url if request.param == "server" else "")


def source_of(n: int, sid: str = "big") -> tuple[Source, list[Chunk]]:
    chunks = [Chunk(f"line {i} of the report", Locator("/big.pdf", page=i // 10 + 1), sid, "pdf") for i in range(n)]
    return Source(sid, "/big.pdf", "pdf", n, pages=n // 10 + 1), chunks


def test_a_source_larger_than_one_write_is_written_whole(settings, monkeypatch) -> None:
    monkeypatch.setattr(store_module, "WRITE_BATCH", 7)
    store = ChromaStore(settings, HashEmbedding())
    calls: list[int] = []
    chunk_col = store.chunk_collection()
    add = chunk_col.upsert
    monkeypatch.setattr(chunk_col, "upsert", lambda **kw: (calls.append(len(kw["ids"])), add(**kw))[1])
    source, chunks = source_of(30)
    vectors = HashEmbedding()([c.text for c in chunks])
    store.add_source(source, chunks, vectors)
    assert calls == [7, 7, 7, 7, 2]
    assert store.count() == 30 and store.sources() == [source]
    back = {c.id for c in store.chunks_of("big")}
    assert back == {c.id for c in chunks}
    stored = chunk_col.get(ids=[chunks[12].id], include=["embeddings"])["embeddings"][0]
    assert np.allclose(stored, vectors[12], atol=1e-6)
    store.add_source(source, chunks, vectors)  # a second add of the finished source changes nothing
    assert store.count() == 30 and calls == [7, 7, 7, 7, 2]


def test_writes_never_exceed_the_clients_limit(settings, monkeypatch) -> None:
    store = ChromaStore(settings, HashEmbedding())
    store._open()
    monkeypatch.setattr(store._client, "get_max_batch_size", lambda: 3)
    assert store._write_batch() == 3
    source, chunks = source_of(8, "lim")
    store.add_source(source, chunks)
    assert store.count() == 8


@pytest.mark.parametrize("made_with", ["configuration", "metadata", "other hnsw"])
def test_collections_made_with_older_settings_open_and_search(settings, monkeypatch, made_with: str) -> None:
    client = make_client(settings)
    name = f"ws-{settings.workspace}-chunks"
    if made_with == "configuration":  # before the schema: a collection configuration
        client.create_collection(name, configuration={"hnsw": {"space": "cosine", "ef_construction": 100}}, embedding_function=None)
    elif made_with == "metadata":  # older still: HNSW settings in the collection metadata
        client.create_collection(name, metadata={"hnsw:space": "cosine"}, embedding_function=None)
    else:  # a schema with other HNSW settings than today's
        monkeypatch.setattr(store_module, "CHUNK_HNSW", {**store_module.CHUNK_HNSW, "ef_construction": 64, "max_neighbors": 12})
        ChromaStore(settings, HashEmbedding(), client=client).chunk_collection()
        monkeypatch.undo()
    for _ in range(2):  # a fresh store object, twice: opening never reconciles settings into an error
        store = ChromaStore(settings, HashEmbedding(), client=make_client(settings))
        source, chunks = source_of(12, "old")
        store.add_source(source, chunks)
        assert store.count() == 12
        assert store.search("line 3 of the report", 1)[0].chunk.text == "line 3 of the report"
        assert store.search("line 3 of the report", 1, where={"source_id": "old"})[0].chunk.text == "line 3 of the report"


def test_two_writers_of_copies_of_one_file_leave_one_set_of_chunks(settings, monkeypatch) -> None:
    """A Chroma server has no write lock: two ingests of copies of one file (other paths, same
    source id) can both find no record and both write. They must write the same chunk ids."""
    monkeypatch.setattr(ChromaStore, "_writing", lambda self: contextlib.nullcontext())
    first, second = ChromaStore(settings, HashEmbedding()), ChromaStore(settings, HashEmbedding())
    source, chunks = source_of(12, "copy")
    copy = [Chunk(c.text, Locator("/elsewhere/big.pdf", page=c.locator.page), c.source_id, c.kind) for c in chunks]
    assert [c.id for c in copy] == [c.id for c in chunks]
    col = first.chunk_collection()
    upsert = col.upsert
    raced: list[bool] = []

    def racing_upsert(**kw):  # the other writer runs whole between this one's check and its write
        if not raced:
            raced.append(True)
            second.add_source(Source("copy", "/elsewhere/big.pdf", "pdf", 12, pages=2), copy)
        return upsert(**kw)

    monkeypatch.setattr(col, "upsert", racing_upsert)
    first.add_source(source, chunks)
    assert raced and first.count() == 12
    assert {c.id for c in first.chunks_of("copy")} == {c.id for c in chunks}


# The chunk HNSW settings before writes were tuned for add throughput (ef_construction 100, a graph
# save every 20,000 additions); workspaces made with them keep them.
OLD_HNSW = {"ef_construction": 100, "max_neighbors": 16, "batch_size": 1000, "sync_threshold": 20000}
HNSW_KEYS = ("ef_construction", "max_neighbors", "ef_search", "sync_threshold")


def test_new_workspaces_get_the_chunk_hnsw_settings_and_old_ones_keep_theirs(settings, monkeypatch) -> None:
    made = ChromaStore(settings, HashEmbedding()).chunk_collection().configuration_json["hnsw"]
    assert {k: made[k] for k in HNSW_KEYS} == {k: store_module.CHUNK_HNSW[k] for k in HNSW_KEYS}
    old = Settings(data_dir=settings.data_dir, workspace=f"{settings.workspace}-old", store=settings.store)
    monkeypatch.setattr(store_module, "CHUNK_HNSW", OLD_HNSW)
    ChromaStore(old, HashEmbedding()).chunk_collection()
    monkeypatch.undo()
    store = ChromaStore(old, HashEmbedding(), client=make_client(old))
    kept = store.chunk_collection().configuration_json["hnsw"]
    assert (kept["ef_construction"], kept["ef_search"], kept["sync_threshold"]) == (100, 100, 20000)
    source, chunks = source_of(30, "kept")
    store.add_source(source, chunks)
    assert store.count() == 30
    assert store.search("line 7 of the report", 1)[0].chunk.text == "line 7 of the report"


def test_writes_across_several_graph_saves_are_all_found_after_reopening(settings) -> None:
    """Sources written in calls smaller than the graph's save interval, crossing it twice: a fresh
    client finds every chunk as its own nearest neighbour (the saved graph plus the replayed log)."""
    total, per_source = 2600, 520
    assert store_module.CHUNK_HNSW["sync_threshold"] < total
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((total, 24)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    store = ChromaStore(settings, None)
    ids = []
    for first in range(0, total, per_source):
        sid = f"s{first}"
        chunks = [Chunk(f"line {i}", Locator(f"/{sid}.txt", page=1), sid, "text") for i in range(first, first + per_source)]
        store.add_source(Source(sid, f"/{sid}.txt", "text", per_source), chunks, vectors[first : first + per_source])
        ids += [c.id for c in chunks]
    reopened = ChromaStore(settings, None, client=make_client(settings)).chunk_collection()
    assert reopened.count() == total
    probes = list(range(0, total, 37))
    found = reopened.query(query_embeddings=vectors[probes], n_results=1, include=[])["ids"]
    assert [f[0] for f in found] == [ids[i] for i in probes]


def test_chroma_filters_on_context_and_path_but_not_on_blob_keys(settings) -> None:
    """``UNINDEXED_KEYS`` only: chromadb refuses a filter on a JSON blob key, while the context line
    and the path stay filterable in Chroma itself (as filters the filter index leaves to it)."""
    store = ChromaStore(settings, HashEmbedding())
    spans = (Span(0, 4, Locator("/a.pdf", page=1)),)
    chunks = [
        Chunk("cash rose", Locator("/a.pdf", page=1, bbox=(1.0, 2.0, 3.0, 4.0)), "a", "pdf", spans=spans, context="ACME 2023 10-K › Item 7"),
        Chunk("debt fell", Locator("/a.pdf", page=2), "a", "pdf", context="ACME 2023 10-K › Item 8"),
    ]
    store.add_source(Source("a", "/a.pdf", "pdf", 2, pages=2), chunks)
    col = store.chunk_collection()
    assert col.get(where={"context": "ACME 2023 10-K › Item 8"}, include=["documents"])["documents"] == ["debt fell"]
    assert len(col.get(where={"path": "/a.pdf"}, include=[])["ids"]) == 2
    blobs = col.get(ids=[chunks[0].id], include=["metadatas"])["metadatas"][0]
    for key in store_module.UNINDEXED_KEYS:
        with pytest.raises(InvalidArgumentError, match="indexing is disabled"):
            col.get(where={key: blobs[key]})
