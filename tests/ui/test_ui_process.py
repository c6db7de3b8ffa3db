"""Stopping `modalyst ui` (SIGTERM to it alone, as a service manager does) stops its Streamlit child."""

from __future__ import annotations

import os
import signal

import psutil
import pytest

from tests.ui.app_process import start_ui


@pytest.mark.slow
def test_sigterm_to_modalyst_ui_stops_streamlit(tmp_path):
    env = dict(os.environ, MODALYST_DATA_DIR=str(tmp_path / "data"), MODALYST_EMBEDDER="fake", MODALYST_SPEECH_BACKEND="fake")
    process, _ = start_ui(env, tmp_path)
    try:
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
