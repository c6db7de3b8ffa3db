"""Time from pressing Enter to the first answer on screen, in a real browser, on a warm 10k-chunk
workspace with the embedded backends (issue 7's target: at most 3 s; reported, not asserted).

Builds the workspace once and caches it under ``bench/results/ui-latency-data/`` (the samples
plus synthetic company filings: distinct ~400-character passages embedded with the real MiniLM
model, ingested through ``Assistant.ingest``), starts ``modalyst ui`` on it, asks one question to
warm up (models loaded, lexical index built; reported as the cold figure), then asks
``--questions`` text questions and reports the time until the answer text, and until its first
citation chip, is on screen. Prints a table; writes ``bench/results/ui_latency.json`` and a
screenshot to ``test-artifacts/ui-latency.png``.

    .venv/bin/python bench/ui_latency.py                 # builds the workspace on the first run
    .venv/bin/python bench/ui_latency.py --rebuild       # rebuild it
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from uidriver import ask_and_time, browser_tab, running_ui  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
CACHE = RESULTS / "ui-latency-data"
ARTIFACTS = REPO / "test-artifacts"
WORKSPACE = "latency10k"
SAMPLES = [REPO / "samples" / n for n in ("northwind_q1_2026_report.pdf", "revenue_chart.png", "q1_call.flac")]
PARAGRAPHS_PER_DOC = 250
BUILD_CHUNK_CHARS = 400  # one synthetic paragraph per chunk
TARGET_S = 3.0
GENERATOR_VERSION = 1
QUESTIONS = [
    "What was the operating margin in Q1 2026?",
    "What did the CFO say about gross margin?",
    "How much free cash flow did Northwind generate in the quarter?",
    "Which quarter had the highest revenue in the chart?",
    "What are the main risk factors for Northwind?",
    "What revenue growth does Northwind expect for the full year?",
    "How much was returned to shareholders through buybacks?",
    "What were research and development expenses?",
]

_SYLLABLES = ["al", "bor", "cen", "dra", "el", "fin", "gor", "hal", "ix", "jun", "kel", "lum", "mar", "nor", "ost", "pra", "quin", "ros", "sel", "tor", "ul", "ver", "wen", "xan", "yor", "zed"]
_METRICS = ["revenue", "operating income", "net income", "free cash flow", "gross profit", "capital expenditure", "EBITDA", "order backlog"]
_SEGMENTS = ["industrial", "consumer", "healthcare", "software", "services", "logistics", "energy", "semiconductor", "retail", "aerospace"]
_DRIVERS = ["higher volumes", "pricing actions", "a weaker currency", "lower freight costs", "new contracts", "cost reductions", "an acquisition", "inventory destocking"]
_ROLES = ["chief executive", "chief financial officer", "head of investor relations", "segment president", "treasurer"]
_NAMES = ["Avery", "Blake", "Casey", "Devon", "Emery", "Finley", "Harper", "Jordan", "Kendall", "Logan", "Morgan", "Parker", "Quinn", "Riley", "Sawyer", "Taylor"]


def company(rng: random.Random) -> str:
    return ("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))).capitalize() + rng.choice([" Holdings", " Systems", " Group", " Industries", " Labs", " Partners"])


def paragraph(rng: random.Random, name: str, index: int) -> str:
    """One distinct ~400-character passage of a synthetic filing."""
    year = rng.randint(2014, 2025)
    quarter = rng.randint(1, 4)
    metric, segment = rng.choice(_METRICS), rng.choice(_SEGMENTS)
    value, change = rng.randint(12, 9800), rng.uniform(-25, 40)
    person = f"{rng.choice(_NAMES)} {rng.choice(_SYLLABLES).capitalize()}{rng.choice(_SYLLABLES)}"
    direction = "up" if change >= 0 else "down"
    return (
        f"Note {index}. {name} reported {metric} of ${value:,} million in Q{quarter} {year}, {direction} {abs(change):.1f}% "
        f"from a year earlier. The {segment} segment contributed ${rng.randint(5, value):,} million, helped by "
        f"{rng.choice(_DRIVERS)}. {person}, the {rng.choice(_ROLES)}, said the company expects {segment} demand to "
        f"{rng.choice(['stay firm', 'soften', 'recover', 'grow modestly'])} and kept its {year + 1} outlook for "
        f"{rng.choice(_METRICS)} at ${rng.randint(50, 12000):,} million."
    )


def build(cache: Path, target: int) -> dict[str, float]:
    """The cached workspace: the samples, then synthetic filings until it holds ``target`` chunks."""
    from assistant.orchestrator import Assistant
    from assistant.settings import load_settings

    started = time.perf_counter()
    docs = cache / "synthetic"
    docs.mkdir(parents=True, exist_ok=True)
    clean_env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("MODALYST_")}
    settings = load_settings({"data_dir": str(cache), "workspace": WORKSPACE, "chunk_chars": BUILD_CHUNK_CHARS}, environ=clean_env)
    bot = Assistant(settings)
    report = bot.ingest(SAMPLES)
    if report.failed:
        raise RuntimeError(f"ingesting the samples failed: {report.failed}")
    rng = random.Random(7)
    n = 0
    while bot.store.count() < target:
        name = company(rng)
        path = docs / f"filing-{n:03d}-{name.split()[0].lower()}.txt"
        path.write_text("\n\n".join(paragraph(rng, name, i) for i in range(PARAGRAPHS_PER_DOC)) + "\n")
        report = bot.ingest([path])
        if report.failed:
            raise RuntimeError(f"ingesting {path.name} failed: {report.failed}")
        n += 1
        print(f"  {bot.store.count():>6} chunks ({time.perf_counter() - started:.0f} s)", flush=True)
    info = {"chunks": bot.store.count(), "sources": len(bot.sources()), "build_s": round(time.perf_counter() - started, 1), "version": GENERATOR_VERSION}
    (cache / "built.json").write_text(json.dumps(info) + "\n")
    return info


def cached(cache: Path, target: int) -> dict[str, float] | None:
    stamp = cache / "built.json"
    if not stamp.is_file():
        return None
    info = json.loads(stamp.read_text())
    return info if info.get("version") == GENERATOR_VERSION and info.get("chunks", 0) >= target else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=10_000, help="chunks in the workspace (default 10000)")
    parser.add_argument("--questions", type=int, default=len(QUESTIONS), help=f"timed questions (default {len(QUESTIONS)})")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached workspace")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where the workspace is kept")
    parser.add_argument("--out", type=Path, default=RESULTS / "ui_latency.json")
    args = parser.parse_args(argv)
    if args.chunks < 1 or args.questions < 1:
        parser.error("--chunks and --questions must be >= 1")
    info = None if args.rebuild else cached(args.cache, args.chunks)
    if info is None:
        import shutil

        shutil.rmtree(args.cache, ignore_errors=True)
        print(f"building a {args.chunks}-chunk workspace in {args.cache} (once; real MiniLM embeddings) …", flush=True)
        info = build(args.cache, args.chunks)
    print(f"workspace: {info['chunks']} chunks in {info['sources']} sources", flush=True)
    rows = []
    with running_ui(args.cache, WORKSPACE, args.cache / "ui.log") as url, browser_tab(url) as page:
        cold, cold_chip, _ = ask_and_time(page, "What was total revenue in Q1 2026?")
        print(f"warm-up question (loads models, builds the lexical index): {cold:.2f} s", flush=True)
        for question in (QUESTIONS * (args.questions // len(QUESTIONS) + 1))[: args.questions]:
            shown, chipped, text = ask_and_time(page, question)
            rows.append({"question": question, "answer_s": round(shown, 3), "chip_s": round(chipped, 3), "answer": text[:160]})
            print(f"  {shown:6.2f} s  {chipped:6.2f} s  {question}", flush=True)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "ui-latency.png"), full_page=True)
    answers = [r["answer_s"] for r in rows]
    summary = {
        "chunks": info["chunks"],
        "questions": len(rows),
        "cold_answer_s": round(cold, 3),
        "median_answer_s": round(statistics.median(answers), 3),
        "max_answer_s": round(max(answers), 3),
        "median_chip_s": round(statistics.median([r["chip_s"] for r in rows]), 3),
        "target_s": TARGET_S,
        "met": max(answers) <= TARGET_S,
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=1) + "\n")
    print(f"\nfirst answer on screen after pressing Enter ({info['chunks']}-chunk workspace, warm, embedded backends):")
    print(f"{'median s':>10}{'max s':>8}{'chip median s':>15}{'cold s':>8}{'target s':>10}")
    print(f"{summary['median_answer_s']:>10.2f}{summary['max_answer_s']:>8.2f}{summary['median_chip_s']:>15.2f}{summary['cold_answer_s']:>8.2f}{TARGET_S:>10.1f}")
    print(f"{'MET' if summary['met'] else 'MISSED'}: every timed answer within {TARGET_S:.0f} s" if summary["met"] else f"MISSED: slowest answer {summary['max_answer_s']:.2f} s > {TARGET_S:.0f} s")
    print(f"wrote {args.out} and {ARTIFACTS / 'ui-latency.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
