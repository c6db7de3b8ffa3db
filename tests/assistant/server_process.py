"""Start `modalyst serve` on a free loopback port for the process tests and bench/slow_clients.py."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_serve(data_dir: Path, env: dict[str, str] | None = None, attempts: int = 120) -> tuple[subprocess.Popen, int]:
    """`modalyst serve` with fake backends in its own process group, once /healthz answers: (process, port)."""
    port = free_port()
    modalyst = shutil.which("modalyst", path=str(Path(sys.executable).parent)) or "modalyst"
    environ = dict(os.environ, MODALYST_DATA_DIR=str(data_dir), MODALYST_EMBEDDER="fake", MODALYST_SPEECH_BACKEND="fake",
                   MODALYST_OCR_BACKEND="fake", HF_HUB_OFFLINE="1", **(env or {}))
    if "MODALYST_API_KEYS" not in (env or {}):
        environ.pop("MODALYST_API_KEYS", None)
    process = subprocess.Popen([modalyst, "serve", "--port", str(port)], env=environ, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(attempts):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process, port
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.5)
    stop(process)
    raise RuntimeError("modalyst serve did not start")


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def raw_request(port: int, request: bytes, timeout: float = 5.0) -> bytes:
    """Send ``request`` as is over a socket and read the reply until the server closes or ``timeout``."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            pass
        return b"".join(chunks)
