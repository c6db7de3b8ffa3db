"""Time OCR + chart reading per chart image (cold: first image incl. model load; warm: the rest).

Usage: python bench/charts.py [SUITE_DIR] [--limit N]
Prints a table and writes bench/results/charts.json. Reads ../shared/eval/multichartqa by default.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.settings import Settings  # noqa: E402
from tools.describe_image.chart import read_chart  # noqa: E402
from tools.describe_image.images import load_image  # noqa: E402
from tools.describe_image.ocr import DET_MAX_SIDE, RapidOcrReader  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("suite", nargs="?", default=str(REPO.parent / "shared" / "eval" / "multichartqa"))
    parser.add_argument("--limit", type=int, default=12)
    args = parser.parse_args()
    suite = Path(args.suite)
    if not (suite / "questions.jsonl").is_file():
        print(f"skip: {suite} has no questions.jsonl", file=sys.stderr)
        return 0
    rows = [json.loads(line) for line in (suite / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line]
    images = list(dict.fromkeys(name for row in rows for name in row["image"]))[: args.limit]
    reader = RapidOcrReader(Settings())
    started = time.perf_counter()
    reader.warm_up()
    load_s = time.perf_counter() - started
    results = []
    for name in images:
        image = load_image(suite / name)
        t0 = time.perf_counter()
        lines = reader.read(image)
        t1 = time.perf_counter()
        chart = read_chart(image, lines)
        t2 = time.perf_counter()
        results.append({"image": name, "size": [image.width, image.height], "lines": len(lines),
                        "ocr_s": round(t1 - t0, 3), "chart_s": round(t2 - t1, 3), "total_s": round(t2 - t0, 3),
                        "chart": chart.type if chart else None})
    warm = [r["total_s"] for r in results[1:]] or [r["total_s"] for r in results]
    summary = {
        "images": len(results), "model_load_s": round(load_s, 3),
        "cold_first_image_s": round(load_s + results[0]["total_s"], 3) if results else None,
        "warm_mean_s": round(statistics.mean(warm), 3) if warm else None,
        "warm_median_s": round(statistics.median(warm), 3) if warm else None,
        "warm_max_s": round(max(warm), 3) if warm else None,
        "det_max_side": DET_MAX_SIDE, "cpus": os.cpu_count(), "machine": platform.machine(),
        "load_average": os.getloadavg()[0],
    }
    print(f"{'image':70} {'size':>11} {'lines':>5} {'ocr s':>6} {'chart s':>7} {'total s':>7}")
    for r in results:
        print(f"{r['image'][-70:]:70} {r['size'][0]:>5}x{r['size'][1]:<5} {r['lines']:>5} {r['ocr_s']:>6.2f} {r['chart_s']:>7.2f} {r['total_s']:>7.2f}")
    print(json.dumps(summary))
    out = REPO / "bench" / "results" / "charts.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"summary": summary, "images": results}, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
