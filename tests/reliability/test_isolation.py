"""Isolation and access: API keys reach only their workspaces (read, list, ask, delete); upload names
cannot leave the data dir; nothing fetches URLs named by documents; Chroma and Streamlit telemetry off.
Complements tests/assistant/test_server.py (which covers the basic 401/403 matrix and safe_name)."""

from __future__ import annotations

import socket
import urllib.request
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.server import create_app
from assistant.settings import Settings
from assistant.types import Turn
from tests.reliability.conftest import FIGURES, record

KEYS = {"key-a": {"alpha"}, "key-b": {"beta"}}
A, B = {"Authorization": "Bearer key-a"}, {"X-API-Key": "key-b"}
ALPHA_SECRET = "Project Falcon acquisition price was 713.25 million dollars."
BETA_NOTE = "Beta team note: revenue was 4.2 million dollars in Q1."


@pytest.fixture
def server_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", embedder="fake", speech_backend="fake", ocr_backend="fake")


@pytest.fixture
def keyed(server_settings: Settings) -> TestClient:
    client = TestClient(create_app(server_settings, keys=KEYS))
    for body, ws, headers in ((ALPHA_SECRET, "alpha", A), (BETA_NOTE, "beta", B)):
        added = client.post("/v1/ingest", files=[("files", (f"{ws}.txt", body.encode(), "text/plain"))], data={"workspace": ws}, headers=headers)
        assert added.status_code == 200 and len(added.json()["added"]) == 1, added.text
    return client


def test_a_key_never_reads_lists_asks_or_deletes_another_workspace(keyed: TestClient):
    alpha_id = keyed.get("/v1/sources", params={"workspace": "alpha"}, headers=A).json()[0]["id"]
    beta_sources = keyed.get("/v1/sources", params={"workspace": "beta"}, headers=B).json()
    assert [s["path"].rsplit("-", 1)[-1] for s in beta_sources] == ["beta.txt"]

    # B asks about A's secret in its own workspace: nothing of alpha comes back
    answer = keyed.post("/v1/ask", data={"question": "What was the Project Falcon acquisition price?", "workspace": "beta"}, headers=B)
    assert answer.status_code == 200, answer.text
    assert "713.25" not in answer.text and "Falcon acquisition price was" not in answer.text
    assert all(e["source"] != alpha_id for e in answer.json()["evidence"])

    # every way of naming alpha from key-b is refused before anything is read or removed
    tries = [
        keyed.post("/v1/ask", data={"question": "price?", "workspace": "alpha"}, headers=B),
        keyed.get("/v1/sources", params={"workspace": "alpha"}, headers=B),
        keyed.delete(f"/v1/sources/{alpha_id}", params={"workspace": "alpha"}, headers=B),
    ]
    assert [t.status_code for t in tries] == [403, 403, 403]
    for name in ("ALPHA", "alpha ", "../alpha", "alpha/../beta", "ws-alpha-chunks", "alpha\x00"):
        result = keyed.get("/v1/sources", params={"workspace": name}, headers=B)
        assert result.status_code in (400, 403), (name, result.status_code)
    # deleting alpha's source id (or its prefix) inside beta finds nothing
    for ident in (alpha_id, alpha_id[:6]):
        gone = keyed.delete(f"/v1/sources/{ident}", params={"workspace": "beta"}, headers=B)
        assert gone.status_code == 404, gone.text
    # a key with both headers is judged by the bearer key, and a wrong key never falls back to the other
    both = keyed.get("/v1/sources", params={"workspace": "alpha"}, headers={"Authorization": "Bearer key-b", "X-API-Key": "key-a"})
    assert both.status_code == 403
    assert [s["id"] for s in keyed.get("/v1/sources", params={"workspace": "alpha"}, headers=A).json()] == [alpha_id]
    record("cross-workspace API attempts refused (ask, list, delete, disguised names, id prefixes, mixed keys)", 3 + 6 + 2 + 1)


def test_attachments_of_an_ask_never_enter_any_workspace(keyed: TestClient):
    before = keyed.get("/v1/sources", params={"workspace": "beta"}, headers=B).json()
    asked = keyed.post(
        "/v1/ask",
        data={"question": "What does the memo say?", "workspace": "beta"},
        files=[("files", ("memo.txt", b"Memo: the dividend is 0.77 per share.", "text/plain"))],
        headers=B,
    )
    assert asked.status_code == 200, asked.text
    assert keyed.get("/v1/sources", params={"workspace": "beta"}, headers=B).json() == before


@pytest.mark.parametrize(
    "name",
    ["../../etc/x", "/etc/x.txt", "evil\x00.txt", "..%2F..%2Fescape.txt", "....//....//x.txt", "a/" * 200 + "deep.txt",
     "C:\\Windows\\x.txt", "\u202etxt.exe", "con.txt", ".."],
)
def test_upload_names_stay_inside_the_library(server_settings: Settings, tmp_path: Path, name: str):
    client = TestClient(create_app(server_settings, keys={}))
    data_dir = server_settings.data_dir
    before = sorted(p for p in tmp_path.rglob("*") if p != data_dir and data_dir not in p.parents)
    result = client.post("/v1/ingest", files=[("files", (name, b"Dividends were 0.5 per share.", "text/plain"))])
    assert result.status_code in (200, 400, 422), result.text
    after = sorted(p for p in tmp_path.rglob("*") if p != data_dir and data_dir not in p.parents)
    assert after == before
    library = server_settings.data_dir.resolve() / "library" / "default"
    for item in result.json().get("added", []):
        assert "/" not in item["path"] and "\x00" not in item["path"]  # the API shows file names only
        kept = library / f"{item['id']}-{item['path']}"
        assert kept.is_file() and kept.resolve().parent == library
    uploads = server_settings.data_dir / "uploads"
    assert not uploads.exists() or list(uploads.rglob("*")) == []
    assert not Path("/etc/x").exists() and not Path("/etc/x.txt").exists()
    FIGURES["hostile upload names kept inside the library"] = int(FIGURES.get("hostile upload names kept inside the library", 0)) + 1


# -- no network fetches ---------------------------------------------------------------------------
HTML = """<html><head><title>Report</title><link rel="stylesheet" href="http://203.0.113.7/s.css">
<script src="https://203.0.113.7/x.js"></script></head><body>
<h1>Q1 report</h1><p>Revenue was $4.2 billion.<img src="http://203.0.113.7/pixel.png?leak=1"></p>
<iframe src="http://203.0.113.8/frame"></iframe><object data="http://203.0.113.9/o.swf"></object>
<svg><image href="http://203.0.113.10/i.png"/></svg><a href="http://203.0.113.11/more">more</a></body></html>"""
MARKDOWN = "# Note\n\nSee ![chart](http://203.0.113.12/c.png) and [the filing](https://203.0.113.13/10k.pdf). Margin 41%.\n"


@pytest.fixture
def no_network(monkeypatch):
    """Every outgoing TCP/UDP connection or name lookup is recorded and refused."""
    attempts: list[object] = []
    real_connect = socket.socket.connect

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            attempts.append(address)
            raise OSError("network blocked by the test")
        return real_connect(self, address)

    def lookup(*args, **kwargs):
        attempts.append(args[:2])
        raise socket.gaierror("name lookup blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", lambda self, address: connect(self, address))
    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    monkeypatch.setattr(socket, "create_connection", lambda address, *a, **k: attempts.append(address) or (_ for _ in ()).throw(OSError("blocked")))
    return attempts


def url_pdf(path: Path) -> Path:
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "Operating margin was 41% in Q1.")
    page.insert_link({"kind": pymupdf.LINK_URI, "from": pymupdf.Rect(72, 60, 300, 80), "uri": "http://203.0.113.14/track"})
    doc.save(path)
    return path


def test_documents_naming_urls_are_read_without_any_connection(tmp_path: Path, no_network):
    from assistant.embeddings import HashEmbedding
    from assistant.orchestrator import Assistant

    with pytest.raises(OSError):  # the guard itself works
        urllib.request.urlopen("http://203.0.113.99/", timeout=1)
    assert no_network
    no_network.clear()
    (tmp_path / "page.html").write_text(HTML)
    (tmp_path / "note.md").write_text(MARKDOWN)
    (tmp_path / "links.csv").write_text("name,url\nfiling,http://203.0.113.15/f.pdf\n")
    url_pdf(tmp_path / "linked.pdf")
    settings = Settings(data_dir=tmp_path / "data", embedder="fake", ocr_backend="fake", speech_backend="fake")
    bot = Assistant(settings, embedder=HashEmbedding())
    report = bot.ingest([tmp_path / n for n in ("page.html", "note.md", "links.csv", "linked.pdf")])
    assert report.failed == [] and len(report.added) == 4
    answer = bot.ask(Turn(text="What was revenue and the margin?", files=(str(tmp_path / "page.html"),)))
    assert "4.2" in answer.answer
    assert no_network == [], f"connections attempted: {no_network}"
    record("connections attempted while ingesting/asking documents that name 11 URLs", len(no_network))


def test_chroma_and_streamlit_telemetry_are_off(tmp_path: Path, monkeypatch):
    from typer.testing import CliRunner

    from assistant import cli
    from assistant.store import make_client

    client = make_client(Settings(data_dir=tmp_path / "data"))
    assert client.get_settings().anonymized_telemetry is False

    seen: dict[str, object] = {}
    class FakePopen:
        def __init__(self, command, env):
            seen.update(command=command, env=env)

        def wait(self):
            return 0

    monkeypatch.setattr("subprocess.Popen", FakePopen)
    monkeypatch.setattr("signal.signal", lambda signum, handler: seen.setdefault("signals", []).append(signum))
    result = CliRunner().invoke(cli.app, ["--data-dir", str(tmp_path / "data"), "ui", "--port", "8599"])
    assert result.exit_code == 0, result.output
    assert seen["env"]["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] == "false"
    assert "127.0.0.1" in seen["command"]

    # what `streamlit run` makes of that environment (its flags read STREAMLIT_* variables)
    from streamlit.web import cli as streamlit_cli

    for key, value in seen["env"].items():
        monkeypatch.setenv(key, value)
    context = streamlit_cli.main_run.make_context("run", [seen["command"][seen["command"].index("run") + 1]])
    assert context.params["browser_gatherUsageStats"] is False
