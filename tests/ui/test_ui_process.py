"""Stopping `modalyst ui` (SIGTERM to it alone, as a service manager does) stops its Streamlit child."""

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

import psutil
import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_sigterm_to_modalyst_ui_stops_streamlit(tmp_path):
    port = _free_port()
    env = dict(os.environ, MODALYST_DATA_DIR=str(tmp_path / "data"), MODALYST_EMBEDDER="fake", MODALYST_SPEECH_BACKEND="fake")
    modalyst = shutil.which("modalyst", path=str(Path(sys.executable).parent)) or "modalyst"
    process = subprocess.Popen([modalyst, "ui", "--port", str(port)], env=env, cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the app did not start")
        children = psutil.Process(process.pid).children(recursive=True)
        assert children, "modalyst ui runs streamlit as a child process"
        process.send_signal(signal.SIGTERM)  # to modalyst alone, not its process group
        assert process.wait(timeout=30) is not None
        gone, alive = psutil.wait_procs(children, timeout=30)
        assert not alive, f"streamlit left running: {[p.pid for p in alive]}"
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
