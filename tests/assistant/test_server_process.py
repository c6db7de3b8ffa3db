"""A real `modalyst serve`: forged Host headers over a raw socket, half-open requests, and a web page
on another loopback port posting to the API from Chromium (fetch no-cors and a form): 0 accepted."""

from __future__ import annotations

import http.server
import json
import os
import socket
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.assistant.server_process import free_port, raw_request, start_serve, stop

CHROMIUM = os.environ.get("MODALYST_TEST_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def server(tmp_path: Path):
    process, port = start_serve(tmp_path / "data", {"MODALYST_REQUEST_TIMEOUT": "1", "MODALYST_CLIENT_CONNECTIONS": "16"})
    try:
        yield port
    finally:
        stop(process)


def listed(port: int) -> list:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/sources", timeout=5) as reply:
        return json.loads(reply.read())


def multipart(host: str) -> bytes:
    body = (b"--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"rebind.txt\"\r\nContent-Type: text/plain\r\n\r\n"
            b"Revenue was 9.9 million.\r\n--x--\r\n")
    head = f"POST /v1/ingest HTTP/1.1\r\nHost: {host}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    return head.encode() + body


@pytest.mark.slow
def test_forged_host_headers_are_refused_by_the_running_server(server: int) -> None:
    forged = ["rebind.evil.example", f"rebind.evil.example:{server}", "127.0.0.1.nip.example", "0.0.0.0", "127.0.0.2"]
    replies = [raw_request(server, multipart(host)) for host in forged]
    replies.append(raw_request(server, b"GET /v1/sources HTTP/1.0\r\n\r\n"))  # no Host at all
    assert [r.split(b" ", 2)[1] for r in replies] == [b"403"] * len(replies), [r[:60] for r in replies]
    assert listed(server) == []
    accepted = raw_request(server, multipart(f"127.0.0.1:{server}"))
    assert accepted.split(b" ", 2)[1] == b"200", accepted[-300:]
    assert [s["path"] for s in listed(server)] == ["rebind.txt"]


@pytest.mark.slow
def test_half_open_requests_are_closed_and_never_starve_health(server: int) -> None:
    started = time.perf_counter()
    assert raw_request(server, b"GET /v1/sources HTTP/1.1\r\nHost: 127", timeout=10) == b""  # closed, no reply
    assert 0.9 <= time.perf_counter() - started < 5
    slow = []
    for _ in range(100):  # from one address, over the cap of 16
        sock = socket.create_connection(("127.0.0.1", server), timeout=5)
        sock.sendall(b"POST /v1/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        slow.append(sock)
    try:
        for _ in range(5):
            begun = time.perf_counter()
            assert raw_request(server, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").endswith(b'{"status":"ok"}')
            assert time.perf_counter() - begun < 1.0
        time.sleep(0.3)
        open_ones = 0
        for sock in slow:
            sock.setblocking(False)
            try:
                open_ones += sock.recv(1) != b""
            except BlockingIOError:
                open_ones += 1
            except OSError:
                pass
        assert open_ones <= 16
    finally:
        for sock in slow:
            sock.close()


PAGE = """<!doctype html><html><body><form id="f" method="post" enctype="multipart/form-data" target="sink" action="API/v1/ingest">
<input type="hidden" name="workspace" value="default"></form><iframe name="sink"></iframe><script>
async function run() {
  const tries = [];
  for (const api of ["API", "ALT"]) {
    const body = new FormData();
    body.append("files", new Blob(["Revenue was 9.9 million."], {type: "text/plain"}), "from-page.txt");
    tries.push(fetch(api + "/v1/ingest", {method: "POST", mode: "no-cors", body}).then(() => "sent", e => "failed"));
    tries.push(fetch(api + "/v1/ingest", {method: "POST", body}).then(r => "read " + r.status, e => "blocked"));
    tries.push(fetch(api + "/v1/sources", {mode: "no-cors"}).then(() => "sent", e => "failed"));
  }
  const file = new DataTransfer();
  file.items.add(new File(["Revenue was 9.9 million."], "from-form.txt", {type: "text/plain"}));
  const input = document.createElement("input"); input.type = "file"; input.name = "files"; input.files = file.files;
  document.getElementById("f").appendChild(input);
  document.getElementById("f").submit();
  document.title = "done " + JSON.stringify(await Promise.all(tries));
}
run();
</script></body></html>"""


@pytest.mark.browser
@pytest.mark.slow
def test_a_page_on_another_loopback_port_cannot_ingest(server: int) -> None:
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is absent: apt-get install -y chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    page_html = PAGE.replace("API", f"http://127.0.0.1:{server}").replace("ALT", f"http://localhost:{server}").encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page_html)

        def log_message(self, *args) -> None:
            pass

    site = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Page)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        with sync_api.sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
            tab = browser.new_page()
            requests: list[str] = []
            tab.on("request", lambda r: requests.append(f"{r.method} {r.url}"))
            tab.goto(f"http://127.0.0.1:{site.server_port}/", wait_until="load")
            tab.wait_for_function("document.title.startsWith('done')", timeout=30_000)
            tab.wait_for_timeout(1500)  # the form's post lands in its frame
            outcome = tab.title()
            browser.close()
    finally:
        site.shutdown()
    posts = [r for r in requests if r.startswith("POST") and "/v1/ingest" in r]
    assert len(posts) >= 5, requests  # the browser did send them (no-cors x2, cors x2, the form)
    assert "read 200" not in outcome, outcome
    assert listed(server) == []  # 0 accepted
    print(f"cross-origin page: {len(posts)} POSTs to /v1/ingest sent by Chromium, 0 accepted; page saw {outcome}")


@pytest.mark.browser
@pytest.mark.slow
def test_docs_render_in_chromium_from_loopback_only(server: int) -> None:
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is absent: apt-get install -y chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        tab = browser.new_page()
        requests: list[str] = []
        tab.on("request", lambda r: requests.append(r.url))
        tab.goto(f"http://127.0.0.1:{server}/docs", wait_until="networkidle")
        tab.locator(".swagger-ui .info .title").wait_for(timeout=30_000)
        title = tab.locator(".swagger-ui .info .title").inner_text()
        operations = tab.locator(".opblock-summary-path").count()
        browser.close()
    assert title.startswith("modalyst") and operations == 5, (title, operations)
    outside = [u for u in requests if not u.startswith(f"http://127.0.0.1:{server}/")]
    assert outside == [], outside
