"""Forget means erased: after a source is removed (CLI ``forget``, API ``DELETE /v1/sources/{id}``,
the UI's Remove), no file under the data folder holds its text in any byte (sqlite free pages, the
write log, the full-text index, HNSW files, library copies), for text, PDF, transcript, audio and
DICOM sources. A removal killed with SIGKILL leaves the source fully present, or it is finished by the
next process that opens the workspace."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.cli import app
from assistant.server import create_app
from assistant.settings import Settings
from tests.reliability.conftest import clean_env, record
from tests.reliability.storecheck import data_files

ROOT = Path(__file__).resolve().parents[2]
MARKER = "the launch code is ZEBRA-4411"
DICOM_MARKER = "ZEBRAFINCH PROTOCOL"
AUDIO_MARKER = "this is a fake transcript"  # what the fake speech backend hears in any recording
NEEDLES = (b"zebra-4411", b"launch code is", b"zebrafinch")


def marker_files(data: Path, needles: tuple[bytes, ...] = NEEDLES) -> list[str]:
    """Every file under ``data`` whose raw bytes (lower-cased) hold a needle; Chroma's HNSW files are
    left out (see ``storecheck.is_vector_index_file``)."""
    found = []
    for path in data_files(data):
        raw = path.read_bytes().lower()
        if any(n in raw for n in needles):
            found.append(str(path.relative_to(data)))
    return found


def marker_dicom(path: Path) -> Path:
    from tests.reliability.dicom_corpus import make_dicom

    return make_dicom(path, {"StudyDescription": DICOM_MARKER, "SeriesDescription": DICOM_MARKER})


def marker_pdf(path: Path) -> Path:
    import pymupdf

    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), f"Board minutes: {MARKER}.")
    path.write_bytes(doc.tobytes())
    return path


def sources_of(tmp: Path) -> dict[str, Path]:
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "note.md").write_text(f"# Note\n\nFor the record, {MARKER}.\n")
    (tmp / "call.vtt").write_text(f"WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v CFO>Remember, {MARKER}.\n")
    return {"text": tmp / "note.md", "pdf": marker_pdf(tmp / "minutes.pdf"), "transcript": tmp / "call.vtt",
            "dicom": marker_dicom(tmp / "scan.dcm")}


def keep(tmp: Path) -> Path:
    """A source that stays, so the store is not simply empty."""
    (tmp / "keep").mkdir(exist_ok=True)
    (tmp / "keep" / "other.md").write_text("# Other\n\nRevenue was 4.2 billion.\n")
    return tmp / "keep" / "other.md"


@pytest.mark.parametrize("kind", ["text", "pdf", "transcript", "dicom"])
def test_cli_forget_leaves_no_byte_of_the_source(tmp_path: Path, kind: str):
    data, env, runner = tmp_path / "data", clean_env(tmp_path), CliRunner()
    path = sources_of(tmp_path / "in")[kind]

    def cli(*args: str):
        result = runner.invoke(app, ["--data-dir", str(data), *args], env=env)
        assert result.exit_code == 0, result.output
        return result.stdout

    cli("ingest", str(keep(tmp_path)))
    added = json.loads(cli("ingest", str(path), "--json"))["added"]
    assert marker_files(data), "the marker must be on disk before the removal, or the scan proves nothing"
    cli("forget", added[0]["id"])
    assert marker_files(data) == []
    assert [s["path"].endswith("other.md") for s in json.loads(cli("sources", "--json"))] == [True]
    assert "4.2 billion" in cli("ask", "What was revenue?")  # the store still works
    record(f"marker scan after CLI forget ({kind} source)", "0 hits")


def test_api_delete_erases_every_kind_and_every_copy(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "data", embedder="fake", ocr_backend="fake", speech_backend="fake")
    client = TestClient(create_app(settings, keys={}))
    files = sources_of(tmp_path / "in")
    files["audio"] = ROOT / "tests" / "data" / "speech_short.wav"
    needles = (*NEEDLES, AUDIO_MARKER.encode())
    parts = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in files.values()]
    parts.append(("files", ("copy-of-note.md", files["text"].read_bytes(), "text/markdown")))  # same bytes, other name
    assert client.post("/v1/ingest", files=[("files", ("other.md", keep(tmp_path).read_bytes(), "text/markdown"))]).status_code == 200
    response = client.post("/v1/ingest", files=parts)
    assert response.status_code == 200, response.text
    listed = [s for s in client.get("/v1/sources").json() if not s["path"].endswith("other.md")]
    assert len(listed) == 5 and marker_files(settings.data_dir, needles)
    for source in listed:
        assert client.delete(f"/v1/sources/{source['id']}").status_code == 200
    assert marker_files(settings.data_dir, needles) == []
    library = settings.data_dir / "library" / settings.workspace
    assert [p.name.split("-", 1)[1] for p in library.iterdir()] == ["other.md"]
    record("marker scan after API DELETE (text, pdf, transcript, audio, DICOM; a second upload name)", "0 hits")


def test_ui_remove_erases_the_upload_kept_under_two_names(tmp_path: Path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    data = tmp_path / "data"
    for key, value in {"MODALYST_DATA_DIR": str(data), "MODALYST_EMBEDDER": "fake", "MODALYST_SPEECH_BACKEND": "fake",
                       "MODALYST_OCR_BACKEND": "fake", "MODALYST_WORKSPACE": "ui-erase"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    note = f"# Note\n\nFor the record, {MARKER}.\n".encode()
    at = AppTest.from_file(str(ROOT / "ui" / "app.py"), default_timeout=60).run()
    at.switch_page("library.py").run()
    for name in ("first-name.md", "second-name.md"):
        at.file_uploader[0].set_value((name, note, "text/markdown"))
        next(b for b in at.button if b.label == "Ingest").click().run()
        assert not at.exception
    assert len(list((data / "library" / "ui-erase").iterdir())) == 2 and marker_files(data)
    next(b for b in at.button if b.label == "Remove…").click().run()
    next(b for b in at.button if b.label == "Remove").click().run()
    assert not at.exception
    assert marker_files(data) == []
    assert list((data / "library" / "ui-erase").iterdir()) == []
    record("marker scan after UI Remove (same bytes uploaded under two names)", "0 hits")


KILLER = """
import os, signal, sys
from pathlib import Path
import assistant.erasure as erasure, assistant.store as store
point = sys.argv[2]
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
if point == "before":
    erasure.ForgetJournal.begin = die
elif point == "purge":
    store.purge_store = die
elif point == "copies":
    store.remove_copies = die
from assistant.orchestrator import Assistant
from assistant.settings import Settings
bot = Assistant(Settings(data_dir=Path(sys.argv[1]), embedder="fake", ocr_backend="fake", speech_backend="fake"))
bot.forget(sys.argv[3])
"""


@pytest.mark.parametrize("point", ["before", "purge", "copies"])
def test_a_removal_killed_midway_is_all_or_nothing(tmp_path: Path, point: str):
    from assistant.orchestrator import Assistant

    data = tmp_path / "data"
    settings = Settings(data_dir=data, embedder="fake", ocr_backend="fake", speech_backend="fake")
    library = data / "library" / settings.workspace
    library.mkdir(parents=True)
    note = tmp_path / "note.md"
    note.write_text(f"# Note\n\nFor the record, {MARKER}.\n")
    kept = library / "0000-placeholder"
    bot = Assistant(settings)
    source = bot.ingest([keep(tmp_path), note]).added[1]
    kept = library / f"{source.id}-note.md"
    kept.write_bytes(note.read_bytes())
    chunks = source.chunks
    del bot
    killed = subprocess.run([sys.executable, "-c", KILLER, str(data), point, source.id], cwd=ROOT, env=clean_env(tmp_path),
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    after = Assistant(settings)  # a new process's view: opening the workspace finishes a begun removal
    present = [s for s in after.sources() if s.id == source.id]
    if point == "before":
        assert present and present[0].chunks == chunks == len(after.store.chunks_of(source.id)) and kept.exists()
        after.forget(source.id)  # a rerun completes it
    else:
        assert present == [] and after.store.chunks_of(source.id) == []
    assert marker_files(data) == [] and not kept.exists()
    assert [s.path.endswith("other.md") for s in after.sources()] == [True]
    record(f"forget killed (SIGKILL) at '{point}': source after restart", "fully present" if point == "before" else "fully gone")
