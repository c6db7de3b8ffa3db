"""Who may drive `modalyst ui`: no network address without sign-in; a real UI process refuses forged
Host headers (DNS rebinding) and other sites' pages, over HTTP and its WebSocket; in Chromium the key
form takes a flood of wrong keys (slowed, never crashing) and then the right key opens its workspace only."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant import cli
from tests.assistant.server_process import raw_request
from tests.reliability.conftest import record
from tests.ui.app_process import start_ui

CHROMIUM = os.environ.get("MODALYST_TEST_CHROMIUM", "/usr/bin/chromium")
KEYS = "key-a-7f3e9c:alpha;key-b-51d2aa:beta"


@pytest.fixture
def popen(monkeypatch):
    started: list[list[str]] = []

    class FakePopen:
        def __init__(self, command, env):
            started.append(command)

        def wait(self):
            return 0

    monkeypatch.setattr("subprocess.Popen", FakePopen)
    monkeypatch.setattr("signal.signal", lambda *args: None)
    return started


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10"])
def test_a_network_address_without_sign_in_exits_2_with_one_line(host, popen, monkeypatch, tmp_path):
    monkeypatch.delenv("MODALYST_API_KEYS", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    result = CliRunner().invoke(cli.app, ["ui", "--host", host])
    assert result.exit_code == 2 and popen == []
    assert result.stderr.count("\n") == 1 and "MODALYST_API_KEYS" in result.stderr and "[auth]" in result.stderr


def test_keys_or_oidc_let_the_chat_bind_a_network_address(popen, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("MODALYST_API_KEYS", KEYS)
    assert CliRunner().invoke(cli.app, ["ui", "--host", "0.0.0.0"]).exit_code == 0
    monkeypatch.delenv("MODALYST_API_KEYS")
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text('[auth]\nredirect_uri = "https://chat.example.org/oauth2callback"\n')
    assert CliRunner().invoke(cli.app, ["ui", "--host", "0.0.0.0"]).exit_code == 0
    assert len(popen) == 2 and all(c[c.index("run") + 1].endswith("ui/serve_app.py") for c in popen)
    assert popen[0][popen[0].index("--server.address") + 1] == "0.0.0.0"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, MODALYST_DATA_DIR=str(tmp_path / "data"), MODALYST_EMBEDDER="fake", MODALYST_SPEECH_BACKEND="fake",
               MODALYST_OCR_BACKEND="fake", HF_HUB_OFFLINE="1", **extra)
    if "MODALYST_API_KEYS" not in extra:
        env.pop("MODALYST_API_KEYS", None)
    return env


def _status(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/") else 0


WEBSOCKET = ("GET /_stcore/stream HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n{extra}"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")


@pytest.mark.slow
def test_a_running_ui_refuses_forged_hosts_and_other_sites(tmp_path):
    process, url = start_ui(_env(tmp_path), tmp_path)
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    try:
        own = f"127.0.0.1:{port}"
        forged = ["rebind.evil.example", f"rebind.evil.example:{port}", "127.0.0.1.evil.example", "192.0.2.10", "evil:1:2"]
        pages = [raw_request(port, f"GET / HTTP/1.1\r\nHost: {h}\r\nConnection: close\r\n\r\n".encode()) for h in forged]
        sockets = [raw_request(port, WEBSOCKET.format(host=h, extra="").encode(), timeout=2) for h in forged]
        other_site = raw_request(port, WEBSOCKET.format(host=own, extra="Origin: http://127.0.0.1:9/\r\n").encode(), timeout=2)
        health = raw_request(port, f"GET /_stcore/health HTTP/1.1\r\nHost: rebind.evil.example\r\nConnection: close\r\n\r\n".encode())
        accepted = [r for r in (*pages, *sockets, other_site, health) if _status(r) != 403]
        assert accepted == [], [r[:80] for r in accepted]
        assert _status(raw_request(port, f"GET / HTTP/1.1\r\nHost: {own}\r\nConnection: close\r\n\r\n".encode())) == 200
        assert _status(raw_request(port, f"GET / HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n".encode())) == 200
        same = raw_request(port, WEBSOCKET.format(host=own, extra=f"Origin: http://{own}\r\n").encode(), timeout=2)
        assert _status(same) == 101  # the app's own page still connects
        record("UI requests with a forged Host or another site's Origin accepted (of tries)", f"{len(accepted)} of {len(forged) * 2 + 2}")
        print(f"UI: {len(accepted)} of {len(forged) * 2 + 2} forged-Host / other-site requests accepted")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


@pytest.mark.browser
@pytest.mark.slow
def test_the_key_form_survives_a_flood_and_opens_only_its_workspace(tmp_path):
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is absent: apt-get install -y chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    from assistant.orchestrator import Assistant
    from assistant.settings import load_settings

    for workspace, text in (("alpha", "Project Falcon price was 713.25 million."), ("beta", "Beta revenue was 4.2 million.")):
        note = tmp_path / f"{workspace}-note.txt"
        note.write_text(text)
        Assistant(load_settings({"workspace": workspace, "data_dir": str(tmp_path / "data"), "embedder": "fake"})).ingest([note])
    process, url = start_ui(_env(tmp_path, MODALYST_API_KEYS=KEYS), tmp_path)
    try:
        with sync_api.sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
            tab = browser.new_page()
            tab.goto(url, wait_until="networkidle")
            box = tab.get_by_label("API key", exact=True).and_(tab.locator("input"))
            box.wait_for(timeout=60_000)
            assert box.get_attribute("type") == "password"
            messages, started = [], time.perf_counter()
            for n in range(12):
                box.fill(f"wrong-key-{n}")
                tab.get_by_role("button", name="Sign in with key").click()
                alert = tab.get_by_test_id("stAlert").last
                alert.wait_for(timeout=30_000)
                messages.append(alert.inner_text())
                assert box.input_value() == ""  # never echoed back
            flood_s = time.perf_counter() - started
            assert tab.get_by_test_id("stException").count() == 0
            slowed = sum("try again in" in m for m in messages)
            assert slowed >= 3, messages
            wait = max(int(m) for m in re.findall(r"try again in (\d+) s", messages[-1]) or ["0"])
            tab.wait_for_timeout((wait + 1) * 1000)
            box.fill("key-b-51d2aa")
            tab.get_by_role("button", name="Sign in with key").click()
            tab.get_by_placeholder("Ask about your calls, filings and charts").wait_for(timeout=60_000)
            tab.get_by_test_id("stSidebarNav").get_by_text("Library").click()  # in the app: a reload signs out
            tab.get_by_text("beta-note.txt").first.wait_for(state="attached", timeout=60_000)  # a cell of the source table
            page = tab.content()
            assert "alpha-note.txt" not in page and "on this machine" not in page
            browser.close()
        record("UI key form: wrong keys in a flood (slowed / crashes), seconds", f"12 ({slowed} slowed / 0), {flood_s:.1f} s")
        print(f"key form: 12 wrong keys in {flood_s:.1f} s, {slowed} refused unchecked ('try again in'), 0 crashes; last: {messages[-1]!r}")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
