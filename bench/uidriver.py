"""Drive the Streamlit app in Debian's chromium with Playwright (used by bench/ui_latency.py and
docs/make_chat_png.py): start ``modalyst ui`` on a free loopback port, open a tab, ask questions.

Needs ``apt-get install -y chromium`` and the dev extra (playwright; its own browser download is not used).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("MODALYST_TEST_CHROMIUM", "/usr/bin/chromium")
PROMPT = "Ask about your calls, filings and charts"
BACKEND_ENV = ("MODALYST_EMBEDDER", "MODALYST_SPEECH_BACKEND", "MODALYST_OCR_BACKEND", "MODALYST_ANSWERER", "MODALYST_STORE")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_ui(data_dir: Path, workspace: str, log: Path, env: dict[str, str] | None = None, timeout: float = 120.0) -> Iterator[str]:
    """``modalyst ui`` with the real embedded backends (unless ``env`` names others); yields its URL."""
    port = free_port()
    full_env = {k: v for k, v in os.environ.items() if k not in BACKEND_ENV}
    full_env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False", **(env or {}))
    modalyst = shutil.which("modalyst", path=str(Path(sys.executable).parent)) or "modalyst"
    command = [modalyst, "--data-dir", str(data_dir), "--workspace", workspace, "ui", "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=full_env, cwd=data_dir, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"modalyst ui exited with {process.returncode}; see {log}")
            try:
                urllib.request.urlopen(url + "_stcore/health", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the app did not start in {timeout:.0f} s; see {log}") from None
                time.sleep(0.5)
        yield url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # modalyst ui and its streamlit child
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@contextmanager
def browser_tab(url: str, width: int = 1200, height: int = 1600) -> Iterator[Any]:
    """A headless chromium tab on ``url`` (no sandbox, no background networking)."""
    if not Path(CHROMIUM).is_file():
        raise RuntimeError(f"{CHROMIUM} is absent: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"]
        )
        try:
            tab = browser.new_page(viewport={"width": width, "height": height})
            tab.goto(url, wait_until="networkidle")
            tab.get_by_placeholder(PROMPT).wait_for(timeout=120_000)
            yield tab
        finally:
            browser.close()


def ask_and_time(page: Any, question: str, timeout_ms: int = 180_000) -> tuple[float, float, str]:
    """Type ``question``, press Enter; returns (seconds until the answer text is on screen, seconds
    until its first citation chip is, the answer text). The chip time is -1 when nothing is cited."""
    messages = page.get_by_test_id("stChatMessage")
    index = messages.count() + 1  # the assistant message after the new user message
    box = page.get_by_placeholder(PROMPT)
    box.fill(question)
    started = time.perf_counter()
    box.press("Enter")
    answer = messages.nth(index).get_by_test_id("stMarkdown").first
    answer.wait_for(timeout=timeout_ms)
    shown = time.perf_counter() - started
    text = answer.inner_text()
    chips = messages.nth(index).locator("[data-testid='stButtonGroup'] button")
    try:
        chips.first.wait_for(timeout=10_000)
        chipped = time.perf_counter() - started
    except Exception:  # Playwright's TimeoutError: an answer without citations has no chips
        chipped = -1.0
    return shown, chipped, text
