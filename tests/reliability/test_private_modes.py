"""Private at rest: started under the usual umask (022), the CLI, the API and the UI leave every folder
under the data folder 0700 and every file 0600 after ingest, upload, a UI session and a model cache
write; an existing data folder open to others is fixed, with one notice line. Folder ingest skips a
symlink that leaves the folder, with a warning."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from tests.reliability.conftest import MODALYST, clean_env, record

ROOT = Path(__file__).resolve().parents[2]


def open_entries(data: Path) -> list[str]:
    """Entries under ``data`` (itself included) that group or others may read, write or enter."""
    entries = [data, *data.rglob("*")]
    return [f"{oct(stat.S_IMODE(p.lstat().st_mode))} {p.relative_to(data.parent)}"
            for p in entries if not p.is_symlink() and stat.S_IMODE(p.lstat().st_mode) & 0o077]


def usual_umask() -> None:
    os.umask(0o022)


def run(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT, preexec_fn=usual_umask)


API_UPLOAD = """
import sys
from pathlib import Path
from fastapi.testclient import TestClient
from assistant.server import create_app
from assistant.settings import Settings
settings = Settings(data_dir=Path(sys.argv[1]), embedder="fake", ocr_backend="fake", speech_backend="fake")
client = TestClient(create_app(settings, keys={}))
response = client.post("/v1/ingest", files=[("files", ("memo.md", b"# Memo\\n\\nRevenue was 4.2 billion.\\n", "text/markdown"))])
assert response.status_code == 200 and response.json()["added"], response.text
"""

UI_SESSION = """
import sys
from pathlib import Path
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[2], default_timeout=60).run()
at.switch_page("library.py").run()
at.file_uploader[0].set_value(("ui-memo.md", b"# UI memo\\n\\nMargins were 19 percent.\\n", "text/markdown"))
next(b for b in at.button if b.label == "Ingest").click().run()
assert not at.exception, at.exception
from ui.session import SessionFiles
files = SessionFiles(Path(sys.argv[1]) / "ui-sessions")  # kept referenced: its finalizer removes the folder
files.save("chart.png", b"not really a png")
import os
os._exit(0)  # before the session folder's finalizer removes it, so its modes can be checked
"""


def test_cli_api_and_ui_writes_are_owner_only(tmp_path: Path):
    data = tmp_path / "data"
    env = clean_env(tmp_path, MODALYST_DATA_DIR=str(data), MODALYST_WORKSPACE="modes")
    (tmp_path / "note.md").write_text("# Note\n\nThe dividend was 0.52 per share.\n")
    ingest = run([str(MODALYST), "ingest", str(tmp_path / "note.md")], env)
    assert ingest.returncode == 0, ingest.stderr
    assert open_entries(data) == [] and (data / "store" / "chroma.sqlite3").is_file()
    upload = run([sys.executable, "-c", API_UPLOAD, str(data)], env)
    assert upload.returncode == 0, upload.stderr
    ui = run([sys.executable, "-c", UI_SESSION, str(data), str(ROOT / "ui" / "app.py")], env)
    assert ui.returncode == 0, ui.stderr
    assert list((data / "library").rglob("*ui-memo.md")) and list((data / "ui-sessions").rglob("chart.png"))
    assert open_entries(data) == []
    assert "private" not in ingest.stderr + upload.stderr + ui.stderr  # nothing to fix: created private
    record("entries open to group/others after CLI ingest, API upload, UI session (started under umask 022)", "0")


@pytest.mark.slow
def test_the_model_cache_is_owner_only(tmp_path: Path):
    data = tmp_path / "data"
    env = clean_env(tmp_path, MODALYST_DATA_DIR=str(data), MODALYST_SPEECH_BACKEND="faster-whisper")
    result = run([str(MODALYST), "transcribe", str(ROOT / "tests" / "data" / "speech_short.wav")], env, timeout=600)
    assert result.returncode == 0, result.stderr
    assert (data / "models" / "whisper-base-ct2" / "model.bin").is_file()
    assert open_entries(data) == []


def test_an_existing_open_data_folder_is_fixed_with_one_notice(tmp_path: Path):
    data = tmp_path / "data"
    library = data / "library" / "default"
    library.mkdir(parents=True)
    for folder in (data, data / "library", library):
        folder.chmod(0o755)
    (library / "0123456789abcdef-old.md").write_text("old")
    (library / "0123456789abcdef-old.md").chmod(0o644)
    result = run([str(MODALYST), "sources"], clean_env(tmp_path, MODALYST_DATA_DIR=str(data)))
    assert result.returncode == 0, result.stderr
    notices = [line for line in result.stderr.splitlines() if "private" in line]
    assert len(notices) == 1 and "was 755" in notices[0], result.stderr
    assert open_entries(data) == []
    again = run([str(MODALYST), "sources"], clean_env(tmp_path, MODALYST_DATA_DIR=str(data)))
    assert "private" not in again.stderr


def test_folder_ingest_skips_a_symlink_out_of_the_folder(tmp_path: Path):
    share, elsewhere = tmp_path / "share", tmp_path / "elsewhere"
    share.mkdir()
    elsewhere.mkdir()
    (elsewhere / "credentials.txt").write_text("the vault password is OSPREY-9031\n")
    (share / "notes.txt").symlink_to(elsewhere / "credentials.txt")
    (share / "inside.md").write_text("# Inside\n\nRevenue was 4.2 billion.\n")
    (share / "alias.md").symlink_to(share / "inside.md")  # a link within the folder is fine
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "data"), "ingest", str(share), "--json"], env=clean_env(tmp_path))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [Path(s["path"]).name for s in report["added"] + report["skipped"]] == ["inside.md", "inside.md"]
    assert any("notes.txt" in w and "symlink" in w and "outside" in w for w in report["warnings"]), report["warnings"]
    assert not any(b"osprey-9031" in p.read_bytes().lower() for p in (tmp_path / "data").rglob("*") if p.is_file())
