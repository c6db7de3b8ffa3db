"""Answer latency on a warm workspace of 10k chunks: median time from question to full answer.

Builds once (and reuses) a workspace of at least ``--chunks`` chunks of real text from
``../shared/eval``: TAT-QA tables and paragraphs, PubMedQA abstracts (contexts only), ECTSum
earnings-call transcripts and the FinanceBench filings' page text (PyMuPDF, cut with the project's
chunker), embedded with the configured embedder (the embedded MiniLM by default), under
``bench/results/answer-data-<embedder>-<chunk chars>`` (500-character chunks by default:
at the default 1200 the material makes only ~6k chunks). Then it asks one warm-up question and ``--questions`` timed
questions (TAT-QA and PubMedQA questions, alternating) through ``Assistant.ask`` and reports the
median and p95 of the wall time per question and of each stage (retrieve / answer / verify), as a
table and as ``bench/results/answer.json``. Exit status 1 when the median misses ``--target``.

    .venv/bin/python bench/answer.py                 # 10k chunks, 30 questions
    .venv/bin/python bench/answer.py --profile       # plus a cProfile of the timed asks (answer-profile.txt)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.chunking import split_text  # noqa: E402
from assistant.evaluation import pubmedqa, tatqa  # noqa: E402
from assistant.orchestrator import Assistant  # noqa: E402
from assistant.settings import load_settings  # noqa: E402
from assistant.types import Chunk, Locator, Source, Turn  # noqa: E402

EVAL = REPO.parent / "shared" / "eval"
RESULTS = REPO / "bench" / "results"
WORKSPACE = "bench-answer"
TARGET_S = 1.5


def _source(path: str, kind: str, texts: list[str], locators: list[Locator]) -> tuple[Source, list[Chunk]]:
    source_id = hashlib.sha256(json.dumps([path, texts]).encode("utf-8")).hexdigest()[:16]
    chunks = [Chunk(text=t, locator=loc, source_id=source_id, kind="text") for t, loc in zip(texts, locators) if t.strip()]
    return Source(id=source_id, path=path, kind=kind, chunks=len({c.id for c in chunks})), chunks


def corpus(max_chars: int) -> Iterator[tuple[Source, list[Chunk]]]:
    """Sources of real text from the shared eval folder, in a fixed order."""
    for item in tatqa.read_items(EVAL / "tatqa"):
        yield tatqa.item_source(item, max_chars)
    for item in pubmedqa.read_items(EVAL / "pubmedqa"):
        yield pubmedqa.item_source(item)
    for path in sorted((EVAL / "ectsum" / "transcripts").glob("*.txt")):
        pieces = split_text(path.read_text(encoding="utf-8", errors="replace"), max_chars)
        yield _source(str(path), "text", pieces, [Locator(path=str(path))] * len(pieces))
    import pymupdf

    for path in sorted((EVAL / "financebench" / "pdfs").glob("*.pdf")):
        texts, locators = [], []
        with pymupdf.open(path) as document:
            for number, page in enumerate(document, start=1):
                for piece in split_text(page.get_text(), max_chars):
                    texts.append(piece)
                    locators.append(Locator(path=str(path), page=number))
        yield _source(str(path), "pdf", texts, locators)


def build(bot: Assistant, target: int) -> tuple[int, float]:
    """Add sources until the workspace holds ``target`` chunks; returns (chunks, seconds spent)."""
    store = bot.store
    started = time.perf_counter()
    present = {s.id for s in store.sources()}
    total = store.count()
    for source, chunks in corpus(bot.settings.chunk_chars):
        if total >= target:
            break
        if source.id in present:
            continue
        store.add_source(source, chunks)
        total += source.chunks
        print(f"\r  building: {total} chunks", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return store.count(), time.perf_counter() - started


def questions(n: int) -> list[str]:
    """TAT-QA and PubMedQA questions, alternating, from the start of each file."""
    tat = [q["question"] for item in tatqa.read_items(EVAL / "tatqa") for q in item["questions"]][::7]
    pub = [item.question for item in pubmedqa.read_items(EVAL / "pubmedqa")][::7]
    mixed = [q for pair in zip(tat, pub) for q in pair]
    return mixed[:n]


def _quantiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median": round(statistics.median(ordered), 1), "p95": round(p95, 1), "max": round(ordered[-1], 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000, help="workspace size to build (chunks)")
    parser.add_argument(
        "--chunk-chars", type=int, default=500, help="chunk size for transcripts and filings (the eval material has ~6k chunks at 1200)"
    )
    parser.add_argument("--questions", type=int, default=30, help="timed questions")
    parser.add_argument(
        "--embedder", default=None, help="embedder backend (default: settings, the embedded MiniLM; 'fake' skips the model)"
    )
    parser.add_argument("--target", type=float, default=TARGET_S, help="median target, seconds")
    parser.add_argument("--profile", action="store_true", help="profile the timed asks (cProfile, top functions)")
    args = parser.parse_args()
    if not (EVAL / "tatqa").is_dir():
        print(f"{EVAL} is absent: the bench needs the shared eval material", file=sys.stderr)
        return 2
    overrides = {"embedder": args.embedder} if args.embedder else {}
    settings = load_settings({"workspace": WORKSPACE, **overrides})
    # one data folder per embedder: a workspace keeps the embedding function it was built with
    settings = settings.model_copy(
        update={"data_dir": RESULTS / f"answer-data-{settings.embedder}-{args.chunk_chars}", "chunk_chars": args.chunk_chars}
    )
    bot = Assistant(settings)
    chunks, build_s = build(bot, args.chunks)
    if chunks < args.chunks:
        print(f"note: the material gave only {chunks} chunks (< {args.chunks}); lower --chunk-chars for more", file=sys.stderr)
    asked = questions(args.questions + 1)
    started = time.perf_counter()
    bot.ask(Turn(text=asked[0]))  # warm-up: loads the embedder, builds the lexical index
    warm_up_s = time.perf_counter() - started
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    totals: list[float] = []
    stages: dict[str, list[float]] = {}
    for question in asked[1:]:
        t0 = time.perf_counter()
        answer = bot.ask(Turn(text=question))
        totals.append((time.perf_counter() - t0) * 1000)
        for stage, ms in answer.timings.items():
            stages.setdefault(stage, []).append(ms)
    if profiler is not None:
        import io
        import pstats

        profiler.disable()
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(40)
        (RESULTS / "answer-profile.txt").write_text(buffer.getvalue(), encoding="utf-8")
    report = {
        "chunks": chunks,
        "questions": len(totals),
        "embedder": settings.embedder,
        "answerer": settings.answerer,
        "chunk_chars": args.chunk_chars,
        "build_s": round(build_s, 1),
        "warm_up_s": round(warm_up_s, 2),
        "total_ms": _quantiles(totals),
        "stage_ms": {stage: _quantiles(values) for stage, values in stages.items()},
        "target_median_s": args.target,
        "met": statistics.median(totals) / 1000 <= args.target,
        "note": "timed under whatever load the machine had; rerun alone for final figures",
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "answer.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"workspace {chunks} chunks (built/checked in {build_s:.0f} s), {len(totals)} warm questions, warm-up {warm_up_s:.1f} s")
    print(f"{'stage':10} {'median ms':>10} {'p95 ms':>10} {'max ms':>10}")
    for name, q in [("total", report["total_ms"]), *report["stage_ms"].items()]:
        print(f"{name:10} {q['median']:10.1f} {q['p95']:10.1f} {q['max']:10.1f}")
    print(f"median {report['total_ms']['median'] / 1000:.2f} s vs target {args.target} s: {'met' if report['met'] else 'MISSED'}")
    return 0 if report["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
