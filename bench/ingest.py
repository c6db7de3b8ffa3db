"""Ingest benchmark: one PDF into a fresh workspace, timed by stage.

Stages: ``warm_up`` (importing pymupdf with its layout model, loading MiniLM; once per process),
``text`` (words, reading order, headings), ``tables`` (the table pre-check and pymupdf's finder,
in ``--workers`` processes), ``ocr`` (pages without a text layer), ``chunk``, ``embed`` (MiniLM)
and ``store`` (Chroma writes). ``total`` is the ingest itself, model loading excluded;
``total_with_warm_up`` is what a cold ``modalyst ingest`` of that one file costs. The steps are
those of ``assistant.ingest.ingest_file`` with the embedding timed apart from the writes.

    .venv/bin/python bench/ingest.py [PDF] [--workers 2] [--out bench/results/ingest.json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_PDF = ROOT.parent / "shared" / "eval" / "financebench" / "pdfs" / "ADOBE_2022_10K.pdf"


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the table finder's workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pdf", nargs="?", type=Path, default=DEFAULT_PDF)
    parser.add_argument("--workers", type=int, default=None, help="table finder processes (default: the product's)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ingest.json")
    args = parser.parse_args()
    if not args.pdf.is_file():
        parser.error(f"{args.pdf}: no such file")

    load = os.getloadavg()
    t0 = time.perf_counter()
    from assistant.chunking import block_chunks
    from assistant.documents import document_title
    from assistant.documents import pdf as pdf_module
    from assistant.embeddings import make_embedder
    from assistant.extract import file_hash
    from assistant.settings import Settings
    from assistant.store import ChromaStore
    from assistant.types import Source
    from tools.describe_image.ocr import make_ocr_reader

    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="bench-ingest-")), workspace="bench")
    embedder = make_embedder(settings)
    embedder.warm_up()
    store = ChromaStore(settings, embedder)
    store.count()  # opens the store
    warm_up = time.perf_counter() - t0

    workers = pdf_module.TABLE_WORKERS if args.workers is None else args.workers
    start, cpu0 = time.perf_counter(), cpu_seconds()
    source_id = file_hash(args.pdf)
    doc = pdf_module.read_pdf(
        args.pdf.resolve(), ocr_reader=lambda: make_ocr_reader(settings), max_pages=settings.max_pages, workers=workers
    )
    read_s = time.perf_counter() - start
    t = time.perf_counter()
    chunks = block_chunks(
        doc.blocks,
        path=str(args.pdf.resolve()),
        source_id=source_id,
        kind="pdf",
        max_chars=settings.chunk_chars,
        title=document_title(args.pdf, doc.title),
    )
    chunk_s = time.perf_counter() - t
    t = time.perf_counter()
    vectors = store.embed(chunks)
    embed_s = time.perf_counter() - t
    t = time.perf_counter()
    source = Source(
        id=source_id, path=str(args.pdf.resolve()), kind="pdf", chunks=len({c.id for c in chunks}), pages=doc.pages
    )
    store.add_source(source, chunks, vectors)
    store_s = time.perf_counter() - t
    total = time.perf_counter() - start
    cpu = cpu_seconds() - cpu0
    assert store.count() == source.chunks, f"{store.count()} chunks stored, {source.chunks} expected"

    stages = {
        "text": doc.timings["text"],
        "tables": doc.timings["tables"],
        "ocr": doc.timings["ocr"],
        "other_read": read_s - sum(doc.timings.values()),
        "chunk": chunk_s,
        "embed": embed_s,
        "store": store_s,
    }
    result = {
        "pdf": str(args.pdf),
        "pages": doc.pages,
        "table_pages_searched": doc.table_pages,
        "tables_found": sum(1 for b in doc.blocks if b.rows),
        "chunks": source.chunks,
        "workers": workers,
        "seconds": {k: round(v, 2) for k, v in stages.items()},
        "total": round(total, 2),
        "cpu_seconds": round(cpu, 1),  # with the workers': on an idle 2-core machine total >= cpu / 2
        "warm_up": round(warm_up, 2),
        "total_with_warm_up": round(total + warm_up, 2),
        "pages_per_s": round(doc.pages / total, 2),
        "embed_chunks_per_s": round(source.chunks / embed_s, 1) if embed_s else None,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "loadavg_start": [round(v, 2) for v in load],
        "loadavg_end": [round(v, 2) for v in os.getloadavg()],
    }
    print(f"{args.pdf.name}: {doc.pages} pages, {source.chunks} chunks, tables searched on {doc.table_pages} pages")
    print(f"{'stage':<12} {'seconds':>8}")
    for name, seconds in stages.items():
        print(f"{name:<12} {seconds:>8.2f}")
    print(f"{'total':<12} {total:>8.2f}   ({doc.pages / total:.2f} pages/s; warm-up {warm_up:.1f} s more; {cpu:.0f} CPU-s)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"wrote {args.out} (load average at start {load[0]:.1f}, end {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
