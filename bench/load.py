"""Load test of the HTTP API: concurrent clients asking (and some ingesting) for a fixed time.

Starts ``modalyst serve`` on a free loopback port as a subprocess, with a temporary data dir, the
real embedded backends and an API key, ingests the sample workspace (``samples/``), then runs
``--clients`` concurrent clients for ``--seconds`` (it stops by itself): each repeatedly sends
``POST /v1/ask`` with a text question, or with probability ``--ingest-share`` ``POST /v1/ingest``
with a small new text document. Reports requests/s, p50/p95 latency per endpoint, errors (must be
0) and the server's RSS at start and end (growth must be at most 10%); prints a table and writes
``bench/results/load.json``. Exit status 1 when a target is missed.

    .venv/bin/python bench/load.py                      # the full form: 20 clients, 60 s
    .venv/bin/python bench/load.py --clients 5 --seconds 10
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
SEED_FILES = [REPO / "samples" / name for name in ("northwind_q1_2026_report.pdf", "revenue_chart.png", "q1_call.flac")]
WORKSPACE = "load"
API_KEY = "load-test-key"
MAX_RSS_GROWTH = 0.10
REQUEST_TIMEOUT_S = 180.0
QUESTIONS = [
    "What was total revenue in Q1 2026?",
    "What was the operating margin?",
    "What did the CFO say about gross margin?",
    "How much free cash flow was there in the quarter?",
    "What are the risk factors?",
    "Which quarter had the highest revenue in the chart?",
    "What revenue growth do they expect for the full year?",
    "How much was returned to shareholders through buybacks?",
    "What were research and development expenses?",
    "What was net income per diluted share?",
]


@dataclass(frozen=True)
class Sample:
    """One request: which endpoint, when it started (s since the run began), how long it took, and its error."""

    endpoint: str
    started: float
    seconds: float
    error: str = ""


@dataclass(frozen=True)
class EndpointStats:
    endpoint: str
    requests: int
    per_second: float
    p50_ms: float
    p95_ms: float
    max_ms: float
    errors: int


@dataclass(frozen=True)
class LoadReport:
    clients: int
    seconds: float
    ingest_share: float
    endpoints: list[EndpointStats]
    total: EndpointStats
    rss_start_mb: float
    rss_end_mb: float
    rss_peak_mb: float
    rss_growth: float
    sources_before: int
    sources_after: int
    ingested_ok: int
    error_examples: list[str] = field(default_factory=list)
    rss_timeline_mb: list[float] = field(default_factory=list)  # every 5 s during the run

    @property
    def passed(self) -> bool:
        return self.total.errors == 0 and self.rss_growth <= MAX_RSS_GROWTH and self.total.requests > 0


# -- the server -----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (psutil when installed, else /proc)."""
    try:
        import psutil

        return int(psutil.Process(pid).memory_info().rss)
    except ImportError:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError(f"no VmRSS for process {pid}") from None


class Server:
    """``modalyst serve`` in a subprocess (own process group) with a temporary data dir."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir / "serve.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 180.0) -> None:
        modalyst = shutil.which("modalyst", path=str(Path(sys.executable).parent)) or "modalyst"
        env = dict(
            os.environ,
            MODALYST_API_KEYS=f"{API_KEY}:{WORKSPACE}",
            HF_HUB_OFFLINE="1",
            TRANSFORMERS_OFFLINE="1",
            ANONYMIZED_TELEMETRY="False",
        )
        for name in ("MODALYST_EMBEDDER", "MODALYST_SPEECH_BACKEND", "MODALYST_OCR_BACKEND", "MODALYST_ANSWERER", "MODALYST_STORE"):
            env.pop(name, None)  # the real embedded backends, whatever the caller's environment says
        command = [modalyst, "--data-dir", str(self.data_dir), "--workspace", WORKSPACE, "serve", "--port", str(self.port)]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, env=env, cwd=self.data_dir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"modalyst serve exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"modalyst serve did not answer /healthz in {timeout:.0f} s:\n{self.log_tail()}")

    def rss_mb(self) -> float:
        assert self.process is not None
        return rss_bytes(self.process.pid) / 2**20

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


# -- the clients ----------------------------------------------------------------------------------
def headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {API_KEY}"}


def check_keys_enforced(url: str) -> None:
    """The run is only meaningful against a server that requires the key."""
    response = httpx.get(f"{url}/v1/sources", params={"workspace": WORKSPACE}, timeout=10)
    if response.status_code != 401:
        raise RuntimeError(f"GET /v1/sources without a key gave {response.status_code}, expected 401")


def seed(url: str, files: list[Path]) -> int:
    """Ingest the seed files; returns the number of sources."""
    with httpx.Client(base_url=url, headers=headers(), timeout=600) as client:
        for path in files:
            with path.open("rb") as handle:
                response = client.post("/v1/ingest", data={"workspace": WORKSPACE}, files={"files": (path.name, handle)})
            body = response.json()
            if response.status_code != 200 or body.get("failed"):
                raise RuntimeError(f"seeding {path.name} failed: {response.status_code} {body}")
        return len(client.get("/v1/sources", params={"workspace": WORKSPACE}).json())


def note(client_id: int, index: int, rng: random.Random) -> bytes:
    """A small distinct text document."""
    revenue, margin = rng.randint(100, 9000), rng.uniform(5, 40)
    return (
        f"Analyst note {client_id}-{index}. Segment revenue was ${revenue} million this quarter and the "
        f"segment margin was {margin:.1f}%. Management expects demand to stay firm in region {rng.randint(1, 50)}.\n"
    ).encode()


def ask_once(client: httpx.Client, question: str) -> str:
    response = client.post("/v1/ask", data={"question": question, "workspace": WORKSPACE})
    if response.status_code != 200:
        return f"ask {response.status_code}: {response.text[:200]}"
    body = response.json()
    if not isinstance(body.get("answer"), str) or not body["answer"]:
        return f"ask: no answer in {str(body)[:200]}"
    return ""


def ingest_once(client: httpx.Client, name: str, text: bytes) -> str:
    response = client.post("/v1/ingest", data={"workspace": WORKSPACE}, files={"files": (name, text, "text/plain")})
    if response.status_code != 200:
        return f"ingest {response.status_code}: {response.text[:200]}"
    body = response.json()
    if len(body.get("added", [])) != 1 or body.get("failed"):
        return f"ingest: expected one added source, got {str(body)[:200]}"
    return ""


def client_loop(url: str, client_id: int, begin: float, deadline: float, ingest_share: float, out: list[Sample]) -> None:
    rng = random.Random(client_id)
    with httpx.Client(base_url=url, headers=headers(), timeout=REQUEST_TIMEOUT_S) as client:
        index = 0
        while time.monotonic() < deadline:
            index += 1
            ingesting = rng.random() < ingest_share
            endpoint = "POST /v1/ingest" if ingesting else "POST /v1/ask"
            started = time.monotonic()
            try:
                if ingesting:
                    error = ingest_once(client, f"note-{client_id}-{index}.txt", note(client_id, index, rng))
                else:
                    error = ask_once(client, rng.choice(QUESTIONS))
            except httpx.HTTPError as exc:
                error = f"{endpoint}: {type(exc).__name__}: {exc}"
            out.append(Sample(endpoint, started - begin, time.monotonic() - started, error))


def run_clients(url: str, clients: int, seconds: float, ingest_share: float) -> tuple[list[Sample], float]:
    """All clients at once until the deadline (requests in flight then are finished and counted)."""
    samples: list[Sample] = []
    begin = time.monotonic()
    deadline = begin + seconds
    threads = [threading.Thread(target=client_loop, args=(url, i, begin, deadline, ingest_share, samples), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + REQUEST_TIMEOUT_S + 30)
    return list(samples), time.monotonic() - begin


def warm_up(url: str, clients: int) -> None:
    """One question per client at once, so models, threads and caches exist before RSS is measured."""
    errors: list[str] = []

    def one(i: int) -> None:
        with httpx.Client(base_url=url, headers=headers(), timeout=REQUEST_TIMEOUT_S) as client:
            errors.append(ask_once(client, QUESTIONS[i % len(QUESTIONS)]))

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = [e for e in errors if e]
    if failed:
        raise RuntimeError(f"warm-up questions failed: {failed[0]}")


class RssMonitor:
    """Samples the server's RSS every ``every`` seconds while running (for the peak)."""

    def __init__(self, server: Server, every: float = 1.0) -> None:
        self.server, self.every = server, every
        self.values: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.values.append(self.server.rss_mb())

    def __enter__(self) -> RssMonitor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# -- the report -----------------------------------------------------------------------------------
def stats(endpoint: str, samples: list[Sample], wall: float) -> EndpointStats:
    ms = np.array([s.seconds * 1000 for s in samples]) if samples else np.zeros(1)
    return EndpointStats(
        endpoint=endpoint,
        requests=len(samples),
        per_second=round(len(samples) / wall, 2),
        p50_ms=round(float(np.percentile(ms, 50)), 1),
        p95_ms=round(float(np.percentile(ms, 95)), 1),
        max_ms=round(float(ms.max()), 1),
        errors=sum(1 for s in samples if s.error),
    )


def table(report: LoadReport) -> str:
    lines = [
        f"{'endpoint':<18}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'errors':>8}",
    ]
    for row in [*report.endpoints, report.total]:
        lines.append(f"{row.endpoint:<18}{row.requests:>9}{row.per_second:>8.2f}{row.p50_ms:>9.0f}{row.p95_ms:>9.0f}{row.max_ms:>9.0f}{row.errors:>8}")
    lines.append(
        f"server RSS {report.rss_start_mb:.0f} MiB at start, {report.rss_end_mb:.0f} MiB at end "
        f"({report.rss_growth:+.1%}; peak {report.rss_peak_mb:.0f} MiB; limit +{MAX_RSS_GROWTH:.0%})"
    )
    lines.append(f"sources {report.sources_before} -> {report.sources_after} ({report.ingested_ok} ingested during the run)")
    lines.extend(f"error: {e}" for e in report.error_examples)
    return "\n".join(lines)


def run(clients: int, seconds: float, ingest_share: float, seed_files: list[Path], log: bool = True) -> LoadReport:
    say = (lambda text: print(text, flush=True)) if log else (lambda text: None)
    with tempfile.TemporaryDirectory(prefix="modalyst-load-") as tmp:
        server = Server(Path(tmp))
        try:
            say(f"starting modalyst serve on {server.url} (data dir {tmp}) …")
            server.start()
            check_keys_enforced(server.url)
            say(f"seeding: {', '.join(p.name for p in seed_files)} …")
            before = seed(server.url, seed_files)
            say("warming up (one request per client) …")
            warm_up(server.url, clients)
            rss_start = server.rss_mb()
            say(f"running {clients} clients for {seconds:.0f} s (ingest share {ingest_share:.2f}) …")
            with RssMonitor(server) as monitor:
                samples, wall = run_clients(server.url, clients, seconds, ingest_share)
            rss_end = server.rss_mb()
            with httpx.Client(base_url=server.url, headers=headers(), timeout=60) as client:
                after = len(client.get("/v1/sources", params={"workspace": WORKSPACE}).json())
        except BaseException:
            say(f"server log:\n{server.log_tail()}")
            raise
        finally:
            server.stop()
    endpoints = sorted({s.endpoint for s in samples})
    ingested = sum(1 for s in samples if s.endpoint == "POST /v1/ingest" and not s.error)
    return LoadReport(
        clients=clients,
        seconds=round(wall, 1),
        ingest_share=ingest_share,
        endpoints=[stats(e, [s for s in samples if s.endpoint == e], wall) for e in endpoints],
        total=stats("all", samples, wall),
        rss_start_mb=round(rss_start, 1),
        rss_end_mb=round(rss_end, 1),
        rss_peak_mb=round(max([rss_end, *monitor.values]), 1),
        rss_growth=round(rss_end / rss_start - 1, 4),
        sources_before=before,
        sources_after=after,
        ingested_ok=ingested,
        error_examples=list(dict.fromkeys(s.error for s in samples if s.error))[:5],
        rss_timeline_mb=[round(v, 1) for v in monitor.values[4::5]],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the clients run (default 60)")
    parser.add_argument("--ingest-share", type=float, default=0.1, help="fraction of requests that ingest a small document (default 0.1)")
    parser.add_argument("--out", type=Path, default=RESULTS / "load.json", help="where the JSON report goes")
    parser.add_argument("--seed", type=Path, nargs="*", default=SEED_FILES, help="files ingested before the run (default: samples/)")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0 or not 0 <= args.ingest_share <= 1:
        parser.error("--clients must be >= 1, --seconds > 0 and --ingest-share in [0, 1]")
    missing = [str(p) for p in args.seed if not p.is_file()]
    if missing:
        parser.error(f"seed files not found: {', '.join(missing)}")
    report = run(args.clients, args.seconds, args.ingest_share, list(args.seed))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({**asdict(report), "passed": report.passed}, indent=1) + "\n")
    print(f"\nload: {report.clients} clients for {report.seconds:.0f} s against modalyst serve (loopback, embedded backends)")
    print(table(report))
    print(f"{'PASS' if report.passed else 'FAIL'}: errors {report.total.errors} (must be 0), RSS growth {report.rss_growth:+.1%} (must be <= {MAX_RSS_GROWTH:.0%})")
    print(f"wrote {args.out}")
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
