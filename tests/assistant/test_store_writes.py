"""How the store writes chunks (one chromadb call per WRITE_BATCH chunks) and reopens collections made
with other settings, against the embedded Chroma and, when MODALYST_TEST_CHROMA_URL is set, a server."""

import contextlib
import os
import uuid

import numpy as np
import pytest

from assistant import store as store_module
from assistant.embeddings import HashEmbedding
from assistant.settings import Settings
from assistant.store import ChromaStore, make_client
from assistant.types import Chunk, Locator, Source


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
