"""Hostile material in a real browser: nothing a document or a model writes becomes active.

Two ``modalyst ui`` processes on loopback over the same hostile corpus (tests/reliability/hostile.py):
one with the embedded extractive answerer, one with ``answerer = "openai"`` against a scripted
loopback model that streams the same payloads, cut into 3-character tokens, and cites every
evidence item. Debian's chromium asks questions in both, opens every citation's preview, expands
every evidence expander, visits Library and Settings, and records every request it makes (each one
to a non-loopback host is aborted before it leaves, and counted) and every ``<img>``, ``<iframe>``,
``<a href>`` and other URL-bearing element in the DOM. Targets: 0 and 0.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import REPO
from tests.reliability import hostile
from tests.reliability.scripted_model import InjectingModel
from tests.ui.app_process import start_ui

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("MODALYST_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
PROMPT = "Ask about your calls, filings and charts"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
# every element attribute that makes a browser load or link to a URL
URL_ELEMENTS = """() => {
  const out = [];
  const attrs = [["img", "src"], ["img", "srcset"], ["iframe", "src"], ["frame", "src"], ["a", "href"], ["link", "href"],
                 ["script", "src"], ["source", "src"], ["video", "src"], ["video", "poster"], ["audio", "src"],
                 ["object", "data"], ["embed", "src"], ["image", "href"], ["use", "href"], ["form", "action"]];
  for (const [tag, attr] of attrs) {
    for (const el of document.querySelectorAll(tag)) {
      const raw = el.getAttribute(attr);
      if (raw === null || raw === "") continue;
      let url = raw;
      try { url = new URL(raw, document.baseURI).href; } catch (e) {}
      out.push({tag, attr, url});
    }
  }
  for (const el of document.querySelectorAll("[style]")) {
    const m = el.getAttribute("style").match(/url\\(([^)]*)\\)/);
    if (m) out.push({tag: el.tagName.toLowerCase(), attr: "style", url: m[1]});
  }
  return out;
}"""


def external(url: str) -> bool:
    """A URL the page must not load or link to: another host, or a javascript:/data:text URL."""
    parsed = urlparse(url.strip().strip("'\""))
    if parsed.scheme in ("http", "https", "ws", "wss"):
        return parsed.hostname not in LOOPBACK
    return parsed.scheme in ("javascript", "vbscript") or url.startswith("data:text")


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is absent: apt-get install -y chromium (the hostile-output browser test needs it)")
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    from assistant.orchestrator import Assistant
    from assistant.settings import Settings

    tmp = tmp_path_factory.mktemp("hostile-ui")
    files = hostile.build(tmp / "corpus")
    bot = Assistant(Settings(data_dir=tmp / "data", workspace="hostile", embedder="fake", speech_backend="fake"))
    report = bot.ingest([tmp / "corpus"])
    failed = [Path(p).name for p, _ in report.failed]
    assert set(failed) <= {"meeting.wav"}, report.failed  # the recording is only a carrier for its speaker sidecar
    shutil.copytree(tmp / "data", tmp / "data-model")
    base = {k: v for k, v in os.environ.items() if not k.startswith("MODALYST_")}
    base.update(MODALYST_WORKSPACE="hostile", MODALYST_EMBEDDER="fake", MODALYST_SPEECH_BACKEND="fake", MODALYST_TOP_K="16",
                HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False", XDG_CONFIG_HOME=str(tmp / "config"))
    processes = []
    with InjectingModel() as model:
        try:
            extractive, url_a = start_ui(dict(base, MODALYST_DATA_DIR=str(tmp / "data")), tmp)
            processes.append(extractive)
            injected, url_b = start_ui(dict(base, MODALYST_DATA_DIR=str(tmp / "data-model"), **model.env()), tmp)
            processes.append(injected)
            yield {"extractive": url_a, "model": url_b, "files": files, "server": model}
        finally:
            for process in processes:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)


class Recorder:
    """Every request the browser context makes; non-loopback ones are aborted and kept apart."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.blocked: list[str] = []

    def route(self, route) -> None:
        url = route.request.url
        self.requests.append(url)
        if external(url) or not url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            self.blocked.append(url)
            route.abort()
        else:
            route.continue_()


def _ask(page, question: str) -> None:
    messages = page.get_by_test_id("stChatMessage")
    before = messages.count()
    box = page.get_by_placeholder(PROMPT)
    box.wait_for(timeout=60_000)
    box.fill(question)
    box.press("Enter")
    messages.nth(before + 1).wait_for(timeout=60_000)
    page.get_by_text("Timings").nth(before // 2).wait_for(timeout=60_000)  # the answer is complete


def _settle(page) -> None:
    """Wait until Streamlit has finished the rerun a click started."""
    page.wait_for_timeout(600)


PREVIEWED = re.compile(r"\.(vtt|srt|json|wav|pdf|png|dcm)\b")  # kinds whose chip opens more than the passage


def _open_chips(page, first: int) -> tuple[int, int]:
    """Click the citation chips from the ``first`` one on that open a full preview (recording with
    its speaker lines, PDF page, image), and the first chip; every other cited passage is in its
    expander. Returns (chips now on the page, chips clicked)."""
    chips = page.locator("[data-testid='stButtonGroup'] button")
    count, clicked = chips.count(), 0
    for i in range(first, count):
        if i == first or PREVIEWED.search(chips.nth(i).inner_text()):
            chips.nth(i).click()
            _settle(page)
            clicked += 1
    return count, clicked


def _expand_all(page) -> int:
    """Open every expander still closed (the evidence passages and the timings)."""
    closed = page.locator("[data-testid='stExpander'] details:not([open]) > summary")
    opened = 0
    while closed.count() and opened < 120:
        closed.first.click()
        opened += 1
    _settle(page)
    return opened


def _visit(page, name: str) -> None:
    page.get_by_role("link", name=name).first.click()
    page.get_by_role("heading", name=name).first.wait_for(timeout=30_000)
    page.wait_for_timeout(1500)


def _session(browser, url: str, questions: list[str], tag: str) -> dict:
    context = browser.new_context(viewport={"width": 1200, "height": 2400})
    recorder = Recorder()
    context.route("**/*", recorder.route)
    context.on("websocket", lambda ws: recorder.requests.append(ws.url))
    page = context.new_page()
    page.goto(url, wait_until="networkidle")
    elements: list[dict] = []
    chips = clicked = 0
    for question in questions:
        _ask(page, question)
        chips, more = _open_chips(page, chips)
        clicked += more
        elements += page.evaluate(URL_ELEMENTS)
    expanded = _expand_all(page)
    elements += page.evaluate(URL_ELEMENTS)
    labels = page.locator("[data-testid='stButtonGroup'] button").all_inner_texts()
    cited = {re.sub(r"^\[\d+\]\s*", "", label).split(" · ")[0].replace("\u2060", "") for label in labels}
    text = page.inner_text("body")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"hostile-{tag}-chat.png"), full_page=True)
    _visit(page, "Library")
    elements += page.evaluate(URL_ELEMENTS)
    library = page.inner_text("body")
    page.screenshot(path=str(ARTIFACTS / f"hostile-{tag}-library.png"), full_page=True)
    _visit(page, "Settings")
    elements += page.evaluate(URL_ELEMENTS)
    context.close()
    return {"recorder": recorder, "elements": elements, "chips": chips, "clicked": clicked, "cited_files": sorted(cited), "expanded": expanded, "chat_text": text, "library_text": library}


def test_hostile_corpus_and_injecting_model_stay_inert_in_the_browser(apps) -> None:
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-component-update",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"])
        runs = {
            "extractive": _session(browser, apps["extractive"], hostile.questions(apps["files"], per_question=26)[:3], "extractive"),
            "model": _session(browser, apps["model"], hostile.questions(apps["files"], per_question=14)[2:], "model"),
        }
        browser.close()
    seconds = time.perf_counter() - started
    summary = {}
    for tag, run in runs.items():
        outside = sorted({u for u in run["recorder"].requests if external(u)})
        shown = sorted({f"{e['tag']}[{e['attr']}]={e['url']}" for e in run["elements"] if external(e["url"])})
        summary[tag] = {"requests": len(run["recorder"].requests), "non_loopback_requests": outside,
                        "external_elements": shown, "chips": run["chips"], "previews_opened": run["clicked"], "expanders_opened": run["expanded"],
                        "cited_files": len(run["cited_files"])}
    summary["seconds"] = round(seconds, 1)
    summary["corpus_files"] = len(apps["files"])
    summary["files_shown_in_chat"] = len(set(runs["extractive"]["cited_files"]) | set(runs["model"]["cited_files"]))
    summary["model_requests"] = len(apps["server"].requests)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "hostile-browser.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    for tag in runs:
        assert summary[tag]["non_loopback_requests"] == [], tag
        assert summary[tag]["external_elements"] == [], tag
        assert summary[tag]["previews_opened"] > 0, tag
    assert summary["model_requests"] >= 2  # the injecting model really answered
    # shown, not run: the payloads' URLs are readable text, the file names are listed as written
    assert f"{hostile.HOST}/pixel.png?leak=revenue" in runs["extractive"]["chat_text"]
    assert f"{hostile.HOST}/x.png?d=9.9" in runs["model"]["chat_text"]
    assert "Sources" in runs["extractive"]["library_text"]


CHART_APP = '''
import pandas as pd
import streamlit as st
from ui.evidence import chart_table
from assistant.types import Chart, ChartValue
H = "203.0.113.7"
cats = [f"![c](http://{H}/cat.png)", f"<img src=http://{H}/cat2.png>", f"[l](http://{H}/l)"]
series = [f"<img src=http://{H}/series.png>", f"![s](http://{H}/s2.png)"]
values = tuple(ChartValue(s, c, float(i + j), True, (0, 0, 1, 1)) for i, c in enumerate(cats) for j, s in enumerate(series))
table = chart_table(Chart("bar", f"![t](http://{H}/t.png)", f"<b>x</b>", None, tuple(cats), tuple(series), values))
st.dataframe(table)
st.bar_chart(table, sort=False)
st.write("done")
'''


def test_chart_tables_and_plots_of_hostile_labels_stay_text(tmp_path) -> None:
    """The chart preview's st.dataframe (canvas) and st.bar_chart (Vega) show OCR'd labels as text:
    they are not escaped (escapes would show), and load or link nothing."""
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is absent: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    from tests.ui.app_process import free_port

    (tmp_path / "chart_app.py").write_text(CHART_APP)
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(REPO), STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(tmp_path / "chart_app.py"), "--server.address", "127.0.0.1",
                                "--server.port", str(port), "--server.headless", "true"], env=env, cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        recorder = Recorder()
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
            context = browser.new_context()
            context.route("**/*", recorder.route)
            page = context.new_page()
            for _ in range(120):
                try:
                    page.goto(f"http://127.0.0.1:{port}/", wait_until="networkidle")
                    break
                except Exception:  # playwright's Error while Streamlit is still starting
                    time.sleep(0.5)
            page.get_by_text("done").wait_for(timeout=60_000)
            page.wait_for_timeout(2000)
            elements = [e for e in page.evaluate(URL_ELEMENTS) if external(e["url"])]
            browser.close()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    assert [u for u in recorder.requests if external(u)] == [] and elements == []
