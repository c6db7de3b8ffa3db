"""Start `modalyst ui` on a free loopback port for the browser and process tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_ui(env: dict[str, str], cwd: Path, stdout: IO[bytes] | int = subprocess.DEVNULL, attempts: int = 120) -> tuple[subprocess.Popen, str]:
    """`modalyst ui` in its own process group, once its health check answers: (process, base URL).
    Fails the test when it has not started after ``attempts`` half-second tries."""
    port = free_port()
    modalyst = shutil.which("modalyst", path=str(Path(sys.executable).parent)) or "modalyst"
    process = subprocess.Popen([modalyst, "ui", "--port", str(port)], env=env, cwd=cwd, stdout=stdout,
                               stderr=subprocess.STDOUT if stdout is not subprocess.DEVNULL else subprocess.DEVNULL,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(attempts):
        try:
            urllib.request.urlopen(url + "_stcore/health", timeout=1)
            return process, url
        except OSError:
            time.sleep(0.5)
    process.kill()
    pytest.fail("the app did not start")
