"""Who may drive the API: Host and Origin rules, /docs offline and keyed, the workspace-name full match,
the disk cap on uploads, per-workspace write locks. The real-process checks (forged Host over a raw
socket, half-open connections, a cross-origin page in Chromium) are in test_server_process.py."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.host_guard import bound_hosts
from assistant.server import create_app
from assistant.settings import Settings

BASE = "http://127.0.0.1:8080"
NOTE = ("files", ("note.txt", b"Revenue was 4.2 million dollars.", "text/plain"))


@pytest.fixture
def server_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", embedder="fake", speech_backend="fake", ocr_backend="fake")


@pytest.fixture
def bound(server_settings: Settings) -> TestClient:
    """The app as ``serve`` builds it on 127.0.0.1:8080, with one allowed origin."""
    settings = server_settings.model_copy(update={"allowed_origins": "https://app.example.org"})
    return TestClient(create_app(settings, keys={}, hosts=bound_hosts("127.0.0.1")), base_url=BASE)


def sources(client: TestClient) -> list:
    return client.get("/v1/sources").json()


def test_a_forged_host_is_refused_before_anything_is_read_or_written(bound: TestClient) -> None:
    forged = ["rebind.evil.example", "rebind.evil.example:8080", "127.0.0.1.evil.example", "evil:1:2", "", "[::2]:8080"]
    answers = [bound.post("/v1/ingest", files=[NOTE], headers={"Host": host}) for host in forged]
    answers += [bound.get("/v1/sources", headers={"Host": host}) for host in forged]
    assert [a.status_code for a in answers] == [403] * len(answers)
    assert "is not an address this server answers to" in answers[0].json()["error"]
    assert sources(bound) == []
    for host in ("127.0.0.1:8080", "localhost:8080", "[::1]:8080", "LOCALHOST:8080"):
        assert bound.get("/healthz", headers={"Host": host}).status_code == 200, host


def test_a_page_of_another_origin_cannot_post_or_delete(bound: TestClient) -> None:
    refused = [
        {"Origin": "http://127.0.0.1:9000"},  # another port on loopback
        {"Origin": "http://localhost:8080"},  # another name for the same server is another origin
        {"Origin": "null"},  # a sandboxed frame or a file:// page
        {"Origin": "https://app.example.org.evil.example"},
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"},  # a browser request without Origin
        {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "cors"},
    ]
    for headers in refused:
        answer = bound.post("/v1/ingest", files=[NOTE], headers=headers)
        assert answer.status_code == 403, (headers, answer.text)
    assert sources(bound) == []
    added = bound.post("/v1/ingest", files=[NOTE], headers={"Origin": "https://app.example.org"})  # allow-listed
    assert added.status_code == 200, added.text
    own = bound.post("/v1/ingest", files=[NOTE], headers={"Origin": BASE})  # the /docs page itself
    assert own.status_code == 200 and len(own.json()["skipped"]) == 1
    source = added.json()["added"][0]["id"]
    assert bound.delete(f"/v1/sources/{source}", headers={"Origin": "http://127.0.0.1:9000"}).status_code == 403
    assert [s["id"] for s in sources(bound)] == [source]
    # following a link (a top-level navigation) still opens the docs page
    assert bound.get("/docs", headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}).status_code == 200


def test_docs_load_only_bundled_assets(bound: TestClient) -> None:
    page = bound.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href)=["']([^"']+)""", page.text)
    assert urls and all(u.startswith("/docs/assets/") for u in urls), urls
    assert "cdn" not in page.text.lower() and "validatorUrl" in page.text
    for url in urls:
        asset = bound.get(url)
        assert asset.status_code == 200 and len(asset.content) > 100, url


def test_docs_and_schema_need_a_key_when_keys_are_set(server_settings: Settings) -> None:
    client = TestClient(create_app(server_settings, keys={"key-a": {"alpha"}}))
    assert client.get("/docs").status_code == 401
    assert client.get("/openapi.json").status_code == 401
    assert client.get("/docs", headers={"X-API-Key": "key-a"}).status_code == 200
    assert client.get("/openapi.json", headers={"Authorization": "Bearer key-a"}).json()["info"]["title"] == "modalyst"
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("name", ["alpha\n", "alpha%0a", "alpha\r\n", "\nalpha"])
def test_a_workspace_name_must_match_in_full(server_settings: Settings, name: str) -> None:
    client = TestClient(create_app(server_settings, keys={}))
    answer = client.get("/v1/sources", params={"workspace": name})
    assert answer.status_code == 400 and "is invalid" in answer.json()["error"], answer.text
    assert not (server_settings.data_dir / "library").exists()


def test_uploads_over_the_disk_cap_get_507(server_settings: Settings) -> None:
    settings = server_settings.model_copy(update={"upload_disk_mb": 4096 / 2**20})
    app = create_app(settings, keys={})
    client = TestClient(app)
    answer = client.post("/v1/ingest", files=[("files", ("big.txt", b"Revenue was 1 million. " * 400, "text/plain"))])
    assert answer.status_code == 507, answer.text
    assert "cap of 4096 bytes on disk" in answer.json()["error"]
    assert app.state.disk.held == 0  # given back when the request ended
    assert client.post("/v1/ingest", files=[NOTE]).status_code == 200  # small ones still fit
    assert not any((settings.data_dir / "uploads").rglob("*"))


def test_a_busy_workspace_does_not_block_writes_to_another(server_settings: Settings) -> None:
    app = create_app(server_settings, keys={})
    client = TestClient(app)
    _, lock = app.state.workspaces.get("slow")
    lock.acquire()  # as a long ingest into "slow" holds it
    try:
        done: list[int] = []
        thread = threading.Thread(target=lambda: done.append(client.post("/v1/ingest", files=[NOTE], data={"workspace": "quick"}).status_code))
        started = time.perf_counter()
        thread.start()
        thread.join(timeout=30)
        assert done == [200] and time.perf_counter() - started < 30
        blocked: list[int] = []
        other = threading.Thread(target=lambda: blocked.append(client.post("/v1/ingest", files=[NOTE], data={"workspace": "slow"}).status_code))
        other.start()
        other.join(timeout=1.0)
        assert blocked == []  # the same workspace waits for its lock
    finally:
        lock.release()
    other.join(timeout=30)
    assert blocked == [200]
