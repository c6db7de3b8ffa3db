"""The HTTP API: the CLI's JSON shapes, workspace-scoped keys, safe uploads, one-line errors. Fake backends."""

import json
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.errors import SettingsError
from assistant.server import create_app, safe_name, serve
from assistant.server_auth import parse_keys
from assistant.settings import Settings
from tests.conftest import DATA, SAMPLES

PDF = SAMPLES / "northwind_q1_2026_report.pdf"
KEYS = {"key-a": {"alpha"}, "key-b": {"beta", "gamma"}}


@pytest.fixture
def server_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", embedder="fake", speech_backend="fake", ocr_backend="fake")


@pytest.fixture
def client(server_settings: Settings) -> TestClient:
    return TestClient(create_app(server_settings, keys={}))


@pytest.fixture
def keyed(server_settings: Settings) -> TestClient:
    return TestClient(create_app(server_settings, keys=KEYS))


def pdf_part(name: str = "northwind_q1_2026_report.pdf") -> tuple[str, tuple[str, bytes, str]]:
    return ("files", (name, PDF.read_bytes(), "application/pdf"))


def leftover_uploads(settings: Settings) -> list[Path]:
    folder = settings.data_dir / "uploads"
    return sorted(folder.rglob("*")) if folder.exists() else []


def test_ingest_ask_sources_delete_round_trip(client: TestClient, server_settings: Settings) -> None:
    first = client.post("/v1/ingest", files=[pdf_part()], data={"workspace": "acme"})
    assert first.status_code == 200, first.text
    report = first.json()
    assert set(report) == {"added", "skipped", "failed", "warnings"}
    [added] = report["added"]
    assert (added["kind"], added["pages"], added["chunks"]) == ("pdf", 3, 3)
    assert added["path"] == "northwind_q1_2026_report.pdf"  # a file name, never the server's path
    kept = server_settings.data_dir.resolve() / "library" / "acme" / f"{added['id']}-northwind_q1_2026_report.pdf"
    assert kept.read_bytes() == PDF.read_bytes()
    again = client.post("/v1/ingest", files=[pdf_part()], data={"workspace": "acme"}).json()
    assert again["added"] == [] and [s["id"] for s in again["skipped"]] == [added["id"]]

    asked = client.post("/v1/ask", data={"question": "What was the operating margin?", "workspace": "acme"})
    assert asked.status_code == 200, asked.text
    answer = asked.json()
    assert set(answer) == {"question", "answer", "citations", "evidence", "timings", "warnings"}
    assert answer["question"] == "What was the operating margin?"
    assert "19.0%" in answer["answer"]
    assert answer["citations"][0] == {"n": 1, "source": added["id"], "locator": {"path": "northwind_q1_2026_report.pdf", "page": 2}}
    assert {"n", "text", "source", "locator", "score"} <= set(answer["evidence"][0])

    assert client.get("/v1/sources", params={"workspace": "acme"}).json() == [added]
    assert client.get("/v1/sources", params={"workspace": "other"}).json() == []
    gone = client.delete(f"/v1/sources/{added['id'][:8]}", params={"workspace": "acme"})
    assert gone.status_code == 200 and gone.json() == added
    assert not kept.exists()
    assert client.get("/v1/sources", params={"workspace": "acme"}).json() == []
    missing = client.delete(f"/v1/sources/{added['id']}", params={"workspace": "acme"})
    assert missing.status_code == 404
    assert missing.json() == {"error": f"no source {added['id']!r} in workspace 'acme'"}
    assert leftover_uploads(server_settings) == []


def test_ingest_reports_a_bad_file_by_its_upload_name_and_keeps_only_sources(client: TestClient, server_settings: Settings) -> None:
    result = client.post("/v1/ingest", files=[pdf_part(), ("files", ("bad.pdf", b"junk", "application/pdf"))])
    assert result.status_code == 200
    data = result.json()
    assert len(data["added"]) == 1
    assert data["failed"] == [{"path": "bad.pdf", "error": "bad.pdf: not a PDF (no %PDF header)"}]
    library = server_settings.data_dir.resolve() / "library" / "default"
    assert sorted(p.name for p in library.iterdir()) == [f"{data['added'][0]['id']}-northwind_q1_2026_report.pdf"]


def test_same_content_under_two_names_keeps_one_copy(client: TestClient, server_settings: Settings) -> None:
    data = client.post("/v1/ingest", files=[pdf_part("a.pdf"), pdf_part("b.pdf")]).json()
    assert len(data["added"]) == 1 and len(data["skipped"]) == 1 and data["added"][0]["id"] == data["skipped"][0]["id"]
    library = server_settings.data_dir.resolve() / "library" / "default"
    assert [p.name for p in library.iterdir()] == [f"{data['added'][0]['id']}-{data['added'][0]['path']}"]


def test_voice_question_uses_the_transcript(client: TestClient) -> None:
    wav = (DATA / "question_gross_margin.wav").read_bytes()
    result = client.post("/v1/ask", files=[("audio", ("question.wav", wav, "audio/wav"))])
    assert result.status_code == 200, result.text
    assert result.json()["question"].startswith("this is a fake transcript")
    assert "transcribe" in result.json()["timings"]


def test_attachments_are_reported_by_name_and_deleted(client: TestClient, server_settings: Settings) -> None:
    chart = (DATA / "chart_bar_labels.png").read_bytes()
    note = b"Free cash flow was 412 million in the quarter."
    result = client.post(
        "/v1/ask",
        data={"question": "What was free cash flow?"},
        files=[("images", ("../chart.png", chart, "image/png")), ("files", ("../../note.txt", note, "text/plain"))],
    )
    assert result.status_code == 200, result.text
    answer = result.json()
    assert "412 million" in answer["answer"]
    assert answer["citations"][0]["source"] == "attachment:note.txt"
    assert answer["citations"][0]["locator"]["path"] == "note.txt"
    assert "uploads" not in json.dumps(answer)
    assert "describe_image" in answer["timings"] and "read_files" in answer["timings"]
    assert leftover_uploads(server_settings) == []


# -- keys and workspaces ----------------------------------------------------------------------
def test_keys_open_only_their_workspaces(keyed: TestClient) -> None:
    a = {"Authorization": "Bearer key-a"}
    b = {"X-API-Key": "key-b"}
    added = keyed.post("/v1/ingest", files=[pdf_part()], data={"workspace": "alpha"}, headers=a)
    assert added.status_code == 200, added.text
    source_id = added.json()["added"][0]["id"]

    denied = [
        keyed.get("/v1/sources", params={"workspace": "alpha"}, headers=b),
        keyed.post("/v1/ask", data={"question": "What was the operating margin?", "workspace": "alpha"}, headers=b),
        keyed.delete(f"/v1/sources/{source_id}", params={"workspace": "alpha"}, headers=b),
        keyed.post("/v1/ingest", files=[pdf_part()], data={"workspace": "alpha"}, headers=b),
        keyed.get("/v1/sources", headers=b),  # the server's default workspace is not one of key-b's
    ]
    assert [r.status_code for r in denied] == [403] * 5
    assert denied[0].json() == {"error": "this API key does not open workspace 'alpha'"}
    assert [s["id"] for s in keyed.get("/v1/sources", params={"workspace": "alpha"}, headers=a).json()] == [source_id]
    assert keyed.get("/v1/sources", params={"workspace": "gamma"}, headers=b).json() == []

    for headers in ({}, {"Authorization": "Bearer nope"}, {"X-API-Key": "KEY-A"}, {"Authorization": "Basic key-a"}):
        result = keyed.get("/v1/sources", params={"workspace": "alpha"}, headers=headers)
        assert result.status_code == 401, headers
        assert result.headers["www-authenticate"] == "Bearer"
    assert keyed.get("/v1/sources", params={"workspace": "alpha"}).json() == {
        "error": "an API key is required (Authorization: Bearer KEY or X-API-Key)"
    }
    assert keyed.get("/healthz").json() == {"status": "ok"}


def test_a_request_without_a_key_is_refused_before_its_upload_is_read(server_settings: Settings) -> None:
    client = TestClient(create_app(server_settings, keys=KEYS, max_upload_bytes=4096))
    result = client.post("/v1/ingest", files=[("files", ("big.txt", b"x" * 10_000, "text/plain"))], data={"workspace": "alpha"})
    assert result.status_code == 401 and result.json() == {"error": "an API key is required (Authorization: Bearer KEY or X-API-Key)"}
    assert not (server_settings.data_dir / "uploads").exists()
    result = client.post("/v1/ingest", files=[("files", ("big.txt", b"x" * 10_000, "text/plain"))], headers={"X-API-Key": "key-a"})
    assert result.status_code == 413


def test_keys_from_the_environment(server_settings: Settings, monkeypatch) -> None:
    monkeypatch.setenv("MODALYST_API_KEYS", " k1:alpha, beta ; k2:gamma ")
    client = TestClient(create_app(server_settings))
    assert client.get("/v1/sources", params={"workspace": "beta"}, headers={"X-API-Key": "k1"}).json() == []
    assert client.get("/v1/sources", params={"workspace": "gamma"}, headers={"X-API-Key": "k1"}).status_code == 403
    assert client.get("/v1/sources", params={"workspace": "gamma"}).status_code == 401


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("secret-key", "entry 1 is malformed"),
        ("k1:alpha;k2:", "entry 2 is malformed"),
        ("k1:../x", "workspace '../x' is invalid"),
    ],
)
def test_malformed_keys_are_named_by_position_never_by_value(text: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message) as caught:
        parse_keys(text)
    assert "secret-key" not in str(caught.value) and "k1" not in str(caught.value)


def test_serve_refuses_a_public_host_without_keys(server_settings: Settings, monkeypatch) -> None:
    import uvicorn

    monkeypatch.delenv("MODALYST_API_KEYS", raising=False)
    calls: list[tuple[str, int]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, **options: calls.append((host, port)))
    with pytest.raises(SettingsError, match="refusing to serve on 0.0.0.0 without API keys"):
        serve(server_settings, host="0.0.0.0")
    assert calls == []
    serve(server_settings, host="127.0.0.1", port=8123)
    serve(server_settings, host="0.0.0.0", port=8124, keys=KEYS)
    monkeypatch.setenv("MODALYST_API_KEYS", "k1:alpha")
    serve(server_settings, host="::", port=8125)
    assert calls == [("127.0.0.1", 8123), ("0.0.0.0", 8124), ("::", 8125)]


def test_a_bad_workspace_name_is_400(client: TestClient) -> None:
    result = client.get("/v1/sources", params={"workspace": "../etc"})
    assert result.status_code == 400
    assert result.json() == {"error": "workspace '../etc' is invalid: use 1-63 letters, digits, '-' or '_'"}


# -- uploads ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("/etc/cron.d/evil.txt", "evil.txt"),
        ("..\\..\\windows\\notes.txt", "notes.txt"),
        ("../..", "upload"),
        (".hidden.txt", "hidden.txt"),
        ("Q1 report (final);rm -rf.pdf", "Q1_report_final_rm_-rf.pdf"),
        ("", "upload"),
    ],
)
def test_safe_name(given: str, kept: str) -> None:
    assert safe_name(given) == kept


def test_traversal_names_stay_inside_the_data_dir(client: TestClient, server_settings: Settings, tmp_path: Path) -> None:
    def outside() -> list[Path]:
        data_dir = server_settings.data_dir
        return sorted(p for p in tmp_path.rglob("*") if p != data_dir and data_dir not in p.parents)

    outside_before = outside()
    names = ["../../../evil.txt", "/tmp/absolute.txt", "..\\..\\win.txt", "../../etc/passwd"]
    parts = [("files", (name, f"Dividends were 0.5{i} per share.".encode(), "text/plain")) for i, name in enumerate(names)]
    result = client.post("/v1/ingest", files=parts)
    assert result.status_code == 200, result.text
    data = result.json()
    library = server_settings.data_dir.resolve() / "library" / "default"
    assert sorted(s["path"] for s in data["added"]) == ["absolute.txt", "evil.txt", "win.txt"]
    assert sorted(p.name for p in library.iterdir()) == sorted(f"{s['id']}-{s['path']}" for s in data["added"])
    assert [f["path"] for f in data["failed"]] == ["passwd"] and "unsupported file type" in data["failed"][0]["error"]
    assert outside() == outside_before
    assert not Path("/tmp/absolute.txt").exists() or Path("/tmp/absolute.txt").read_text() != "Dividends were 0.51 per share."
    assert leftover_uploads(server_settings) == []


def test_an_oversized_upload_is_413(server_settings: Settings) -> None:
    client = TestClient(create_app(server_settings, keys={}, max_upload_bytes=4096))
    declared = client.post("/v1/ingest", files=[("files", ("big.txt", b"x" * 10_000, "text/plain"))])
    assert declared.status_code == 413
    assert declared.json() == {"error": "the upload is larger than the limit of 4096 bytes"}

    boundary = "b0und4ry"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\n{'y' * 10_000}\r\n--{boundary}--\r\n"
    ).encode()
    streamed = client.post(
        "/v1/ingest",
        content=(body[i : i + 1000] for i in range(0, len(body), 1000)),  # chunked: no Content-Length
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert streamed.status_code == 413
    assert "larger than the limit" in streamed.json()["error"]
    assert client.get("/v1/sources").json() == []
    assert leftover_uploads(server_settings) == []
    assert client.post("/v1/ingest", files=[("files", ("small.txt", b"Revenue was 4.2 million.", "text/plain"))]).status_code == 200


def test_the_upload_limit_from_the_environment(server_settings: Settings, monkeypatch) -> None:
    monkeypatch.setenv("MODALYST_MAX_UPLOAD_MB", "0.001")
    client = TestClient(create_app(server_settings, keys={}))
    result = client.post("/v1/ingest", files=[("files", ("big.txt", b"x" * 2000, "text/plain"))])
    assert result.status_code == 413 and result.json() == {"error": "the upload is larger than the limit of 1048 bytes"}
    monkeypatch.setenv("MODALYST_MAX_UPLOAD_MB", "lots")
    with pytest.raises(SettingsError, match="MODALYST_MAX_UPLOAD_MB='lots' is invalid"):
        create_app(server_settings, keys={})


def test_a_corrupt_image_in_ask_is_one_line_400(client: TestClient, server_settings: Settings) -> None:
    broken = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
    result = client.post("/v1/ask", data={"question": "What is in this chart?"}, files=[("images", ("chart.png", broken, "image/png"))])
    assert result.status_code == 400
    assert result.json() == {"error": "chart.png: not an image file modalyst can read"}
    assert leftover_uploads(server_settings) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"question": "  "}, "the question is empty: type a question, record one, or attach a recording"),
        ({}, "the question is empty: type a question, record one, or attach a recording"),
        ({"question": "why? " * 500}, "the question is 2,499 characters, over the limit of 2,000 (setting max_question_chars): shorten it, or attach the text as a .txt file and ask about it"),
    ],
)
def test_an_empty_question_is_400(client: TestClient, data: dict[str, str], message: str) -> None:
    result = client.post("/v1/ask", data=data)
    assert result.status_code == 400 and result.json() == {"error": message}


def test_ingest_without_files_is_one_line_422(client: TestClient) -> None:
    result = client.post("/v1/ingest", data={"workspace": "acme"})
    assert result.status_code == 422
    assert result.json() == {"error": "files: Field required"}


def test_internal_errors_are_one_line_500(server_settings: Settings, monkeypatch) -> None:
    from assistant.orchestrator import Assistant

    def broken(self):
        raise RuntimeError("secret detail\nTraceback (most recent call last)")

    monkeypatch.setattr(Assistant, "sources", broken)
    client = TestClient(create_app(server_settings, keys={}), raise_server_exceptions=False)
    result = client.get("/v1/sources")
    assert result.status_code == 500
    assert result.json() == {"error": "internal error (RuntimeError); see the server log"}


def test_concurrent_ingests_into_one_workspace_are_serialised(client: TestClient) -> None:
    results: list[dict] = []

    def ingest() -> None:
        results.append(client.post("/v1/ingest", files=[pdf_part()], data={"workspace": "busy"}).json())

    threads = [threading.Thread(target=ingest) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(r["added"]) for r in results) == [0, 0, 0, 1]
    assert len(client.get("/v1/sources", params={"workspace": "busy"}).json()) == 1


# -- service routes ---------------------------------------------------------------------------
def test_healthz_and_openapi(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    paths = client.get("/openapi.json").json()["paths"]
    assert {path: sorted(ops) for path, ops in paths.items()} == {
        "/healthz": ["get"],
        "/v1/ask": ["post"],
        "/v1/ingest": ["post"],
        "/v1/sources": ["get"],
        "/v1/sources/{source_id}": ["delete"],
    }
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    assert {name: s["type"] for name, s in schemes.items()} == {"HTTPBearer": "http", "APIKeyHeader": "apiKey"}
    assert client.get("/docs").status_code == 200
    assert client.get("/nowhere").json() == {"error": "Not Found"}


def test_malloc_arenas_are_capped_unless_the_user_chose(monkeypatch) -> None:
    import sys

    from assistant.server import limit_malloc_arenas

    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False  # the user's own setting stands
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    assert limit_malloc_arenas() is sys.platform.startswith("linux")
