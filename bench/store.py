"""Store benchmark: add throughput, query latency (with and without a metadata filter), recall and
peak memory at 10k / 100k / 1M chunks of 384-dim vectors, plus the embedded model's throughput.

Vectors are random unit vectors (precomputed, so the add figure is the store alone); metadata
follows the product's chunk schema (``source_id``, ``kind``, ``path``, ``page``, ``context``)
plus ``company``, ``period``, ``doc_type`` and ``modality``; each chunk has ~100 words of text.
Chunks are written by the product's ``ChromaStore.add_source(source, chunks, embeddings)``, one
call per source of ``SOURCE_CHUNKS`` chunks (``--batch`` sets another source size): the write
lock, the check for a finished source, the removal of partial leftovers, the chunk upserts and
the source record are all timed (``add_per_s``; ``add_cpu_seconds`` is the process's CPU time
over the same calls, all threads, steadier than wall time on a shared machine); building the
``Chunk`` objects is not. The four
filter keys the product does not write yet are added to each chunk's metadata.
Each size runs in a fresh child process in a fresh store folder, so peak RSS is per size. After
the adds, each filter is timed through ``ChromaStore.search`` (the product's path: its filter index, loaded
on the first filtered search and timed apart as ``filter_index_load_seconds``), with recall@10
against the exact top-k of the chunks the filter matches; Chroma's own filtered query on the same
filter is timed beside it on ``--raw-queries`` queries (``chroma_p50_ms``, ``chroma_recall@10``).
``--hnsw`` overrides the chunk collection's HNSW settings (``CHUNK_HNSW``); ``--baseline-hnsw``
runs each size a second time with other settings (adds and unfiltered queries only) for a ratio
taken under the same load.

Queries are unit vectors near stored ones (a stored vector plus noise, as a real question lands
near its answer); latency is one ``collection.query`` (k=10, documents + metadatas + distances,
what ``ChromaStore.search`` asks for) with the embedding excluded. For the unfiltered query,
recall@10 against exact search over every vector added, and how often the exact nearest vector
is among the 10 returned (random vectors are a hard case for HNSW: the other 9 neighbours are
almost as far as the rest, so recall@10 is lower than with real embeddings).

    .venv/bin/python bench/store.py [--sizes 10000,100000,1000000] [--queries 200] [--batch 400]
                                    [--raw-queries 20] [--embed-chunks 256] [--out bench/results/store.json]
                                    [--hnsw JSON] [--baseline-hnsw JSON]
    .venv/bin/python bench/store.py --index-only --sizes 1000000   # the filter index alone (no Chroma)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DIM = 384
K = 10
SOURCE_CHUNKS = 400  # chunks per source: about one 10-K
COMPANIES = 100  # a company filter selects ~1%
DOC_TYPES = ("10-K",) * 3 + ("10-Q",) * 4 + ("8-K", "earnings-call", "slides")  # "8-K" selects ~10%
MODALITY = {"10-K": "pdf", "10-Q": "pdf", "8-K": "pdf", "earnings-call": "transcript", "slides": "image"}
WORDS = (
    "revenue operating income margin fiscal quarter year increased decreased compared primarily due "
    "growth subscription digital media experience cost of revenue research development sales marketing "
    "general administrative net income per share diluted cash flows operations investing financing "
    "million billion percent segment customers demand pricing guidance outlook risk factors liquidity"
).split()
NOISE = 0.35  # query = stored vector + this much Gaussian noise (per unit norm), renormalised


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def vectors(start: int, stop: int, seed: int = 0) -> np.ndarray:
    """The same unit vectors for the same positions, whatever the batch size."""
    out = np.empty((stop - start, DIM), dtype=np.float32)
    for block in range(start // 1000, (stop - 1) // 1000 + 1):
        rows = unit(np.random.default_rng((seed, block)).standard_normal((1000, DIM), dtype=np.float32))
        lo, hi = max(start, block * 1000), min(stop, block * 1000 + 1000)
        out[lo - start : hi - start] = rows[lo - block * 1000 : hi - block * 1000]
    return out


def chunk_text(i: int) -> str:
    rng = np.random.default_rng(i)
    return " ".join(WORDS[j] for j in rng.integers(0, len(WORDS), 100))


def metadata(i: int) -> dict[str, Any]:
    source = i // SOURCE_CHUNKS
    mix = (source * 2654435761) % 2**32  # spreads doc types and years evenly over companies
    company = f"Company {source % COMPANIES:03d}"
    doc_type = DOC_TYPES[(mix >> 8) % len(DOC_TYPES)]
    year = 2015 + (mix >> 16) % 10
    page = (i % SOURCE_CHUNKS) // 4 + 1
    return {
        "source_id": f"{source:016x}",
        "kind": MODALITY[doc_type],
        "path": f"/data/filings/{company.replace(' ', '_')}_{year}_{doc_type}.pdf",
        "page": page,
        "context": f"{company} {year} {doc_type} › Item 7 › page {page}",
        "company": company,
        "period": f"FY{year}",
        "doc_type": doc_type,
        "modality": MODALITY[doc_type],
    }


def filters(size: int) -> dict[str, dict[str, Any]]:
    """Filters with the share of chunks each selects at this size."""
    middle = metadata(size // 2)
    return {
        "company (~1%)": {"company": middle["company"]},
        "doc_type (~10%)": {"doc_type": "8-K"},
        "one source": {"source_id": middle["source_id"]},
        "company and period": {"$and": [{"company": middle["company"]}, {"period": middle["period"]}]},
    }


def open_store(folder: Path, hnsw: dict[str, Any]) -> Any:
    """A fresh workspace's ``ChromaStore``, its chunk collection configured as the product's (with
    ``hnsw`` over ``CHUNK_HNSW``), writing the bench's filter keys beside the product's metadata."""
    from assistant import store as store_module
    from assistant.settings import Settings
    from assistant.store import ChromaStore

    if hnsw:
        store_module.CHUNK_HNSW = {**store_module.CHUNK_HNSW, **hnsw}
    product_metadata = store_module._chunk_metadata
    store_module._chunk_metadata = lambda chunk: {**product_metadata(chunk), **filter_keys(int(chunk.source_id, 16))}
    return ChromaStore(Settings(data_dir=folder, workspace="bench"), embedder=None)


def filter_keys(source: int) -> dict[str, Any]:
    """The metadata keys the bench filters on that the product's chunks do not carry yet."""
    meta = metadata(source * SOURCE_CHUNKS)
    return {key: meta[key] for key in ("company", "period", "doc_type", "modality")}


def source_of(first: int, stop: int, texts: list[str]) -> tuple[Any, list[Any]]:
    """The source record and chunks of positions ``first:stop`` (one source), as ingest builds them."""
    from assistant.types import Chunk, Locator, Source

    metas = [metadata(i) for i in range(first, stop)]
    chunks = [
        Chunk(texts[i % len(texts)], Locator(m["path"], page=m["page"]), m["source_id"], m["kind"], context=m["context"])
        for i, m in zip(range(first, stop), metas)
    ]
    return Source(metas[0]["source_id"], metas[0]["path"], metas[0]["kind"], len(chunks)), chunks


class ExactTopK:
    """Running exact top-k (cosine) of fixed queries over the vectors added so far."""

    def __init__(self, queries: np.ndarray) -> None:
        self.queries = queries
        self.scores = np.full((len(queries), K), -np.inf, dtype=np.float32)
        self.ids = np.full((len(queries), K), -1, dtype=np.int64)

    def see(self, start: int, rows: np.ndarray, positions: np.ndarray | None = None) -> None:
        """Take in ``rows`` (at positions ``start``, ``start + 1``, ... unless ``positions`` are given)."""
        positions = np.arange(start, start + len(rows)) if positions is None else positions
        sims = self.queries @ rows.T
        all_scores = np.concatenate([self.scores, sims], axis=1)
        all_ids = np.concatenate([self.ids, np.broadcast_to(positions, sims.shape)], axis=1)
        top = np.argsort(-all_scores, axis=1)[:, :K]
        self.scores = np.take_along_axis(all_scores, top, axis=1)
        self.ids = np.take_along_axis(all_ids, top, axis=1)


def timed_queries(collection: Any, queries: np.ndarray, where: dict[str, Any] | None, position: dict[str, int]) -> dict[str, Any]:
    include = ["documents", "metadatas", "distances"]
    collection.query(query_embeddings=[queries[0]], n_results=K, where=where, include=include)  # warm
    times, found, counts = [], [], []
    cpu0 = _cpu()
    for q in queries:
        t0 = time.perf_counter()
        out = collection.query(query_embeddings=[q], n_results=K, where=where, include=include)
        times.append((time.perf_counter() - t0) * 1000)
        found.append([position[i] for i in out["ids"][0]])
        counts.append(len(out["ids"][0]))
    cpu = (_cpu() - cpu0) / len(queries) * 1000
    times.sort()
    return {
        "p50_ms": round(float(np.percentile(times, 50)), 2),
        "p95_ms": round(float(np.percentile(times, 95)), 2),
        "mean_ms": round(statistics.fmean(times), 2),
        "cpu_ms_per_query": round(cpu, 2),
        "results_min": min(counts),
        "_found": found,
    }


def recall(found: list[list[int]], exact_ids: np.ndarray) -> float:
    """Mean share of the exact top-k (ids >= 0) among the ids found."""
    shares = [len(set(f) & {int(e) for e in row if e >= 0}) / max(1, int(np.count_nonzero(row >= 0))) for f, row in zip(found, exact_ids)]
    return round(statistics.fmean(shares), 3)


def timed_searches(store: Any, n_queries: int, where: dict[str, Any], position: dict[str, int]) -> dict[str, Any]:
    """``ChromaStore.search`` (k=10) under ``where``, query ``i``'s text mapping to its vector."""
    store.search("q0", K, where=where)  # warm
    times, found, cpu0 = [], [], _cpu()
    hits_of = type(store)._hits  # records the Chroma ids each search returns (a Hit carries the chunk, not its id)
    store._hits = lambda best: (found[-1].extend(position[i] for i, _ in best), hits_of(store, best))[1]
    for i in range(n_queries):
        found.append([])  # (stays empty when the filter matches nothing)
        t0 = time.perf_counter()
        store.search(f"q{i}", K, where=where)
        times.append((time.perf_counter() - t0) * 1000)
    del store._hits
    return {
        "p50_ms": round(float(np.percentile(times, 50)), 2),
        "p95_ms": round(float(np.percentile(times, 95)), 2),
        "mean_ms": round(statistics.fmean(times), 2),
        "cpu_ms_per_query": round((_cpu() - cpu0) / n_queries * 1000, 2),
        "results_min": min(len(f) for f in found),
        "_found": found,
    }


class FilteredTopK(ExactTopK):
    matched = 0


def filtered_exact_top_k(size: int, queries: np.ndarray) -> dict[str, FilteredTopK]:
    """Each filter's exact top-k over the chunks it matches (matched by ``retrieval.matches_where``)."""
    from assistant.retrieval import matches_where

    wheres = filters(size)
    tops = {name: FilteredTopK(queries) for name in wheres}
    for start in range(0, size, 50_000):
        stop = min(size, start + 50_000)
        metas = [metadata(i) for i in range(start, stop)]
        rows = vectors(start, stop)
        for name, where in wheres.items():
            keep = np.fromiter((matches_where(m, where) for m in metas), dtype=bool, count=len(metas))
            tops[name].matched += int(keep.sum())
            if keep.any():
                tops[name].see(start, rows[keep], np.flatnonzero(keep) + start)
    return tops


def run_level(size: int, n_queries: int, hnsw: dict[str, Any], documents: bool, raw_queries: int, filtered: bool = True) -> dict[str, Any]:
    """Adds ``size`` chunks through ``add_source``, then times queries (unfiltered only unless ``filtered``)."""
    folder = Path(tempfile.mkdtemp(prefix=f"bench-store-{size}-"))
    try:
        store = open_store(folder, hnsw)
        collection = store.chunk_collection()
        config = collection.configuration_json.get("hnsw") or {}
        rng = np.random.default_rng(12345)
        picks = rng.integers(0, size, n_queries)
        queries = np.stack([vectors(int(p), int(p) + 1)[0] for p in picks])
        queries = unit(queries + NOISE / np.sqrt(DIM) * rng.standard_normal(queries.shape).astype(np.float32))
        exact = ExactTopK(queries)
        # ~100 words each, reused (the text does not change the index); chunk ids hash the text, so
        # with --no-documents the stored text is one character
        texts = [chunk_text(i) for i in range(64)] if documents else [chr(0x4E00 + i) for i in range(64)]
        position: dict[str, int] = {}  # chunk id -> position (the bench's vectors and metadata)
        add_s, prep_s, add_cpu = 0.0, 0.0, 0.0
        for start in range(0, size, SOURCE_CHUNKS):
            stop = min(size, start + SOURCE_CHUNKS)
            t0 = time.perf_counter()
            rows = vectors(start, stop)
            source, chunks = source_of(start, stop, texts)
            position.update((c.id, i) for i, c in zip(range(start, stop), chunks))
            exact.see(start, rows)
            t1, cpu1 = time.perf_counter(), _cpu()
            store.add_source(source, chunks, rows)
            add_s += time.perf_counter() - t1
            add_cpu += _cpu() - cpu1
            prep_s += t1 - t0
            if (start // SOURCE_CHUNKS) % max(1, size // SOURCE_CHUNKS // 10) == 0:
                print(f"  {size}: {stop} added, {stop / max(add_s, 1e-9):.0f}/s", file=sys.stderr, flush=True)
        assert collection.count() == size, f"the collection holds {collection.count()} chunks, not {size}"
        result: dict[str, Any] = {
            "size": size,
            "hnsw": {k: config.get(k) for k in ("ef_construction", "max_neighbors", "ef_search", "batch_size", "sync_threshold")},
            "add_per_s": round(size / add_s, 1),
            "add_seconds": round(add_s, 1),
            "add_cpu_seconds": round(add_cpu, 1),
            "prepare_seconds": round(prep_s, 1),
            "queries": {},
        }
        plain = timed_queries(collection, queries, None, position)
        found = plain.pop("_found")
        plain["recall@10"] = recall(found, exact.ids)
        plain["nearest_found"] = round(statistics.fmean(int(e[0]) in f for f, e in zip(found, exact.ids)), 3)
        result["queries"]["no filter"] = plain
        result["peak_rss_mib"] = round(peak_rss_mib(), 1)
        if not filtered:
            return result
        exact_filtered = filtered_exact_top_k(size, queries)
        # The product's search (ChromaStore.search): the filter index (loaded on the first filtered
        # search, timed apart) scores few matches exactly and over-fetches from the graph for many.
        store.embedder = lambda texts: [queries[int(t[1:])] for t in texts]
        t0 = time.perf_counter()
        store.search("q0", K, where=filters(size)["one source"])
        result["filter_index_load_seconds"] = round(time.perf_counter() - t0, 2)
        for name, where in filters(size).items():
            stats = timed_searches(store, len(queries), where, position)
            stats["recall@10"] = recall(stats.pop("_found"), exact_filtered[name].ids)
            raw = timed_queries(collection, queries[:raw_queries], where, position)
            stats["selectivity"] = round(exact_filtered[name].matched / size, 5)
            stats["chroma_p50_ms"], stats["chroma_p95_ms"] = raw["p50_ms"], raw["p95_ms"]
            stats["chroma_recall@10"] = recall(raw["_found"], exact_filtered[name].ids[:raw_queries])
            result["queries"][name] = stats
        result["store_mib"] = round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20, 1)
        result["peak_rss_mib"] = round(peak_rss_mib(), 1)
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def index_level(size: int, n_queries: int) -> dict[str, Any]:
    """The in-memory part of filtered search at ``size`` chunks without Chroma (adds of 1M chunks take
    most of an hour on 2 cores): the filter index built from the same vectors and metadata, each
    filter's mask plus exact scoring (or the mask alone where the product over-fetches from HNSW),
    recall@10 of the exact scoring against the filtered exact top-k."""
    from assistant.filter_index import FilterIndex
    from assistant.store import EXACT_ROWS

    index = FilterIndex()
    t0 = time.perf_counter()
    for first in range(0, size, SOURCE_CHUNKS):
        stop = min(size, first + SOURCE_CHUNKS)
        metas = [metadata(i) for i in range(first, stop)]
        index.add_block(metas[0]["source_id"], [f"c-{i}" for i in range(first, stop)], vectors(first, stop), metas)
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    index.select({"kind": "pdf"})  # the first select compiles the index
    result: dict[str, Any] = {"size": size, "build_seconds": round(build, 1), "compile_seconds": round(time.perf_counter() - t0, 2), "queries": {}}
    rng = np.random.default_rng(12345)
    picks = rng.integers(0, size, n_queries)
    queries = np.stack([vectors(int(p), int(p) + 1)[0] for p in picks])
    queries = unit(queries + NOISE / np.sqrt(DIM) * rng.standard_normal(queries.shape).astype(np.float32))
    exact = filtered_exact_top_k(size, queries)
    for name, where in filters(size).items():
        times, found = [], []
        for q in queries:
            t = time.perf_counter()
            mask = index.select(where)
            best = index.nearest(q, K, mask) if np.count_nonzero(mask) <= EXACT_ROWS else []
            times.append((time.perf_counter() - t) * 1000)
            found.append([int(i[2:]) for i, _ in best])
        result["queries"][name] = {
            "p50_ms": round(float(np.percentile(times, 50)), 2),
            "p95_ms": round(float(np.percentile(times, 95)), 2),
            "selectivity": round(exact[name].matched / size, 5),
            "path": "exact" if exact[name].matched <= EXACT_ROWS else "mask only (HNSW over-fetch not timed)",
            "recall@10": recall(found, exact[name].ids) if found[0] else None,
        }
    result["peak_rss_mib"] = round(peak_rss_mib(), 1)
    return result


def embedding_throughput(n: int) -> dict[str, Any]:
    """Chunks/s of the embedded MiniLM on ~100-word chunks, as ``ChromaStore`` calls it (warm model)."""
    from assistant.embeddings import MiniLMEmbedding

    embedder = MiniLMEmbedding()
    embedder.warm_up()
    texts = [f"ADOBE 2022 10-K › Item 7 › page {i % 90 + 1}\n{chunk_text(10_000 + i)}" for i in range(n)]
    embedder(texts[:32])
    t0, cpu0 = time.perf_counter(), _cpu()
    out = embedder(texts)
    seconds, cpu = time.perf_counter() - t0, _cpu() - cpu0
    assert len(out) == n and len(out[0]) == DIM
    return {
        "chunks": n,
        "words_per_chunk": 100,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "chunks_per_s": round(n / seconds, 1),
        "torch_threads": __import__("torch").get_num_threads(),
    }


def print_table(levels: list[dict[str, Any]], embed: dict[str, Any] | None) -> None:
    print(f"\n{'chunks':>9} {'add/s':>8} {'query':<20} {'p50 ms':>8} {'p95 ms':>8} {'cpu ms':>7} {'select':>8} {'recall':>7} {'chroma p50':>10} {'RSS MiB':>8}")  # recall@10; Chroma's own filtered query
    for lv in levels:
        hnsw = lv.get("hnsw") or {}
        print(f"{'baseline ' if lv.get('baseline') else ''}HNSW ef_construction {hnsw.get('ef_construction')}, max_neighbors {hnsw.get('max_neighbors')}, "
              f"ef_search {hnsw.get('ef_search')}, sync_threshold {hnsw.get('sync_threshold')}: add {lv['add_cpu_seconds']} CPU s")
        first = True
        for name, q in lv["queries"].items():
            print(
                f"{lv['size'] if first else '':>9} {lv['add_per_s'] if first else '':>8} {name[:20]:<20} {q['p50_ms']:>8} "
                f"{q['p95_ms']:>8} {q['cpu_ms_per_query']:>7} {q.get('selectivity', 1.0):>8} "
                f"{q.get('recall@10', ''):>7} {q.get('chroma_p50_ms', ''):>10} {lv['peak_rss_mib'] if first else '':>8}"
            )
            first = False
    if embed:
        print(f"\nembedding (MiniLM, {embed['words_per_chunk']} words/chunk): {embed['chunks_per_s']} chunks/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated chunk counts")
    parser.add_argument("--queries", type=int, default=200, help="queries per condition")
    parser.add_argument("--batch", type=int, default=SOURCE_CHUNKS, help="chunks per source, i.e. per add_source call (default: about one 10-K)")
    parser.add_argument("--hnsw", default="", help='HNSW settings over CHUNK_HNSW as JSON, e.g. \'{"ef_construction": 64}\'')
    parser.add_argument("--baseline-hnsw", default="", help="HNSW settings (JSON, over CHUNK_HNSW) to run each size with a second time: adds and unfiltered queries only")
    parser.add_argument("--raw-queries", type=int, default=20, help="queries per filter through Chroma's own filtered search (slow at 1M)")
    parser.add_argument("--no-documents", action="store_true", help="one-character chunk texts instead of ~100 words")
    parser.add_argument("--embed-chunks", type=int, default=256, help="chunks to embed (0: skip)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "store.json")
    parser.add_argument("--index-only", action="store_true", help="time only the in-memory filter index (no Chroma): see index_level")
    parser.add_argument("--level", type=int, help=argparse.SUPPRESS)  # internal: run one size, print JSON
    parser.add_argument("--add-only", action="store_true", help=argparse.SUPPRESS)  # internal: no filtered queries
    args = parser.parse_args()
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        hnsw = json.loads(args.hnsw) if args.hnsw else {}
        baseline = json.loads(args.baseline_hnsw) if args.baseline_hnsw else None
    except ValueError as exc:
        parser.error(f"bad --sizes, --hnsw or --baseline-hnsw: {exc}")
    if any(s < 1000 for s in sizes) or not 1 <= args.batch <= 100_000 or args.queries < 1:
        parser.error("sizes must be >= 1000, --batch in 1..100000, --queries >= 1")
    globals()["SOURCE_CHUNKS"] = args.batch  # the source size metadata() and the filters follow
    if args.index_only:
        for size in sizes:
            print(json.dumps(index_level(size, args.queries), indent=1), flush=True)
        return
    if args.level:
        print(json.dumps(run_level(args.level, args.queries, hnsw, not args.no_documents, args.raw_queries, not args.add_only)))
        return

    load = os.getloadavg()
    levels = []
    runs = [(size, hnsw, False) for size in sizes]
    if baseline is not None:  # each size with the baseline settings right after it, under the same load
        runs = [run for size in sizes for run in ((size, hnsw, False), (size, baseline, True))]
    for size, settings, is_baseline in runs:
        print(f"size {size}{' (baseline HNSW)' if is_baseline else ''} ...", file=sys.stderr, flush=True)
        cmd = [sys.executable, __file__, "--level", str(size), "--queries", str(args.queries), "--batch", str(args.batch)]
        cmd += ["--hnsw", json.dumps(settings), "--raw-queries", str(args.raw_queries)] + (["--no-documents"] if args.no_documents else [])
        cmd += ["--add-only"] if is_baseline else []
        t0 = time.perf_counter()
        out = subprocess.run(cmd, stdout=subprocess.PIPE, check=True, text=True).stdout
        level = json.loads(out.strip().splitlines()[-1])
        level["wall_seconds"] = round(time.perf_counter() - t0, 1)
        level["baseline"] = is_baseline
        levels.append(level)
        write(args, levels, None, hnsw, load)  # a long run keeps what it has measured
    embed = embedding_throughput(args.embed_chunks) if args.embed_chunks else None
    print_table(levels, embed)
    write(args, levels, embed, hnsw, load)
    print(f"\nwrote {args.out} (load average at start {load[0]:.1f}, end {os.getloadavg()[0]:.1f})")


def write(args: argparse.Namespace, levels: list[dict[str, Any]], embed: dict[str, Any] | None, hnsw: dict[str, Any], load: tuple[float, ...]) -> None:
    import chromadb

    result = {
        "levels": levels,
        "embedding": embed,
        "config": {
            "source_chunks": args.batch,
            "hnsw": hnsw,
            "baseline_hnsw": json.loads(args.baseline_hnsw) if args.baseline_hnsw else None,
            "documents": not args.no_documents,
            "queries": args.queries,
            "k": K,
            "api": "ChromaStore.add_source (adds), chromadb collection.query and ChromaStore.search (queries) on an embedded PersistentClient",
        },
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "chromadb": chromadb.__version__,
            "loadavg_start": [round(v, 2) for v in load],
            "loadavg_end": [round(v, 2) for v in os.getloadavg()],
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
