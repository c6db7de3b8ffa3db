"""Patient data: a DICOM carrying a name, IDs, birth date, address, institution, accession number and
dates is ingested, described and asked about through the CLI and the HTTP API; none of those values
reach the store (documents and metadata of every collection), the logs (DEBUG and up), the CLI's
JSON or the API's responses. Logs at INFO carry no document or transcript text. Content goes to a
non-local model endpoint only with ``remote_ok``."""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.cli import app
from assistant.server import create_app
from assistant.settings import Settings
from tests.reliability.conftest import clean_env, record

PHI = {
    "PatientName": "Quist^Johanna^Maria",
    "PatientID": "MRN880417",
    "PatientBirthDate": "19610412",
    "PatientAddress": "12 Elmwood Lane, Springfield",
    "InstitutionName": "Saint Mercy Hospital",
    "AccessionNumber": "ACC77341",
    "StudyDate": "20250301",
    "SeriesDate": "20250302",
    "AcquisitionDate": "20250303",
    "ReferringPhysicianName": "Okafor^Ben",
    "OtherPatientIDs": "ALT55123",
    "PatientTelephoneNumbers": "555-0147",
}
# every value, and the pieces a formatter might print on their own
NEEDLES = sorted({v for v in PHI.values()} | {"Quist", "Johanna", "Elmwood", "Saint Mercy", "Okafor", "880417", "77341",
                                              "1961-04-12", "2025-03-01", "55123", "555-0147"})
DOC_MARKER = "zebrafinch margin commentary"  # document text that must not appear in INFO logs
VTT_MARKER = "pelican guidance remark"


def phi_dicom(path: Path) -> Path:
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid
    import numpy as np

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
    for keyword, value in PHI.items():
        setattr(ds, keyword, value)
    ds.Modality, ds.BodyPartExamined, ds.StudyDescription, ds.PatientSex, ds.PatientAge = "CT", "CHEST", "CT CHEST", "F", "063Y"
    ds.Rows = ds.Columns = 64
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = (np.arange(64 * 64) % 4096).astype("<u2").tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


def leaks(text: str) -> list[str]:
    return [n for n in NEEDLES if n.lower() in text.lower()]


def store_text(data: Path) -> str:
    """Everything the embedded store holds, in every collection: ids, documents and metadata."""
    from assistant.store import make_client

    client = make_client(Settings(data_dir=data))
    dump = []
    for collection in client.list_collections():
        col = client.get_collection(collection.name if hasattr(collection, "name") else collection)
        got = col.get(include=["documents", "metadatas"])
        dump.append(json.dumps({"ids": got["ids"], "documents": got["documents"], "metadatas": got["metadatas"]}))
    return "\n".join(dump)


@pytest.fixture
def scan(tmp_path: Path) -> Path:
    return phi_dicom(tmp_path / "scan-001.dcm")


def test_dicom_identifiers_reach_no_store_log_or_cli_output(tmp_path: Path, scan: Path, caplog):
    caplog.set_level(logging.DEBUG)
    data, env = tmp_path / "data", clean_env(tmp_path)
    runner = CliRunner()
    outputs = []
    for args in (["ingest", str(scan), "--json"], ["describe", str(scan), "--json"], ["sources", "--json"],
                 ["ask", "What does the CT of the chest show? Who is the patient?", "--json"],
                 ["ask", "What is the patient's name and date of birth?", "--image", str(scan), "--json"]):
        result = runner.invoke(app, ["--verbose", "--data-dir", str(data), *args], env=env)
        assert result.exit_code == 0, result.output
        outputs.append(result.stdout + result.stderr)
    assert '"modality": "CT"' in outputs[1] and "chest" in outputs[3].lower()  # the facts that matter are kept
    assert leaks("\n".join(outputs)) == []
    assert leaks(store_text(data)) == []
    logged = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    assert caplog.records and leaks(logged) == []
    record("DICOM identifier strings checked in store, DEBUG logs, CLI JSON and API responses", f"{len(NEEDLES)}, 0 found")


def test_dicom_identifiers_reach_no_api_response(tmp_path: Path, scan: Path, caplog):
    caplog.set_level(logging.DEBUG)
    settings = Settings(data_dir=tmp_path / "data", embedder="fake", ocr_backend="fake", speech_backend="fake")
    client = TestClient(create_app(settings, keys={}))
    part = lambda: ("files", ("scan-001.dcm", scan.read_bytes(), "application/dicom"))  # noqa: E731
    responses = [
        client.post("/v1/ingest", files=[part()]),
        client.get("/v1/sources"),
        client.post("/v1/ask", data={"question": "Who is the patient and where do they live?"}),
        client.post("/v1/ask", data={"question": "What does this scan show?"}, files=[("images", ("scan-001.dcm", scan.read_bytes(), "application/dicom"))]),
    ]
    assert [r.status_code for r in responses] == [200] * 4, [r.text for r in responses]
    assert leaks("\n".join(r.text for r in responses)) == []
    assert leaks(store_text(settings.data_dir)) == []
    source = responses[1].json()[0]["id"]
    assert client.delete(f"/v1/sources/{source}").status_code == 200
    assert leaks("\n".join(r.getMessage() for r in caplog.records)) == []


def test_info_logs_never_carry_document_or_transcript_text(tmp_path: Path, caplog):
    caplog.set_level(logging.INFO)
    (tmp_path / "memo.md").write_text(f"# Memo\n\nThe {DOC_MARKER} says revenue was 4.2 billion.\n")
    (tmp_path / "call.vtt").write_text(f"WEBVTT\n\n00:00:01.000 --> 00:00:05.000\n<v CFO>Our {VTT_MARKER} is unchanged.\n")
    from tests.reliability.corpus import text_pdf

    (tmp_path / "deck.pdf").write_bytes(text_pdf(2))
    data, env = tmp_path / "data", clean_env(tmp_path)
    runner = CliRunner()
    for args in (["ingest", str(tmp_path)], ["ask", "What does the memo say about revenue?"], ["ask", "What did the CFO say about guidance?"]):
        result = runner.invoke(app, ["--verbose", "--data-dir", str(data), *args], env=env)
        assert result.exit_code == 0, result.output
    assert DOC_MARKER in result.stdout or VTT_MARKER in result.stdout  # the text is there to leak
    info = [r for r in caplog.records if r.levelno >= logging.INFO]
    logged = "\n".join(r.getMessage() for r in info)
    assert info, "nothing was logged at INFO: the check would be empty"
    for marker in (DOC_MARKER, VTT_MARKER, "revenue was", "Page 1: revenue"):
        assert marker not in logged, f"{marker!r} logged at INFO"


def test_a_remote_model_endpoint_needs_remote_ok(tmp_path: Path, monkeypatch):
    attempts: list[object] = []

    def refuse(self, address):
        attempts.append(address)
        raise OSError("network blocked by the test")

    def lookup(*args, **kwargs):
        attempts.append(args[:2])
        raise socket.gaierror("name lookup blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    (tmp_path / "memo.md").write_text("Revenue was 4.2 billion in Q1.\n")
    data = tmp_path / "data"
    remote = {"MODALYST_ANSWERER": "openai", "MODALYST_OPENAI_BASE_URL": "https://models.example.com/v1", "MODALYST_OPENAI_MODEL": "m"}
    runner = CliRunner()
    assert runner.invoke(app, ["--data-dir", str(data), "ingest", str(tmp_path / "memo.md")], env=clean_env(tmp_path)).exit_code == 0

    refused = runner.invoke(app, ["--data-dir", str(data), "ask", "What was revenue?"], env=clean_env(tmp_path, **remote))
    assert refused.exit_code == 2
    assert refused.stderr.count("\n") == 1 and "remote_ok" in refused.stderr and "models.example.com" in refused.stderr
    assert attempts == []

    allowed = runner.invoke(app, ["--data-dir", str(data), "ask", "What was revenue?", "--json"],
                            env=clean_env(tmp_path, MODALYST_REMOTE_OK="true", **remote))
    # allowed, it goes to the server (blocked here): a one-line error about reaching it, not about remote_ok
    assert allowed.exit_code == 2 and "cannot reach the chat server" in allowed.stderr and "remote_ok" not in allowed.stderr
    assert attempts, "with remote_ok the answerer should have tried the remote server"
