"""DICOM de-identification (PS3.15 Basic Profile, Clean Descriptors, Clean Pixel Data): a generated
corpus of 20 identifying files (header tags, descriptions, burned-in pixel text read by the real OCR,
identifying file names, private tags, nested sequences) goes through the CLI and the HTTP API; no
identifier is found in any file under the data folder or in any output. A file that cannot be
de-identified safely is refused with one line and nothing of it is stored."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.cli import app
from assistant.server import create_app
from assistant.settings import Settings
from tests.reliability.conftest import clean_env, record
from tests.reliability.storecheck import data_files
from tests.reliability.dicom_corpus import PATIENTS, make_corpus, make_dicom, needles
from tools.describe_image.deid import PIXEL_ID_WARNING, basic_profile, clean_text, identifiers, read_for_deid, screen_ocr


def found_in(text: str, wanted: list[str]) -> list[str]:
    low = text.lower()
    return [n for n in wanted if n.lower() in low]


def files_holding(data: Path, wanted: list[str]) -> dict[str, list[str]]:
    hits: dict[str, list[str]] = {}
    for path in data_files(data):
        raw = path.read_bytes().lower()
        for n in wanted:
            if n.lower().encode() in raw:
                hits.setdefault(n, []).append(str(path.relative_to(data)))
    return hits


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, list[tuple[Path, dict[str, str]]], list[str]]:
    import pydicom

    folder = tmp_path_factory.mktemp("dicom") / "scans"
    made = make_corpus(folder)
    uids = {str(pydicom.dcmread(f).get(k)) for f, _ in made for k in ("StudyInstanceUID", "SOPInstanceUID", "SeriesInstanceUID")}
    wanted = sorted({n for _, p in made for n in needles(p)} | uids)
    return folder, made, wanted


def test_the_corpus_carries_what_it_should(corpus):
    """The check below means something: the raw files hold the identifiers and the real OCR reads them off the pixels."""
    from tools.describe_image.dicom import read_dicom
    from tools.describe_image.ocr import make_ocr_reader

    folder, made, wanted = corpus
    assert len(made) >= 20 and all(p["mrn"] in f.name for f, p in made)
    assert set(files_holding(folder, wanted)) == set(wanted)
    burned = next(f for f, _ in made if "burned_unflagged" in f.name)
    read = " ".join(line.text for line in make_ocr_reader(Settings()).read(read_dicom(burned)[0]))
    assert PATIENTS[0]["mrn"] in read, read


def test_no_identifier_reaches_disk_or_any_cli_or_api_output(tmp_path: Path, corpus):
    folder, made, wanted = corpus
    data = tmp_path / "data"
    env = clean_env(tmp_path, MODALYST_OCR_BACKEND="rapidocr")
    runner = CliRunner()
    outputs: list[str] = []

    def cli(*args: str) -> str:
        result = runner.invoke(app, ["--data-dir", str(data), *args], env=env)
        assert result.exit_code == 0, result.output
        outputs.append(result.stdout + result.stderr)
        return result.stdout

    report = json.loads(cli("ingest", str(folder), "--json"))
    assert len(report["added"]) == len(made) and report["failed"] == []
    flagged = [f for f, _ in made if "burned" in f.name]
    cli("sources", "--json")
    described = [json.loads(cli("describe", str(f), "--json")) for f in flagged[:2]]
    assert all(d["ocr"] == [] and any("pixel text not read" in w for w in d["warnings"]) for d in described)
    assert described[0]["dicom"]["modality"] == "CT"
    cli("ask", "What does the scan show for MRN?", "--json")
    cli("ask", "Who is the patient and when were they born?", "--image", str(flagged[1]), "--json")

    settings = Settings(data_dir=data, embedder="fake", ocr_backend="rapidocr", speech_backend="fake")
    client = TestClient(create_app(settings, keys={}))
    upload = [("files", (f.name, f.read_bytes(), "application/dicom")) for f in flagged[:2]]
    responses = [
        client.post("/v1/ingest", files=upload),
        client.get("/v1/sources"),
        client.post("/v1/ask", data={"question": "What is the patient's name and MRN?"}),
        client.post("/v1/ask", data={"question": "What does this scan say?"},
                    files=[("images", (flagged[3].name, flagged[3].read_bytes(), "application/dicom"))]),
    ]
    assert [r.status_code for r in responses] == [200] * 4, [r.text for r in responses]
    outputs += [r.text for r in responses]

    library = data / "library" / settings.workspace
    kept = sorted(p.name for p in library.iterdir())
    assert len(kept) == len(made) and all("-dicom-" in name for name in kept)  # only de-identified copies, neutral names
    stored = read_for_deid(library / kept[0])
    assert stored.PatientIdentityRemoved == "YES" and not any(e.tag.is_private for e in stored.iterall())
    disk = files_holding(data, wanted)
    said = found_in("\n".join(outputs), wanted)
    assert disk == {} and said == [], (disk, said)
    record("DICOM corpus (20 files: tags, descriptions, burned-in pixels, file names, private tags, sequences): identifiers on disk or in CLI/API output",
           f"{len(wanted)} checked, 0 found")


def test_descriptors_are_cleaned_not_dropped_and_sequences_recursed(corpus):
    _, made, _ = corpus
    path, patient = next((f, p) for f, p in made if "descriptions" in f.name)
    ds = read_for_deid(path)
    words = identifiers(ds)
    basic_profile(ds, words)
    assert ds.StudyDescription == "CT CHEST" and ds.SeriesDescription.startswith("AXIAL 5MM")
    assert "chest protocol" in ds.ProtocolName and patient["family"] not in str(ds)
    nested_path = next(f for f, p in made if "private_nested" in f.name and p is patient)
    nested = read_for_deid(nested_path)
    basic_profile(nested, identifiers(nested))
    assert found_in(str(nested), needles(patient)) == [] and not any(e.tag.is_private for e in nested.iterall())


def test_identifying_pixel_text_is_never_evidence():
    from assistant.types import OcrLine

    lines = (OcrLine("R", (1, 1, 5, 5), 0.9), OcrLine("QUISTORPOVAJOHANNEKE", (1, 10, 90, 20), 0.9))
    assert screen_ocr(lines, ["Quistorpova"], burned_in=False) == ((), PIXEL_ID_WARNING)
    assert screen_ocr(lines[:1], ["Quistorpova"], burned_in=True)[0] == ()
    assert screen_ocr(lines[:1], ["Quistorpova"], burned_in=False) == (lines[:1], None)
    assert clean_text("MR BRAIN W/O Dr Okafor 12/04/1961 MRN7734219") == "MR BRAIN W/O"


def _unknown_syntax(path: Path) -> Path:
    make_dicom(path, {"PatientName": "Refusedova^Anna"})
    raw = path.read_bytes()
    explicit = b"1.2.840.10008.1.2.1\0"  # ExplicitVRLittleEndian in the file meta, swapped for a private syntax
    assert raw.count(explicit) == 1
    path.write_bytes(raw.replace(explicit, b"1.2.826.0.1.3.9.9.1\0"))
    return path


def _broken_sequence(path: Path, length: int) -> Path:
    from tests.reliability.dicom_corpus import _private_nested

    make_dicom(path, {"PatientName": "Refusedova^Anna"}, extra=_private_nested(PATIENTS[0]))
    raw = bytearray(path.read_bytes())
    at = raw.find(b"\x40\x00\x75\x02SQ")  # RequestAttributesSequence, explicit VR: its length follows
    raw[at + 8 : at + 12] = struct.pack("<I", length)
    path.write_bytes(bytes(raw))
    return path


@pytest.mark.parametrize("make", [_unknown_syntax, lambda p: _broken_sequence(p, 0x30), lambda p: _broken_sequence(p, 0x21)],
                         ids=["unknown transfer syntax", "sequence cut mid-element", "sequence length misplaced"])
def test_a_dicom_that_cannot_be_deidentified_is_refused_and_nothing_stored(tmp_path: Path, make):
    bad = make(tmp_path / "REFUSEDOVA_ANNA.dcm")
    data, env = tmp_path / "data", clean_env(tmp_path)
    result = CliRunner().invoke(app, ["--data-dir", str(data), "ingest", str(bad)], env=env)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "cannot be de-identified safely" in result.stderr, result.stderr
    library = data / "library"
    assert not library.exists() or list(library.rglob("*.dcm")) == []
    assert files_holding(data, ["Refusedova"]) == {}
    listed = CliRunner().invoke(app, ["--data-dir", str(data), "sources", "--json"], env=env)
    assert json.loads(listed.stdout) == []


def test_no_identifier_reaches_the_ui_or_its_library(tmp_path: Path, corpus, monkeypatch):
    from streamlit.testing.v1 import AppTest

    _, made, wanted = corpus
    data = tmp_path / "data"
    for key, value in {"MODALYST_DATA_DIR": str(data), "MODALYST_EMBEDDER": "fake", "MODALYST_SPEECH_BACKEND": "fake",
                       "MODALYST_OCR_BACKEND": "fake", "MODALYST_WORKSPACE": "ui-dicom"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "ui" / "app.py"), default_timeout=60).run()
    at.switch_page("library.py").run()
    files = [f for f, _ in made if "descriptions" in f.name][:2]
    at.file_uploader[0].set_value([(f.name, f.read_bytes(), "application/dicom") for f in files])
    next(b for b in at.button if b.label == "Ingest").click().run()
    assert not at.exception
    shown = [str(e.value) for kind in ("success", "info", "warning", "error", "markdown", "caption", "dataframe")
             for e in getattr(at, kind)]
    assert any("dicom-" in s for s in shown), shown  # the neutral names are what the page lists
    assert found_in("\n".join(shown), wanted) == [] and files_holding(data, wanted) == {}
    assert all("-dicom-" in p.name for p in (data / "library" / "ui-dicom").iterdir())
