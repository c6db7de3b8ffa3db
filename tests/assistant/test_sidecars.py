"""Speaker sidecars pair with their recordings through every door: CLI paths, the UI library's
hash-prefixed copies, and /v1/ingest; before or after the recording. Fake backends (the fake
transcriber gives one segment per 5 s: 9 segments for the 44 s sample call)."""

import json
import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.errors import BadInputError
from assistant.speakers import check_turns, read_turns, stem
from tests.conftest import SAMPLES

CALL = SAMPLES / "q1_call.flac"
SIDECAR = SAMPLES / "q1_call.speakers.json"
SPEAKERS = {"Dana Reyes, CEO", "Sam Okafor, CFO"}


def speakers_of(bot, source_id: str) -> set[str | None]:
    return {c.locator.speaker for c in bot.store.chunks_of(source_id)}


def test_stems_ignore_library_prefixes_and_case() -> None:
    assert stem("/x/0123456789abcdef-Q1_Call.speakers.json") == stem("q1_call.flac") == "q1_call"
    assert stem("0123456789abcdef-q1_call.vtt") == "q1_call"
    assert stem("abc-q1_call.flac") == "abc-q1_call"  # only a 16-hex library prefix is dropped


def test_sidecar_in_the_same_batch_under_hash_prefixes_labels_the_recording(fake_assistant, tmp_path: Path) -> None:
    call, side = tmp_path / "0123456789abcdef-q1_call.flac", tmp_path / "fedcba9876543210-q1_call.speakers.json"
    shutil.copy(CALL, call)
    shutil.copy(SIDECAR, side)
    report = fake_assistant.ingest([side, call])
    assert not report.failed and not report.warnings
    recording = next(s for s in report.added if s.kind == "audio")
    sidecar = next(s for s in report.added if s.kind == "speakers")
    assert (recording.speakers, sidecar.speakers, sidecar.chunks) == ("q1_call.speakers.json", "q1_call.flac", 0)
    assert speakers_of(fake_assistant, recording.id) == SPEAKERS
    assert fake_assistant.store.chunks_of(sidecar.id) == []  # not a text source of its own


def test_sidecar_after_its_recording_relabels_it_without_transcribing_again(fake_assistant, tmp_path: Path) -> None:
    call = tmp_path / "0123456789abcdef-q1_call.flac"
    shutil.copy(CALL, call)
    [recording] = fake_assistant.ingest([call]).added
    assert recording.speakers is None and speakers_of(fake_assistant, recording.id) == {None}
    texts = sorted(c.text for c in fake_assistant.store.chunks_of(recording.id))
    fake_assistant._transcriber = None  # a second transcription would fail loudly
    fake_assistant.settings = fake_assistant.settings.model_copy(update={"speech_backend": "no-such-backend"})
    side = tmp_path / "fedcba9876543210-q1_call.speakers.json"
    shutil.copy(SIDECAR, side)
    report = fake_assistant.ingest([side])
    assert not report.failed, report.failed
    [sidecar] = report.added
    assert sidecar.speakers == "q1_call.flac"
    assert speakers_of(fake_assistant, recording.id) == SPEAKERS
    relabelled = fake_assistant.store.get_source(recording.id)
    assert relabelled.speakers == "q1_call.speakers.json" and relabelled.duration == pytest.approx(recording.duration, abs=0.01)
    assert " ".join(sorted(c.text for c in fake_assistant.store.chunks_of(recording.id))).split() == " ".join(texts).split()


def test_recording_after_its_sidecar_picks_it_up(fake_assistant, tmp_path: Path) -> None:
    side = tmp_path / "fedcba9876543210-q1_call.speakers.json"
    shutil.copy(SIDECAR, side)
    [waiting] = fake_assistant.ingest([side]).added
    assert (waiting.kind, waiting.speakers, waiting.chunks) == ("speakers", None, 0)
    call = tmp_path / "0123456789abcdef-q1_call.flac"
    shutil.copy(CALL, call)
    [recording] = fake_assistant.ingest([call]).added
    assert recording.speakers == "q1_call.speakers.json"
    assert speakers_of(fake_assistant, recording.id) == SPEAKERS
    assert fake_assistant.store.get_source(waiting.id).speakers == "q1_call.flac"


def test_voiced_vtt_named_like_a_recording_is_its_sidecar(fake_assistant, tmp_path: Path) -> None:
    [recording] = fake_assistant.ingest([CALL]).added
    vtt = tmp_path / "q1_call.vtt"
    vtt.write_text("WEBVTT\n\n00:00.000 --> 00:20.000\n<v Dana Reyes>Good morning.\n\n00:23.000 --> 00:44.000\n<v Sam Okafor>Thank you.\n")
    report = fake_assistant.ingest([vtt])
    assert [(s.kind, s.speakers) for s in report.added] == [("speakers", "q1_call.flac")]
    assert speakers_of(fake_assistant, recording.id) == {"Dana Reyes", "Sam Okafor"}
    other = tmp_path / "minutes.vtt"  # no recording of that name: a transcript of its own
    other.write_text("WEBVTT\n\n00:00.000 --> 00:05.000\n<v Ann>Hello.\n")
    assert [s.kind for s in fake_assistant.ingest([other]).added] == ["transcript"]


@pytest.mark.parametrize(
    ("turns", "message"),
    [
        ([{"start": 40.0, "end": 90.0, "speaker": "Late"}], r"q1_call.speakers.json: refused: a speaker turn ends at 90.0 s, past the recording's end at 44.0 s"),
        ([{"start": i, "end": i + 1, "speaker": f"S{i}"} for i in range(12)], r"refused: 12 speaker turns for a recording of 9 transcript segments"),
    ],
)
def test_impossible_sidecar_is_refused_with_one_line(fake_assistant, tmp_path: Path, turns, message) -> None:
    [recording] = fake_assistant.ingest([CALL]).added  # labelled by samples/q1_call.speakers.json beside it
    assert recording.speakers == "q1_call.speakers.json"
    side = tmp_path / "q1_call.speakers.json"
    side.write_text(json.dumps(turns))
    report = fake_assistant.ingest([side])
    [(path, error)] = report.failed
    assert path == str(side) and "\n" not in error
    assert re.search(message, error)
    assert report.added == [] and len(fake_assistant.sources()) == 1
    assert speakers_of(fake_assistant, recording.id) == SPEAKERS  # the refused one changed nothing


def test_impossible_sidecar_in_the_batch_keeps_the_recording(fake_assistant, tmp_path: Path) -> None:
    call, side = tmp_path / "q1_call.flac", tmp_path / "other" / "q1_call.speakers.json"
    shutil.copy(CALL, call)
    side.parent.mkdir()
    side.write_text(json.dumps([{"start": 0, "end": 300, "speaker": "X"}]))
    report = fake_assistant.ingest([call, side])
    assert [s.kind for s in report.added] == ["audio"] and report.added[0].speakers is None
    [(path, error)] = report.failed
    assert path == str(side) and "past the recording's end" in error and not report.warnings


def test_bad_sidecar_files_are_one_line_errors(tmp_path: Path) -> None:
    side = tmp_path / "a.speakers.json"
    side.write_text('[{"start": 5, "end": 2, "speaker": "X"}]')
    with pytest.raises(BadInputError, match=r"a.speakers.json: a turn ends before it starts"):
        read_turns(side)
    side.write_text('{"not": "a list"}')
    with pytest.raises(BadInputError, match=r"a.speakers.json: not a speaker list"):
        read_turns(side)
    with pytest.raises(BadInputError, match=r"refused: 3 speaker turns for a recording of 2"):
        check_turns([{"start": 0, "end": 1, "speaker": "A"}] * 3, 2, 10.0, "x")


# -- the doors -------------------------------------------------------------------------------------
def test_ui_library_copies_pair_after_the_session(settings) -> None:
    """The Library page keeps each upload as library/<workspace>/<hash>-<name>: two uploads, one after the other."""
    from assistant.embeddings import HashEmbedding
    from assistant.orchestrator import Assistant
    from tools.transcribe import FakeTranscriber
    from ui.session import keep_in_library

    bot = Assistant(settings, embedder=HashEmbedding(), transcriber=FakeTranscriber(settings))
    call = keep_in_library(settings, "q1_call.flac", CALL.read_bytes())
    [recording] = bot.ingest([call]).added
    side = keep_in_library(settings, "q1_call.speakers.json", SIDECAR.read_bytes())
    assert side.parent == call.parent and side.name != "q1_call.speakers.json"
    [sidecar] = bot.ingest([side]).added
    assert sidecar.speakers == "q1_call.flac"
    assert bot.store.get_source(recording.id).speakers == "q1_call.speakers.json"
    assert speakers_of(bot, recording.id) == SPEAKERS


def test_api_ingest_pairs_uploads_together_and_apart(tmp_path: Path) -> None:
    from assistant.server import create_app
    from assistant.settings import Settings

    client = TestClient(create_app(Settings(data_dir=tmp_path / "data", embedder="fake", speech_backend="fake", ocr_backend="fake"), keys={}))
    side = ("files", ("q1_call.speakers.json", SIDECAR.read_bytes(), "application/json"))
    call = ("files", ("q1_call.flac", CALL.read_bytes(), "audio/flac"))
    first = client.post("/v1/ingest", files=[side], data={"workspace": "a"}).json()
    assert [(s["kind"], s["speakers"]) for s in first["added"]] == [("speakers", None)] and not first["failed"]
    second = client.post("/v1/ingest", files=[call], data={"workspace": "a"}).json()
    assert [(s["kind"], s["speakers"]) for s in second["added"]] == [("audio", "q1_call.speakers.json")]
    listed = {s["kind"]: s for s in client.get("/v1/sources", params={"workspace": "a"}).json()}
    assert listed["speakers"]["speakers"] == "q1_call.flac" and listed["audio"]["speakers"] == "q1_call.speakers.json"
    together = client.post("/v1/ingest", files=[call, side], data={"workspace": "b"}).json()
    assert sorted((s["kind"], s["speakers"]) for s in together["added"]) == [("audio", "q1_call.speakers.json"), ("speakers", "q1_call.flac")]


def test_cli_ingest_and_sources_show_the_pairing(tmp_path: Path, monkeypatch) -> None:
    from assistant.cli import app

    for key in ("EMBEDDER", "SPEECH_BACKEND", "OCR_BACKEND"):
        monkeypatch.setenv(f"MODALYST_{key}", "fake")
    runner = CliRunner()
    data = ["--data-dir", str(tmp_path / "data")]
    first = runner.invoke(app, [*data, "ingest", str(CALL), "--json"])
    assert first.exit_code == 0, first.output
    side = tmp_path / "q1_call.speakers.json"
    shutil.copy(SIDECAR, side)
    second = runner.invoke(app, [*data, "ingest", str(side), "--json"])
    assert second.exit_code == 0, second.output
    assert [(s["kind"], s["speakers"]) for s in json.loads(second.stdout)["added"]] == [("speakers", "q1_call.flac")]
    listed = runner.invoke(app, [*data, "sources"]).stdout
    assert "speakers: q1_call.speakers.json" in listed and "speakers: q1_call.flac" in listed
    bad = tmp_path / "late" / "q1_call.speakers.json"
    bad.parent.mkdir()
    bad.write_text(json.dumps([{"start": 0, "end": 99, "speaker": "X"}]))
    refused = runner.invoke(app, [*data, "ingest", str(bad)])
    assert "past the recording's end" in refused.output and "Traceback" not in refused.output


def test_library_page_describes_the_pairing() -> None:
    from assistant.types import Source
    from ui.library import describe

    assert describe(Source("a", "/l/x-q1_call.flac", "audio", 2, duration=44.0, speakers="q1_call.speakers.json")) == (
        "audio · 0:44 · 2 chunks · speakers from q1_call.speakers.json"
    )
    assert describe(Source("b", "/l/y-q1_call.speakers.json", "speakers", 0, speakers="q1_call.flac")) == "speakers · speakers of q1_call.flac"
    assert describe(Source("c", "/l/z.speakers.json", "speakers", 0)) == "speakers · speakers, waiting for a recording of the same name"
