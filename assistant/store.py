"""The vector store: one Chroma collection of chunks per workspace, plus one of source records.

A source record is written only after all its chunks, so a source without a record is partial
(an interrupted ingest) and is cleaned up before it is written again.

Example:
    >>> store = ChromaStore(Settings(data_dir=tmp), HashEmbedding())   # doctest: +SKIP
    >>> store.add_source(source, chunks)                               # doctest: +SKIP
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from assistant.erasure import LIBRARY_FOLDER, ForgetJournal, purge_store, remove_copies
from assistant.filter_index import FilterIndex
from assistant.private import private_data_dir
from assistant.errors import BadInputError, DataDirError, StoreError
from assistant.settings import Settings
from assistant.types import Chunk, Locator, Source, Span

logger = logging.getLogger(__name__)

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
BATCH = 256  # chunks per embedding call
# Chunks per chromadb write (chromadb's embedded limit is 5461; a server may set a lower one).
# Each write call carries a fixed cost in chromadb's log and index, so fewer, larger calls add faster.
WRITE_BATCH = 5000
# The chunk collection's HNSW settings (new workspaces only). Building the graph is the largest
# part of an add: ef_construction 64 (not 100) builds it for less, and ef_search 200 (not 100)
# gives the recall back at query time (recall@10 against exact search over MiniLM vectors of 13k
# eval sentences and table rows, 2,168 eval questions: 0.998 as before; near-duplicate queries over
# 30k random vectors: 0.57, 0.52 before). sync_threshold is chromadb's default: each write first
# re-applies every addition since the graph was last saved (~30 us a chunk, so at 20,000 a write
# of one 400-chunk source carried up to ~0.6 s), while a save writes the changed part of the graph
# plus a little per stored chunk (~20 MB at 40k chunks). Unsaved additions are replayed from
# chromadb's log after a crash.
CHUNK_HNSW: dict[str, Any] = {"ef_construction": 64, "max_neighbors": 16, "ef_search": 200, "batch_size": 1000, "sync_threshold": 1000}
# Chunk-metadata keys holding JSON blobs that no filter uses: chromadb refuses filters on them, nor
# does it keep a full-text index of the chunk text (hybrid retrieval runs its own BM25). Only
# Chroma's distributed engine saves work by this: the embedded store and ``chroma run`` (sqlite
# metadata) still write and index every key and the full text, so unindexing more keys (``context``,
# ``path``) would not make adds faster.
UNINDEXED_KEYS = ("spans", "bbox")
# Filters matching at most this many chunks are scored exactly over the filter index's vectors;
# broader ones ask the HNSW graph (unfiltered) for enough neighbours that k of them pass.
EXACT_ROWS = 50_000
OVERFETCH_MAX = 2000
LOAD_ROWS = 20_000  # chunks fetched per request while the filter index loads
LOCK_FILE = "write.lock"
_UNWRITABLE_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
_UNWRITABLE_WORDS = ("readonly", "read-only", "permission denied", "disk is full", "no space left", "file too large", "disk i/o error")


def _cannot_write(folder: Path | None) -> bool:
    """Whether a 1 MiB probe file cannot be written in ``folder`` (full, read-only or not permitted):
    Chromadb's own errors often hide that cause ("compaction failed")."""
    if folder is None or not folder.is_dir():
        return False
    probe = folder / f".write-probe-{os.getpid()}"
    try:
        with probe.open("wb") as handle:
            handle.write(b"\0" * (1 << 20))
            handle.flush()
            os.fsync(handle.fileno())
    except OSError:
        return True
    finally:
        probe.unlink(missing_ok=True)
    return False


def store_error(exc: BaseException, where: object, folder: Path | None = None) -> StoreError:
    """A store failure as one line: DataDirError (exit 2) when the data dir (``folder``) is read-only,
    not permitted or full, else StoreError."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    unwritable = isinstance(exc, OSError) and exc.errno in _UNWRITABLE_ERRNOS
    if unwritable or any(word in text.lower() for word in _UNWRITABLE_WORDS) or _cannot_write(folder):
        return DataDirError(
            f"the store at {where} cannot be written ({text}); make the data dir writable, free space, "
            "or choose another with --data-dir or MODALYST_DATA_DIR"
        )
    return StoreError(f"the store at {where} failed: {text}")


@dataclass(frozen=True)
class Hit:
    """A chunk found by a search, with its similarity in [0, 1]."""

    chunk: Chunk
    score: float


def _chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    loc = chunk.locator
    meta: dict[str, Any] = {"source_id": chunk.source_id, "kind": chunk.kind, "path": loc.path}
    for key in ("page", "start", "end", "speaker"):
        value = getattr(loc, key)
        if value is not None:
            meta[key] = value
    if loc.bbox is not None:
        meta["bbox"] = json.dumps(list(loc.bbox))
    if chunk.spans:
        meta["spans"] = json.dumps([s.to_list() for s in chunk.spans])
    if chunk.context:
        meta["context"] = chunk.context
    return meta


def embedding_text(chunk: Chunk) -> str:
    """What the dense side embeds: the chunk's context line, then its text."""
    return f"{chunk.context}\n{chunk.text}" if chunk.context else chunk.text


def chunk_from(text: str, meta: dict[str, Any]) -> Chunk:
    loc = dict(meta)
    if "bbox" in loc:
        loc["bbox"] = json.loads(loc["bbox"])
    spans = tuple(Span.from_list(s) for s in json.loads(meta.get("spans") or "[]"))
    return Chunk(
        text=text,
        locator=Locator.from_dict(loc),
        source_id=meta["source_id"],
        kind=meta["kind"],
        spans=spans,
        context=str(meta.get("context") or ""),
    )


def _source_from(meta: dict[str, Any]) -> Source:
    return Source(
        id=meta["id"],
        path=meta["path"],
        kind=meta["kind"],
        chunks=int(meta["chunks"]),
        pages=int(meta["pages"]) if meta.get("pages") is not None else None,
        duration=float(meta["duration"]) if meta.get("duration") is not None else None,
        speakers=str(meta["speakers"]) if meta.get("speakers") is not None else None,
    )


def chunk_schema(embedder: Any = None) -> Any:
    """The chunk collection's chromadb schema (cosine HNSW, ``CHUNK_HNSW``, ``embedder``, no index of
    ``UNINDEXED_KEYS`` or full text). It applies to new workspaces; an existing collection keeps the settings it was made with."""
    from chromadb import FtsIndexConfig, HnswIndexConfig, Schema, StringInvertedIndexConfig, VectorIndexConfig

    schema = Schema()
    schema.create_index(config=VectorIndexConfig(space="cosine", embedding_function=embedder, hnsw=HnswIndexConfig(**CHUNK_HNSW)))
    schema.delete_index(config=FtsIndexConfig(), key="#document")
    for key in UNINDEXED_KEYS:
        schema.delete_index(config=StringInvertedIndexConfig(), key=key)
    return schema


def make_client(settings: Settings) -> Any:
    """An embedded ``PersistentClient`` under the data dir, or an ``HttpClient`` for a server URL."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        private_data_dir(settings.data_dir)
        if settings.store:
            url = urlparse(settings.store)
            return chromadb.HttpClient(
                host=url.hostname or "localhost",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        settings.store_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.store_dir), settings=chroma_settings)
    except Exception as exc:  # OSError, ValueError and chromadb's own errors (a read-only sqlite file)
        raise store_error(exc, settings.store or settings.store_dir, None if settings.store else settings.store_dir) from exc


class ChromaStore:
    """Chunks and source records of one workspace in Chroma (embedded or server)."""

    def __init__(self, settings: Settings, embedder: Any, client: Any = None) -> None:
        self.settings = settings
        self.embedder = embedder
        self._client = client
        self._chunks: Any = None
        self._sources: Any = None
        self._index: FilterIndex | None = None
        self._max_batch: int | None = None

    @property
    def workspace(self) -> str:
        return self.settings.workspace

    def _open(self) -> tuple[Any, Any]:
        if self._chunks is None:
            if self._client is None:
                self._client = make_client(self.settings)
            name = f"ws-{self.workspace}"
            try:
                self._chunks = self._client.get_or_create_collection(
                    name=f"{name}-chunks",
                    schema=chunk_schema(self.embedder),  # chromadb takes no embedding_function beside a schema
                )
                self._sources = self._client.get_or_create_collection(
                    name=f"{name}-sources", embedding_function=None
                )
            except Exception as exc:  # chromadb raises many types; report them as one store error
                raise store_error(exc, f"workspace {self.workspace!r}") from exc
            if self._journal().path.is_file():
                self._finish_removals()
        return self._chunks, self._sources

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold the store's inter-process write lock (embedded store only: a Chroma server orders
        writes itself); chromadb failures while writing become one-line store errors."""
        handle = None
        try:
            if not self.settings.store:
                handle = (self.settings.store_dir / LOCK_FILE).open("a")
                fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        except (BadInputError, StoreError):
            raise
        except Exception as exc:
            folder = None if self.settings.store else self.settings.store_dir
            raise store_error(exc, self.settings.store or self.settings.store_dir, folder) from exc
        finally:
            if handle is not None:
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()

    # -- sources -------------------------------------------------------------------------------
    def get_source(self, source_id: str) -> Source | None:
        _, sources = self._open()
        found = sources.get(ids=[source_id], include=["metadatas"])
        return _source_from(found["metadatas"][0]) if found["ids"] else None

    def sources(self) -> list[Source]:
        _, sources = self._open()
        found = sources.get(include=["metadatas"])
        return sorted((_source_from(m) for m in found["metadatas"]), key=lambda s: s.path)

    def embed(self, chunks: list[Chunk]) -> list[Any]:
        """The dense vectors of ``chunks`` (context line and text), computed in batches."""
        vectors: list[Any] = []
        for i in range(0, len(chunks), BATCH):
            vectors.extend(self.embedder([embedding_text(c) for c in chunks[i : i + BATCH]]))
        return vectors

    def add_source(self, source: Source, chunks: list[Chunk], embeddings: list[Any] | None = None) -> None:
        """Write a source's chunks, then its record. Partial leftovers of the same source go first.
        ``embeddings``, when given, are the chunks' vectors in order (else they are computed here).

        Under the write lock, a source another process finished meanwhile is left as it is."""
        if embeddings is not None and len(embeddings) != len(chunks):
            raise ValueError(f"{len(embeddings)} embeddings for {len(chunks)} chunks")
        chunk_col, source_col = self._open()
        last = list({c.id: i for i, c in enumerate(chunks)}.values())  # one chunk per id, the last given
        items = [chunks[j] for j in last]
        vectors = [embeddings[j] for j in last] if embeddings is not None else self.embed(items)
        with self._writing():
            if source_col.get(ids=[source.id], include=[])["ids"]:
                return
            self._write(chunk_col, source_col, source, items, vectors)

    def replace_source(self, source: Source, chunks: list[Chunk]) -> None:
        """Rewrite a source already in the store (a recording re-labelled by its speaker sidecar):
        the new chunks' vectors are computed first, then old chunks and record are replaced under
        the write lock."""
        chunk_col, source_col = self._open()
        items = [chunks[j] for j in {c.id: i for i, c in enumerate(chunks)}.values()]
        vectors = self.embed(items)
        with self._writing():
            source_col.delete(ids=[source.id])  # no record while the chunks change: a crash leaves it to be redone
            self._write(chunk_col, source_col, source, items, vectors)

    def _write(self, chunk_col: Any, source_col: Any, source: Source, items: list[Chunk], vectors: list[Any]) -> None:
        """Under the write lock: the source's chunks (any old ones removed first), then its record."""
        chunk_col.delete(where={"source_id": source.id})
        try:
            step = self._write_batch()
            for i in range(0, len(items), step):
                batch = items[i : i + step]
                chunk_col.upsert(  # (a concurrent writer to a server writes the same ids: one copy each)
                    ids=[c.id for c in batch],
                    embeddings=np.asarray(vectors[i : i + step], dtype=np.float32),
                    documents=[c.text for c in batch],
                    metadatas=[_chunk_metadata(c) for c in batch],
                )
            meta = {k: v for k, v in source.to_dict().items() if v is not None}
            source_col.upsert(ids=[source.id], documents=[source.path], metadatas=[meta], embeddings=[[1.0]])
        except Exception:
            self._drop_partial(chunk_col, source.id)
            raise

    def _write_batch(self) -> int:
        """Chunks per chromadb write: ``WRITE_BATCH``, or the client's limit when lower."""
        if self._max_batch is None:
            try:
                self._max_batch = int(self._client.get_max_batch_size())
            except Exception as exc:  # an older server without the call: chromadb's own default
                logger.debug("no max batch size from the store: %s", exc)
                self._max_batch = BATCH
        return max(1, min(WRITE_BATCH, self._max_batch))

    @staticmethod
    def _drop_partial(chunk_col: Any, source_id: str) -> None:
        """Best effort after a failed write: remove the chunks written so far (when even that fails,
        e.g. on a full disk, the next ingest of the source removes them before writing)."""
        try:
            chunk_col.delete(where={"source_id": source_id})
        except Exception as exc:  # the write's own error is the one to report
            logger.debug("could not remove partial chunks of %s: %s", source_id, exc)

    def forget(self, source_id: str) -> Source:
        """Remove a source and erase it from disk: its record, chunks and vectors, the store's log of
        them (see assistant/erasure.py), and every kept copy of the file. An unknown id is a bad input;
        an id whose removal was interrupted is finished."""
        self._open()
        source = self.get_source(source_id)
        if source is None:
            known = self.sources() + [_source_from(e) for e in self._journal().pending()]
            matches = list({s.id: s for s in known if s.id == source_id or (len(source_id) >= 6 and s.id.startswith(source_id))}.values())
            if len(matches) != 1:
                raise BadInputError(f"no source {source_id!r} in workspace {self.workspace!r}")
            source = matches[0]
        self._erase(source)
        return source

    def _journal(self) -> ForgetJournal:
        return ForgetJournal(self.settings.store_dir, self.workspace)

    def _erase(self, source: Source) -> None:
        """The removal, under the write lock, journalled so that an interrupted one is finished later."""
        chunk_col, source_col = self._open()
        journal = self._journal()
        with self._writing():
            journal.begin({k: v for k, v in source.to_dict().items() if v is not None})
            source_col.delete(ids=[source.id])
            chunk_col.delete(where={"source_id": source.id})
            purge_store([chunk_col, source_col], None if self.settings.store else self.settings.store_dir)
            library = self.settings.data_dir / LIBRARY_FOLDER / self.workspace
            remove_copies(self.settings.data_dir, library, source.id, source.path)
            journal.done(source.id)
        logger.info("erased source %s from workspace %r", source.id, self.workspace)

    def _finish_removals(self) -> None:
        """Complete the removals an earlier process began and did not finish (a crash, a SIGKILL)."""
        for entry in self._journal().pending():
            logger.warning("finishing the interrupted removal of source %s", entry.get("id"))
            self._erase(_source_from(entry))

    def chunk_collection(self) -> Any:
        """The workspace's raw Chroma collection of chunks (for benchmarks and maintenance)."""
        return self._open()[0]

    def count(self) -> int:
        chunk_col, _ = self._open()
        return int(chunk_col.count())

    def version(self) -> str:
        """A cheap stamp that changes whenever chunks or sources are added or forgotten:
        the chunk count and a hash of the source ids (caches of the workspace key on it)."""
        chunk_col, source_col = self._open()
        ids = sorted(source_col.get(include=[])["ids"])
        digest = hashlib.sha256("\n".join(ids).encode("utf-8")).hexdigest()[:16]
        return f"{int(chunk_col.count())}-{digest}"

    def chunks_of(self, source_id: str, limit: int | None = None) -> list[Chunk]:
        """The chunks of one source (at most ``limit``)."""
        chunk_col, _ = self._open()
        found = chunk_col.get(where={"source_id": source_id}, limit=limit, include=["documents", "metadatas"])
        return [chunk_from(t, m) for t, m in zip(found["documents"], found["metadatas"])]

    # -- search --------------------------------------------------------------------------------
    def search(self, query: str, k: int, where: dict[str, Any] | None = None) -> list[Hit]:
        """The ``k`` chunks nearest ``query`` (cosine), among those matching ``where``.

        A filter goes through the workspace's :class:`FilterIndex` (exact over the matching chunks,
        or an over-fetching unfiltered HNSW query when the filter matches many); a filter the index
        does not evaluate goes to Chroma."""
        chunk_col, _ = self._open()
        if k < 1:
            return []
        if where:  # (no chunk count here: chromadb's count takes ~6 ms at 100k chunks)
            index = self.filter_index()
            with index.lock:
                mask = index.select(where)
                if mask is not None:
                    return self._indexed_search(index, mask, query, k, len(index))
        total = chunk_col.count()
        if total == 0:
            return []
        found = chunk_col.query(
            query_embeddings=[np.asarray(self.embedder([query])[0], dtype=np.float32)],
            n_results=min(k, total),
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        return [
            Hit(chunk_from(text, meta), max(0.0, 1.0 - float(dist)))
            for text, meta, dist in zip(found["documents"][0], found["metadatas"][0], found["distances"][0])
        ]

    def filter_index(self) -> FilterIndex:
        """The workspace's filter index, first brought in step with the finished sources (those with a
        record): forgotten ones dropped, new ones loaded from Chroma a few thousand chunks at a time."""
        chunk_col, source_col = self._open()
        if self._index is None:
            self._index = FilterIndex()
        index = self._index
        wanted = set(source_col.get(include=[])["ids"])
        with index.lock:
            for source_id in index.source_ids - wanted:
                index.drop(source_id)
            missing = sorted(wanted - index.source_ids)
            if missing:
                found = source_col.get(ids=missing, include=["metadatas"])
                sizes = {i: int(m["chunks"]) for i, m in zip(found["ids"], found["metadatas"])}
                batch: list[str] = []
                for source_id in missing:
                    batch.append(source_id)
                    if sum(sizes.get(s, 0) for s in batch) >= LOAD_ROWS:
                        self._load_sources(index, batch)
                        batch = []
                if batch:
                    self._load_sources(index, batch)
        return index

    def _load_sources(self, index: FilterIndex, source_ids: list[str]) -> None:
        chunk_col, _ = self._open()
        found = chunk_col.get(where={"source_id": {"$in": source_ids}}, include=["embeddings", "metadatas"])
        rows: dict[str, list[int]] = {s: [] for s in source_ids}
        for n, meta in enumerate(found["metadatas"]):
            rows.setdefault(meta["source_id"], []).append(n)
        vectors = np.asarray(found["embeddings"], dtype=np.float32)
        if not found["ids"]:
            vectors = np.zeros((0, 0), dtype=np.float32)
        for source_id, picked in rows.items():
            index.add_block(
                source_id, [found["ids"][n] for n in picked], vectors[picked], [found["metadatas"][n] for n in picked]
            )

    def _indexed_search(self, index: FilterIndex, mask: np.ndarray, query: str, k: int, total: int) -> list[Hit]:
        matched = int(np.count_nonzero(mask))
        if matched == 0:
            return []
        target = np.asarray(self.embedder([query])[0], dtype=np.float32)
        best = self._overfetched(index, mask, target, k, total) if matched > EXACT_ROWS else None
        if best is None:
            best = index.nearest(target, k, mask)
        return self._hits(best)

    def _overfetched(self, index: FilterIndex, mask: np.ndarray, target: np.ndarray, k: int, total: int) -> list[tuple[str, float]] | None:
        """The first ``k`` matching chunks among the graph's unfiltered nearest (enough of them to hold
        about 4k matches), or None when too few match."""
        chunk_col, _ = self._open()
        share = np.count_nonzero(mask) / max(len(mask), 1)
        wanted = min(total, OVERFETCH_MAX, max(4 * k, int(np.ceil(4 * k / share))))
        found = chunk_col.query(query_embeddings=[target], n_results=wanted, include=["distances"])
        ids, dists = found["ids"][0], found["distances"][0]
        best = [(i, 1.0 - float(d)) for i, d, row in zip(ids, dists, index.rows_of(ids)) if row is not None and mask[row]]
        return best[:k] if len(best) >= k else None

    def _hits(self, best: list[tuple[str, float]]) -> list[Hit]:
        chunk_col, _ = self._open()
        got = chunk_col.get(ids=[i for i, _ in best], include=["documents", "metadatas"])
        by_id = {i: (t, m) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])}
        return [Hit(chunk_from(*by_id[i]), max(0.0, score)) for i, score in best if i in by_id]


def workspace_names(settings: Settings, client: Any = None) -> list[str]:
    """The workspaces that exist in the store (each has a source collection), sorted."""
    try:
        client = client if client is not None else make_client(settings)
        names = [getattr(c, "name", c) for c in client.list_collections()]
    except StoreError:
        raise
    except Exception as exc:  # chromadb's own errors
        raise store_error(exc, settings.store or settings.store_dir) from exc
    return sorted(n[len("ws-") : -len("-sources")] for n in names if n.startswith("ws-") and n.endswith("-sources"))
