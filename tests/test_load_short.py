"""The short form of the API load test (bench/load.py): a few clients for ~10 s against a real
``modalyst serve`` with the embedded backends. Asserts no errors and some throughput; timings are
reported by ``make bench-load``, never asserted here."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO, SAMPLES

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def test_api_holds_concurrent_asks_and_ingests_without_errors(tmp_path) -> None:
    out = tmp_path / "load.json"
    seed = [SAMPLES / "northwind_q1_2026_report.pdf", SAMPLES / "revenue_chart.png"]
    command = [sys.executable, str(REPO / "bench" / "load.py"), "--clients", "5", "--seconds", "10", "--ingest-share", "0.2",
               "--out", str(out), "--seed", *map(str, seed)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert out.is_file(), done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(out.read_text())
    print(done.stdout[-1500:])
    assert report["total"]["errors"] == 0, report["error_examples"]
    assert report["total"]["requests"] > 0 and report["total"]["per_second"] > 0
    by_endpoint = {row["endpoint"]: row for row in report["endpoints"]}
    assert by_endpoint["POST /v1/ask"]["requests"] > 0
    ingests = by_endpoint.get("POST /v1/ingest", {"requests": 0})["requests"]
    assert report["sources_after"] == report["sources_before"] + ingests == report["sources_before"] + report["ingested_ok"]
    assert report["rss_start_mb"] > 0 and report["rss_end_mb"] > 0
