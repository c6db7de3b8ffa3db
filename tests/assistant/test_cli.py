"""The command line's contract: JSON shapes, exit codes, one-line errors. Runs on fake backends."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from tests.conftest import SAMPLES

FAKES = {"MODALYST_EMBEDDER": "fake", "MODALYST_SPEECH_BACKEND": "fake", "MODALYST_OCR_BACKEND": "fake"}


@pytest.fixture
def run(tmp_path: Path, monkeypatch):
    for key, value in FAKES.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, ["--data-dir", str(tmp_path / "data"), *args])

    return invoke


def test_ingest_ask_sources_forget_round_trip(run) -> None:
    pdf = str(SAMPLES / "northwind_q1_2026_report.pdf")
    first = run("ingest", pdf, "--json")
    assert first.exit_code == 0, first.output
    added = json.loads(first.stdout)["added"]
    assert [(a["kind"], a["pages"]) for a in added] == [("pdf", 3)]
    again = json.loads(run("ingest", pdf, "--json").stdout)
    assert again["added"] == [] and again["skipped"][0]["id"] == added[0]["id"]

    result = run("ask", "What was the operating margin?", "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert set(answer) == {"question", "answer", "citations", "evidence", "timings", "warnings"}
    assert "19.0%" in answer["answer"]
    assert answer["citations"][0]["locator"] == {"path": added[0]["path"], "page": 2}
    assert {"n", "text", "source", "locator", "score"} <= set(answer["evidence"][0])

    listed = json.loads(run("sources", "--json").stdout)
    assert [s["id"] for s in listed] == [added[0]["id"]]
    assert run("forget", added[0]["id"]).exit_code == 0
    assert json.loads(run("sources", "--json").stdout) == []


def test_workspaces_are_separate(run) -> None:
    assert run("ingest", str(SAMPLES / "northwind_q1_2026_report.pdf"), "--workspace", "alpha").exit_code == 0
    assert json.loads(run("sources", "--workspace", "beta", "--json").stdout) == []
    assert len(json.loads(run("sources", "--workspace", "alpha", "--json").stdout)) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", ""], "the question is empty"),
        (["ask", "what?", "--image", "missing.png"], "missing.png: file not found"),
        (["ingest", "missing.pdf"], "no such file or folder"),
        (["forget", "deadbeef"], "no source 'deadbeef'"),
        (["eval", "."], "not a suite this version can run"),
        (["--workspace", "../x", "sources"], "workspace='../x' is invalid"),
        (["transcribe", str(SAMPLES / "northwind_q1_2026_report.pdf")], "not an audio or video file"),
    ],
)
def test_bad_input_exits_2_with_one_line(run, args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.output


def test_batch_with_a_bad_file_exits_0_and_names_it(run, tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Dividends were 0.52 per share.")
    (tmp_path / "bad.pdf").write_bytes(b"junk")
    result = run("ingest", str(tmp_path / "good.txt"), str(tmp_path / "bad.pdf"))
    assert result.exit_code == 0
    assert "added" in result.stdout and "bad.pdf" in result.stderr and "not a PDF" in result.stderr


def test_bad_setting_from_env_is_one_line(run, monkeypatch) -> None:
    monkeypatch.setenv("MODALYST_TOP_K", "lots")
    result = run("sources")
    assert result.exit_code == 2 and "top_k='lots' is invalid" in result.stderr


def test_unknown_backend_lists_valid_ones(run, monkeypatch) -> None:
    monkeypatch.setenv("MODALYST_ANSWERER", "gpt-17")
    run("ingest", str(SAMPLES / "northwind_q1_2026_report.pdf"))
    result = run("ask", "What was revenue?")
    assert result.exit_code == 2 and "unknown answerer backend 'gpt-17'; choose one of: extractive, openai, transformers" in result.stderr


def test_transcribe_json_shape(run) -> None:
    result = run("transcribe", str(SAMPLES / "q1_call.flac"), "--json")
    data = json.loads(result.stdout)
    assert set(data) == {"text", "language", "duration", "segments"}
    assert data["duration"] == pytest.approx(44.05, abs=0.1) and data["segments"][0]["start"] == 0.0


def test_unreadable_attachment_is_bad_input(run, tmp_path: Path) -> None:
    broken = tmp_path / "chart.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    result = run("ask", "What is in this chart?", "--image", str(broken))
    assert result.exit_code == 2 and "chart.png" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    noise = tmp_path / "question.wav"
    noise.write_bytes(b"RIFF....WAVEfmt garbage")
    result = run("ask", "--audio", str(noise))
    assert result.exit_code == 2 and "question.wav" in result.stderr
