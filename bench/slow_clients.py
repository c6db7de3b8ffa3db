"""Slow clients against the HTTP API: many half-sent requests held open while /healthz is polled.

Starts ``modalyst serve`` (fake backends, a temporary data dir) on a free loopback port, then
``--workers`` client processes (each has its own open-file limit) open ``--count`` connections in
all, from ``--addresses`` loopback source addresses (127.0.0.2, 127.0.0.3, ...; 0: all from
127.0.0.1, the health poller's own address), each sending half
of a request (``POST /v1/ingest`` headers without their end) and then waiting; a connection the
server closes is opened again after ``--reconnect`` seconds, as a persistent attacker would, until
``--seconds`` have passed. Meanwhile another process polls ``GET /healthz`` from 127.0.0.1 every
0.2 s on a fresh connection and records how long each answer took. Target: every health answer
within 1 s, none missing. Prints a table and writes ``bench/results/slow_clients.json``; exit
status 1 when the target is missed.

    .venv/bin/python bench/slow_clients.py                         # 20,000 connections, 30 s
    .venv/bin/python bench/slow_clients.py --count 2000 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "slow_clients.json"
HALF_REQUEST = b"POST /v1/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\n"
HEALTH = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(data_dir: Path, timeout: float) -> tuple[subprocess.Popen, int]:
    port = free_port()
    modalyst = shutil.which("modalyst", path=str(Path(sys.executable).parent)) or "modalyst"
    env = dict(os.environ, MODALYST_DATA_DIR=str(data_dir), MODALYST_EMBEDDER="fake", MODALYST_SPEECH_BACKEND="fake",
               MODALYST_OCR_BACKEND="fake", MODALYST_REQUEST_TIMEOUT=str(timeout), HF_HUB_OFFLINE="1")
    env.pop("MODALYST_API_KEYS", None)
    process = subprocess.Popen([modalyst, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process, port
        except OSError:
            time.sleep(0.5)
    os.killpg(process.pid, signal.SIGKILL)
    raise SystemExit("modalyst serve did not start")


# -- slow clients ------------------------------------------------------------------------------------
def hold(port: int, count: int, first_address: int, addresses: int, seconds: float, reconnect: float, out: "multiprocessing.Queue") -> None:
    """One worker: ``count`` half-sent requests kept open (re-opened when closed) for ``seconds``."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    stats = {"opened": 0, "closed_by_server": 0, "connect_failed": 0, "open_now": 0, "open_max": 0}

    async def one(index: int, deadline: float) -> None:
        source = f"127.0.0.{2 + (first_address + index) % addresses}" if addresses else "127.0.0.1"
        loop = asyncio.get_running_loop()
        while loop.time() < deadline:
            sock = socket.socket()
            sock.setblocking(False)
            try:
                sock.bind((source, 0))
                await asyncio.wait_for(loop.sock_connect(sock, ("127.0.0.1", port)), 10)
                await loop.sock_sendall(sock, HALF_REQUEST)
            except (OSError, asyncio.TimeoutError):
                stats["connect_failed"] += 1
                sock.close()
                await asyncio.sleep(reconnect)
                continue
            stats["opened"] += 1
            stats["open_now"] += 1
            stats["open_max"] = max(stats["open_max"], stats["open_now"])
            try:
                left = deadline - loop.time()
                if left > 0 and not await asyncio.wait_for(loop.sock_recv(sock, 1024), left):
                    stats["closed_by_server"] += 1
            except asyncio.TimeoutError:
                pass
            except OSError:
                stats["closed_by_server"] += 1
            finally:
                stats["open_now"] -= 1
                sock.close()
            await asyncio.sleep(reconnect)

    async def main() -> None:
        deadline = asyncio.get_running_loop().time() + seconds
        await asyncio.gather(*(one(i, deadline) for i in range(count)))

    asyncio.run(main())
    out.put(stats)


# -- health ------------------------------------------------------------------------------------------
def poll_health(port: int, seconds: float, every: float, out: "multiprocessing.Queue") -> None:
    answers: list[float | None] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5, source_address=("127.0.0.1", 0)) as sock:
                sock.sendall(HEALTH)
                reply = b""
                while chunk := sock.recv(4096):
                    reply += chunk
            answers.append(time.perf_counter() - started if b'"status":"ok"' in reply else None)
        except OSError:
            answers.append(None)
        time.sleep(max(0.0, every - (time.perf_counter() - started)))
    out.put(answers)


def server_fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def run(args: argparse.Namespace) -> dict:
    data = Path(tempfile.mkdtemp(prefix="modalyst-slow-"))
    process, port = start_server(data / "data", args.timeout)
    queue: multiprocessing.Queue = multiprocessing.Queue()
    share = -(-args.count // args.workers)
    workers = [
        multiprocessing.Process(target=hold, args=(port, min(share, args.count - i * share), i * share, args.addresses, args.seconds, args.reconnect, queue))
        for i in range(args.workers)
    ]
    poller = multiprocessing.Process(target=poll_health, args=(port, args.seconds, 0.2, queue))
    fds: list[int] = []
    try:
        for worker in workers:
            worker.start()
        poller.start()
        deadline = time.monotonic() + args.seconds
        while time.monotonic() < deadline:
            fds.append(server_fds(process.pid))
            time.sleep(0.5)
        results = [queue.get(timeout=args.seconds + 120) for _ in range(len(workers) + 1)]
        for child in (*workers, poller):
            child.join(timeout=30)
        alive_after = process.poll() is None
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)
    health = next(r for r in results if isinstance(r, list))
    held = [r for r in results if isinstance(r, dict)]
    answered = [a for a in health if a is not None]
    return {
        "connections": args.count,
        "workers": args.workers,
        "source_addresses": args.addresses,
        "seconds": args.seconds,
        "request_timeout_s": args.timeout,
        "client_sockets_open_max": sum(h["open_max"] for h in held),
        "opened": sum(h["opened"] for h in held),
        "closed_by_server": sum(h["closed_by_server"] for h in held),
        "connect_failed": sum(h["connect_failed"] for h in held),
        "server_fds_max": max(fds or [0]),
        "health_polls": len(health),
        "health_missing": len(health) - len(answered),
        "health_max_s": round(max(answered), 4) if answered else None,
        "health_p50_s": round(sorted(answered)[len(answered) // 2], 4) if answered else None,
        "server_alive_after": alive_after,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=20_000, help="half-sent requests held in all")
    parser.add_argument("--workers", type=int, default=2, help="client processes (each has its own open-file limit)")
    parser.add_argument("--addresses", type=int, default=16, help="loopback source addresses for the slow clients (0: all from 127.0.0.1, the poller's own)")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--reconnect", type=float, default=1.0, help="seconds before a closed slow client connects again")
    parser.add_argument("--timeout", type=float, default=10.0, help="the server's request_timeout (header deadline)")
    args = parser.parse_args()
    report = run(args)
    ok = report["health_missing"] == 0 and report["health_max_s"] is not None and report["health_max_s"] <= 1.0 and report["server_alive_after"]
    report["target_met"] = ok
    width = max(len(k) for k in report)
    for key, value in report.items():
        print(f"{key:<{width}}  {value}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(REPO)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
