"""Issue 7's "done when" path in a real browser with the real embedded backends: ingest a PDF and
a call from the Library page, ask by voice (a WAV attached in the chat), ask by voice about an
attached chart, and open the citations: the audio player starts at the cited second, the PDF page
image and the outlined chart show. Screenshots go to ``test-artifacts/``.

Slow (Whisper, OCR and MiniLM load and run for real): about two minutes on two cores.
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest

from tests.conftest import DATA, REPO, SAMPLES
from tests.ui.app_process import start_ui

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.integration]
CHROMIUM = os.environ.get("MODALYST_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
PROMPT = "Ask about your calls, filings and charts"


@pytest.fixture(scope="module")
def real_app(tmp_path_factory):
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is absent: apt-get install -y chromium")
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    tmp = tmp_path_factory.mktemp("walkthrough")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODALYST_")}
    env.update(MODALYST_DATA_DIR=str(tmp / "data"), MODALYST_WORKSPACE="walk", HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    log = (tmp / "ui.log").open("wb")
    process, url = start_ui(env, tmp, stdout=log, attempts=240)
    try:
        yield url, tmp
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # modalyst ui and its streamlit child
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def browser(real_app):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
        yield chromium
        chromium.close()


def _open(browser, url: str):
    tab = browser.new_page(viewport={"width": 1200, "height": 2200})
    tab.goto(url, wait_until="networkidle")
    return tab


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def _attach_and_send(page, files: list[Path], text: str = "") -> object:
    """Attach files in the chat input, send; returns the new assistant message."""
    messages = page.get_by_test_id("stChatMessage")
    index = messages.count() + 1
    box = page.get_by_placeholder(PROMPT)
    box.wait_for(timeout=120_000)
    with page.expect_file_chooser() as chooser:
        page.get_by_test_id("stChatInputFileUploadButton").click()
    chooser.value.set_files([str(f) for f in files])
    page.wait_for_timeout(3000)  # the uploads finish before the prompt is sent
    if text:
        box.fill(text)
        box.press("Enter")
    else:
        page.get_by_test_id("stChatInputSubmitButton").click()
    answer = messages.nth(index)
    answer.get_by_test_id("stMarkdown").first.wait_for(timeout=300_000)
    return messages.nth(index - 1), answer


def _chip(answer, pattern: str):
    chips = answer.locator("[data-testid='stButtonGroup'] button")
    chips.first.wait_for(timeout=60_000)
    labels = chips.all_inner_texts()
    match = next((i for i, label in enumerate(labels) if re.search(pattern, label)), None)
    assert match is not None, f"no citation chip matching {pattern!r} among {labels}"
    return chips.nth(match), labels[match]


def test_library_ingests_a_pdf_and_a_call(real_app, browser) -> None:
    url, _ = real_app
    page = _open(browser, url + "library")
    uploaded: list[int] = []
    page.on("response", lambda r: uploaded.append(r.status) if "/_stcore/upload_file/" in r.url and r.request.method == "PUT" else None)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        [str(SAMPLES / "northwind_q1_2026_report.pdf"), str(SAMPLES / "q1_call.flac")]
    )
    deadline = time.monotonic() + 120
    while len(uploaded) < 2 and time.monotonic() < deadline:  # both files are on the server before the form is sent
        page.wait_for_timeout(250)
    assert uploaded == [204, 204] or uploaded == [200, 200], uploaded
    zone = page.get_by_test_id("stFileUploaderDropzone")
    zone.get_by_text("q1_call.flac").wait_for(timeout=60_000)
    zone.get_by_text("0.9MB").wait_for(timeout=60_000)  # sizes show once the widget holds the files
    page.wait_for_timeout(2000)
    page.get_by_role("button", name="Ingest").click()
    try:
        page.get_by_text("added q1_call.flac").wait_for(timeout=300_000)
    except Exception as exc:  # Playwright's TimeoutError: show what the page says
        _shot(page, "walkthrough-library-failed.png")
        raise AssertionError(page.get_by_test_id("stMain").inner_text()) from exc
    page.get_by_text("added northwind_q1_2026_report.pdf").wait_for(timeout=60_000)
    sources = page.get_by_test_id("stMain").inner_text()
    assert re.search(r"audio · 0:4\d · \d+ chunks", sources), sources
    assert re.search(r"pdf · 3 pages · \d+ chunks", sources), sources
    _shot(page, "walkthrough-library.png")


def test_voice_question_cites_the_second_of_the_call(real_app, browser) -> None:
    url, _ = real_app
    page = _open(browser, url)
    question, answer = _attach_and_send(page, [DATA / "question_gross_margin.wav"])
    assert "gross margin" in question.inner_text().lower(), question.inner_text()
    assert "48" in answer.get_by_test_id("stMarkdown").first.inner_text()
    chip, label = _chip(answer, r"q1_call\.flac · \d\d:\d\d")
    assert not re.search(r"[0-9a-f]{16}-", label), f"the chip shows the library copy's hash: {label}"
    minutes, seconds = map(int, re.search(r"(\d\d):(\d\d)", label).groups())
    chip.click()
    player = answer.get_by_test_id("stExpander").filter(has_text=label).locator("audio")
    player.wait_for(timeout=60_000)
    page.wait_for_function("a => a.readyState >= 1", arg=player.element_handle(), timeout=60_000)
    assert abs(player.evaluate("a => a.currentTime") - (60 * minutes + seconds)) < 1.0
    assert 22 <= 60 * minutes + seconds <= 44, "the CFO speaks from 00:22 to 00:44"
    _shot(page, "walkthrough-voice-call.png")


def test_voice_question_about_an_attached_chart_outlines_the_value(real_app, browser) -> None:
    url, _ = real_app
    spoken = DATA / "question_chart_quarter.wav"  # espeak-ng: "Which quarter had the highest revenue?"
    page = _open(browser, url)
    question, answer = _attach_and_send(page, [SAMPLES / "revenue_chart.png", spoken])
    assert "highest revenue" in question.inner_text().lower(), question.inner_text()
    assert "Q4 2025" in answer.get_by_test_id("stMarkdown").first.inner_text()
    chip, _ = _chip(answer, r"revenue_chart\.png")
    chip.click()
    answer.get_by_text("cited region outlined").first.wait_for(timeout=60_000)
    _shot(page, "walkthrough-voice-chart.png")


def test_text_question_opens_the_cited_pdf_page(real_app, browser) -> None:
    url, _ = real_app
    page = _open(browser, url)
    box = page.get_by_placeholder(PROMPT)
    box.wait_for(timeout=120_000)
    box.fill("What was the operating margin?")
    box.press("Enter")
    answer = page.get_by_test_id("stChatMessage").nth(1)
    answer.get_by_test_id("stMarkdown").first.wait_for(timeout=120_000)
    assert "19.0%" in answer.get_by_test_id("stMarkdown").first.inner_text()
    chip, _ = _chip(answer, r"northwind_q1_2026_report\.pdf · p\. 2")
    chip.click()
    answer.get_by_text("northwind_q1_2026_report.pdf, page 2").first.wait_for(timeout=60_000)
    assert answer.get_by_test_id("stImage").count() >= 1
    _shot(page, "walkthrough-pdf-page.png")
