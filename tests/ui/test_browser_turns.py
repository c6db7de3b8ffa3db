"""The chat's turns, messages, Library and Settings, and phone width, in a real browser (Debian's
chromium through Playwright). One app process and one browser serve the whole module.

Targets checked here: no question silently dropped, no conversation lost on reload, no server
folder anywhere on a page. Screenshots at 390 and 1300 px go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.conftest import DATA, REPO, SAMPLES
from tests.ui.app_process import start_ui

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("MODALYST_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
PROMPT = "Ask about your calls, filings and charts"
REPORT = SAMPLES / "northwind_q1_2026_report.pdf"
CHART = SAMPLES / "revenue_chart.png"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3,
         "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"}
WIDER_THAN_VIEWPORT = """() => {
  const limit = document.documentElement.clientWidth + 1;
  const wide = [];
  for (const el of document.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    let clipped = false;  // inside a box that scrolls or clips sideways (a table, a chart): fine
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const ox = getComputedStyle(up).overflowX;
      if ((ox === 'auto' || ox === 'scroll' || ox === 'hidden') && up.getBoundingClientRect().right <= limit) { clipped = true; break; }
    }
    if (!clipped && (box.right > limit || box.width > limit)) wide.push(`${el.tagName}.${el.className}`.slice(0, 80) + ` ${Math.round(box.width)}px`);
  }
  return wide;
}"""


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is absent: apt-get install -y chromium")
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    root = tmp_path_factory.mktemp("browser-turns")
    env = dict(os.environ, MODALYST_DATA_DIR=str(root / "data"), MODALYST_WORKSPACE="browser", MODALYST_EMBEDDER="fake",
               MODALYST_SPEECH_BACKEND="fake", HF_HUB_OFFLINE="1", STREAMLIT_SERVER_MAX_UPLOAD_SIZE="1")
    from assistant.orchestrator import Assistant
    from assistant.settings import load_settings
    from ui.session import keep_in_library

    saved = dict(os.environ)
    os.environ.update(env)
    try:  # the filing as an upload is kept: a hash-prefixed copy in the library folder
        settings = load_settings()
        Assistant(settings).ingest([keep_in_library(settings, REPORT.name, REPORT.read_bytes())])
    finally:
        os.environ.clear()
        os.environ.update(saved)
    log = (root / "app.log").open("wb")
    process, url = start_ui(env, root, stdout=log)
    try:
        yield url, root / "data", root / "app.log"
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # modalyst ui and its streamlit child
        process.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def browser(app):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(app, browser):
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    tab = context.new_page()
    tab.goto(app[0], wait_until="networkidle")
    tab.get_by_placeholder(PROMPT).wait_for(timeout=60_000)
    yield tab
    context.close()


def _messages(page):
    return page.get_by_test_id("stChatMessage")


def _attach(page, *files: Path) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_test_id("stChatInputFileUploadButton").click()
    chooser.value.set_files([str(f) for f in files])
    for f in files:  # the upload shows in the input before the prompt can be sent
        page.get_by_test_id("stChatInput").get_by_text(f.stem[:5]).first.wait_for(timeout=30_000)  # long names are cut short
    page.wait_for_timeout(1000)


def _send(page, text: str) -> None:
    box = page.get_by_placeholder(PROMPT)
    box.fill(text)
    box.press("Enter")


def _answered(page, count: int) -> None:
    """Wait until ``count`` messages are on screen, the last one a finished answer (its timings shown)."""
    _messages(page).nth(count - 1).wait_for(timeout=90_000)
    page.wait_for_function(
        """n => { const m = document.querySelectorAll('[data-testid="stChatMessage"]');
                  return m.length >= n && m[n - 1].innerText.includes('Timings') && !document.querySelector('textarea[disabled]'); }""",
        arg=count, timeout=90_000)
    page.wait_for_timeout(300)


def _no_server_folder(page, data_dir: Path) -> None:
    text = page.inner_text("body")
    assert str(data_dir) not in text and "/library/" not in text, text[:2000]


def test_a_second_question_waits_and_none_is_dropped(page, app) -> None:
    _attach(page, CHART)
    _send(page, "What was revenue in Q4 2025?")
    page.wait_for_selector("textarea[disabled]", timeout=5_000)  # no second question while the first is answered
    _answered(page, 2)
    _send(page, "What was the operating margin?")
    _answered(page, 4)
    texts = [m.inner_text() for m in _messages(page).all()]
    assert "What was revenue in Q4 2025?" in texts[0] and "What was the operating margin?" in texts[2], texts
    assert "19.0%" in texts[3], texts
    chips = [c.inner_text() for c in page.locator("[data-testid='stButtonGroup'] button").all()]
    assert any(c.startswith("[1] revenue_chart.png · ") for c in chips), chips
    assert "[1] northwind_q1_2026_report.pdf · p. 2" in chips, chips
    _no_server_folder(page, app[1])


def test_a_reload_mid_answer_keeps_the_conversation_and_cancels_the_old_run(page, app) -> None:
    _attach(page, CHART)
    _send(page, "What was revenue in Q3 2025?")
    page.wait_for_selector("textarea[disabled]", timeout=5_000)
    assert "c=" in page.url
    page.reload(wait_until="networkidle")
    _answered(page, 2)
    texts = [m.inner_text().split("\n\n")[:2] for m in _messages(page).all()]
    assert len(texts) == 2 and "What was revenue in Q3 2025?" in texts[0][1], texts
    page.reload(wait_until="networkidle")  # and once answered, a reload shows it as it was
    _answered(page, 2)
    assert [m.inner_text().split("\n\n")[:2] for m in _messages(page).all()] == texts
    deadline = time.monotonic() + 20
    while b"cancelled" not in app[2].read_bytes() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert b"answer was cancelled" in app[2].read_bytes(), "the abandoned run stopped"


def test_bad_prompts_say_what_to_do_without_a_bubble(page, app) -> None:
    _send(page, "    ")
    page.get_by_text("the question is empty: type a question").wait_for(timeout=30_000)
    _send(page, "why " * 5000)
    page.get_by_text("over the limit of 2,000 (setting max_question_chars)").wait_for(timeout=30_000)
    docx = app[1].parent / "memo.docx"
    docx.write_bytes(b"PK\x03\x04 not really a document")
    _attach(page, docx)
    _send(page, "What is in the memo?")
    page.get_by_text("memo.docx: unsupported file type '.docx'; accepted: recordings").wait_for(timeout=30_000)
    assert _messages(page).count() == 0, "no bubble for a refused prompt"
    page.screenshot(path=str(_artifact("browser-messages-1300.png")), full_page=True)


def test_workspace_switch_shows_that_workspaces_conversation(page, app) -> None:
    _send(page, "What was the operating margin?")
    _answered(page, 2)
    base = app[0]
    page.goto(base + "settings?" + page.url.split("?", 1)[1], wait_until="networkidle")
    page.get_by_role("textbox", name="Workspace").fill("clinic")
    page.get_by_role("button", name="Apply").click()
    page.get_by_text("There is no workspace clinic yet").wait_for(timeout=30_000)
    page.get_by_role("button", name="Create clinic").click()
    page.get_by_text("Now using workspace clinic").wait_for(timeout=30_000)
    page.get_by_test_id("stSidebarNav").get_by_text("Chat").click()
    page.get_by_text("workspace clinic · profile").wait_for(timeout=30_000)
    assert _messages(page).count() == 0, "the clinic workspace has its own (empty) conversation"
    page.get_by_test_id("stSidebarNav").get_by_text("Settings").click()
    page.get_by_role("textbox", name="Workspace").fill("browser")
    page.get_by_role("button", name="Apply").click()
    page.get_by_text("Now using workspace browser").wait_for(timeout=30_000)
    page.get_by_test_id("stSidebarNav").get_by_text("Chat").click()
    _messages(page).nth(1).wait_for(timeout=30_000)
    assert "What was the operating margin?" in _messages(page).first.inner_text()


def test_plain_urls_and_a_remove_that_asks_first(page, app) -> None:
    _send(page, "What was the operating margin?")
    _answered(page, 2)
    query = page.url.split("?", 1)[1]
    page.goto(app[0] + "library?" + query, wait_until="networkidle")
    page.get_by_text("Sources").first.wait_for(timeout=30_000)
    assert "Page not found" not in page.inner_text("body")
    page.get_by_text("Up to 1 MB per upload; to add a longer recording").wait_for(timeout=10_000)
    page.get_by_role("button", name="Remove…").click()
    page.get_by_text("Remove northwind_q1_2026_report.pdf from workspace browser?").wait_for(timeout=30_000)
    page.screenshot(path=str(_artifact("browser-remove-confirm-1300.png")))
    page.get_by_test_id("stDialog").get_by_role("button", name="Remove", exact=True).click()
    page.get_by_text("Removed northwind_q1_2026_report.pdf from the workspace.").wait_for(timeout=30_000)
    page.get_by_test_id("stSidebarNav").get_by_text("Chat").click()
    chip = page.locator("[data-testid='stButtonGroup'] button").first
    chip.wait_for(timeout=30_000)
    assert chip.inner_text() == "[1] northwind_q1_2026_report.pdf · p. 2"
    chip.click()
    page.get_by_text("preview unavailable: northwind_q1_2026_report.pdf").wait_for(timeout=30_000)
    _no_server_folder(page, app[1])
    page.goto(app[0] + "settings?" + query, wait_until="networkidle")
    page.get_by_text("Image descriptions").wait_for(timeout=30_000)


def test_previews_fit_a_phone_and_a_desktop(page, app) -> None:
    _attach(page, CHART)
    _send(page, "What was revenue in Q4 2025?")
    _answered(page, 2)
    page.locator("[data-testid='stButtonGroup'] button").first.click()
    page.get_by_text("cited region outlined").first.wait_for(timeout=60_000)
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=30_000)
    _attach(page, REPORT)
    _send(page, "What was the operating margin?")
    _answered(page, 4)
    page.locator("[data-testid='stButtonGroup']").nth(1).locator("button").first.click()
    page.get_by_text("northwind_q1_2026_report.pdf, page 2").first.wait_for(timeout=60_000)
    for width in (1300, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(1500)
        wide = page.evaluate(WIDER_THAN_VIEWPORT)
        for shown, caption in (("chart", "cited region outlined"), ("page", "northwind_q1_2026_report.pdf, page 2")):
            page.get_by_text(caption).first.scroll_into_view_if_needed()
            page.wait_for_timeout(500)
            page.screenshot(path=str(_artifact(f"browser-{shown}-preview-{width}.png")))
        assert not wide, (width, wide[:10])


def test_on_a_phone_the_sidebar_closes_after_a_choice(browser, app) -> None:
    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    try:
        page.goto(app[0] + "settings", wait_until="networkidle")
        page.get_by_text("Image descriptions").wait_for(timeout=60_000)
        page.get_by_test_id("stExpandSidebarButton").click()
        page.get_by_test_id("stSidebarNav").get_by_text("Library").click()
        page.get_by_text("Sources").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1000)
        right = page.get_by_test_id("stSidebar").evaluate("el => el.getBoundingClientRect().right")
        page.screenshot(path=str(_artifact("browser-library-390.png")), full_page=True)
        assert right <= 1, f"the sidebar still covers {right:.0f} px of the page"
        assert not page.evaluate(WIDER_THAN_VIEWPORT)
    finally:
        phone.close()


def _artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
