"""End to end in a real browser: Debian's chromium driven by Playwright, the app on loopback.

Needs ``apt-get install -y chromium`` and ``pip install playwright`` (no browser download: the
Debian binary is used). Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.conftest import DATA, REPO
from tests.ui.app_process import start_ui

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("MODALYST_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
PROMPT = "Ask about your calls, filings and charts"
SESSION_TTL_S = 2  # Streamlit's reconnect window, short here so ended sessions are swept at once


@pytest.fixture
def app_url(tmp_path):
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is absent: apt-get install -y chromium")
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    env = dict(os.environ, MODALYST_DATA_DIR=str(tmp_path / "data"), MODALYST_WORKSPACE="browser", MODALYST_EMBEDDER="fake",
               MODALYST_SPEECH_BACKEND="fake", HF_HUB_OFFLINE="1", STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL=str(SESSION_TTL_S))
    process, url = start_ui(env, tmp_path)
    try:
        yield url, tmp_path / "data"
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # modalyst ui and its streamlit child (else left running)
        process.wait(timeout=20)


@pytest.fixture
def page(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
        tab = browser.new_page(viewport={"width": 1200, "height": 2000})
        tab.goto(app_url[0], wait_until="networkidle")
        yield tab
        browser.close()


def _ask(page, text: str, attachment: Path) -> float:
    """Attach a file, send the prompt; returns when the answer's message appears (perf_counter at send)."""
    box = page.get_by_placeholder(PROMPT)
    box.wait_for(timeout=60_000)
    with page.expect_file_chooser() as chooser:
        page.get_by_test_id("stChatInputFileUploadButton").click()
    chooser.value.set_files(str(attachment))
    page.wait_for_timeout(3000)  # the upload finishes before the prompt can be sent
    if text:
        box.fill(text)
    started = time.perf_counter()
    box.press("Enter") if text else page.get_by_test_id("stChatInputSubmitButton").click()
    page.get_by_test_id("stChatMessage").nth(1).wait_for(timeout=120_000)
    return started


def test_chart_question_gets_an_answer_and_a_citation_chip(page) -> None:
    started = _ask(page, "What was the value for Q3?", DATA / "chart_bar_labels.png")
    chip = page.locator("[data-testid='stButtonGroup'] button").first
    chip.wait_for(timeout=120_000)
    seconds = time.perf_counter() - started
    assert chip.inner_text().startswith("[1]")
    chip.click()
    page.get_by_text("cited region outlined").first.wait_for(timeout=60_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-chart-answer.png"), full_page=True)
    print(f"answer with its citation chip on screen after {seconds:.2f} s")


def test_voice_question_from_a_wav_is_transcribed(page) -> None:
    _ask(page, "", DATA / "question_gross_margin.wav")
    first = page.get_by_test_id("stChatMessage").first
    first.get_by_text("fake transcript").first.wait_for(timeout=60_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-voice-question.png"), full_page=True)


def test_uploads_are_deleted_when_the_browser_session_ends(page, app_url) -> None:
    _ask(page, "What was the value for Q3?", DATA / "chart_bar_labels.png")
    page.get_by_test_id("stChatMessage").nth(1).get_by_test_id("stMarkdown").first.wait_for(timeout=120_000)
    sessions = app_url[1] / "ui-sessions"
    assert [p.name for p in sessions.rglob("*.png")] == ["chart_bar_labels.png"]
    page.context.close()  # the tab goes; nothing else touches the server
    deadline = time.monotonic() + SESSION_TTL_S + 30
    while any(sessions.rglob("*")) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not any(sessions.rglob("*")), sorted(str(p) for p in sessions.rglob("*"))
