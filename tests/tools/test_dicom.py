"""DICOM reading: display image, facts, and de-identification (synthetic files with fake patients)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

from assistant.errors import BadInputError
from tools.describe_image.dicom import deidentify, read_dicom
from tools.describe_image.images import is_dicom, load_image

DATA = Path(__file__).parents[1] / "data"
SECRETS = ("Doe", "Jane", "MRN-0012345", "19700101", "Main Street", "ACC998877", "Springfield", "House", "20240102")


def make_dicom(path: Path, frames: np.ndarray, photometric: str = "MONOCHROME2", **tags) -> Path:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.PatientName = "Roe^Richard"
    ds.PatientID = "P-777"
    ds.Modality = "MR"
    if frames.ndim == 3:
        ds.NumberOfFrames = frames.shape[0]
    ds.Rows, ds.Columns = frames.shape[-2:]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    for key, value in tags.items():
        setattr(ds, key, value)
    ds.PixelData = frames.astype(np.uint16).tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


def test_scan_fixture_really_carries_patient_details():
    ds = pydicom.dcmread(DATA / "scan.dcm")
    assert str(ds.PatientName) == "Doe^Jane" and ds.PatientID == "MRN-0012345"
    assert ds.InstitutionName and ds.PatientBirthDate


def test_read_dicom_image_and_facts():
    image, facts = read_dicom(DATA / "scan.dcm")
    assert image.mode == "RGB" and image.size == (64, 64)
    assert facts["modality"] == "CT"
    assert facts["body_part"] == "CHEST"
    assert facts["study_description"] == "CT chest without contrast"
    assert facts["series_description"] == "Axial 5mm"
    assert facts["pixel_spacing"] == [0.7, 0.7]
    assert (facts["rows"], facts["columns"], facts["number_of_frames"]) == (64, 64, 1)
    pixels = np.asarray(image)[:, :, 0]
    # window 40/400 after rescale -1024: air black, soft tissue mid-grey, "bone" (400 HU) white
    assert pixels[0, 0] == 0 and 110 <= pixels[10, 32] <= 145 and pixels[32, 32] == 255


def test_facts_never_carry_identifying_details():
    _, facts = read_dicom(DATA / "scan.dcm")
    text = json.dumps(facts)
    for secret in SECRETS:
        assert secret not in text
    assert not any(key.startswith(("patient_name", "patient_id", "institution", "accession")) for key in facts)


def test_deidentify_removes_names_ids_dates_private_and_nested():
    ds = pydicom.dcmread(DATA / "scan.dcm")
    ds.add_new(0x00091001, "LO", "private note")
    ds.PatientAge = "093Y"
    ds.PatientSex = "F"
    item = Dataset()
    item.PatientName = "Nested^Name"
    item.CodeMeaning = "kept"
    ds.ReferencedStudySequence = Sequence([item])
    deidentify(ds)
    for keyword in (
        "PatientName", "PatientID", "PatientBirthDate", "PatientAddress", "AccessionNumber",
        "InstitutionName", "ReferringPhysicianName", "StudyDate", "StudyTime", "SOPInstanceUID",
    ):
        assert keyword not in ds, keyword
    assert 0x00091001 not in ds
    assert "PatientName" not in ds.ReferencedStudySequence[0]
    assert ds.ReferencedStudySequence[0].CodeMeaning == "kept"
    assert ds.Modality == "CT" and ds.PatientSex == "F"
    assert ds.PatientAge == "090Y"  # ages over 89 are capped
    assert "MediaStorageSOPInstanceUID" not in ds.file_meta


def test_multiframe_shows_first_frame_and_counts_frames(tmp_path):
    frames = np.stack([np.full((16, 24), v, dtype=np.uint16) for v in (100, 900, 500)])
    frames[0, :, :12] = 0  # first frame: left half dark, right half bright
    path = make_dicom(tmp_path / "cine.dcm", frames)
    image, facts = read_dicom(path)
    assert facts["number_of_frames"] == 3
    assert image.size == (24, 16)
    pixels = np.asarray(image)[:, :, 0]
    assert pixels[0, 0] == 0 and pixels[0, 23] == 255
    assert "patient_name" not in facts and "Roe" not in json.dumps(facts)


def test_monochrome1_is_inverted(tmp_path):
    frame = np.zeros((8, 8), dtype=np.uint16)
    frame[:, 4:] = 1000
    path = make_dicom(tmp_path / "mono1.dcm", frame, photometric="MONOCHROME1")
    pixels = np.asarray(read_dicom(path)[0])[:, :, 0]
    assert pixels[0, 0] == 255 and pixels[0, 7] == 0  # low values are white in MONOCHROME1


def test_dicom_detected_by_content_not_name(tmp_path):
    frame = np.arange(64, dtype=np.uint16).reshape(8, 8)
    path = make_dicom(tmp_path / "looks_like.png", frame)
    assert is_dicom(path) and not is_dicom(DATA / "chart_bar_labels.png")
    assert load_image(path).size == (8, 8)


def test_dicom_without_pixels_is_bad_input(tmp_path):
    path = make_dicom(tmp_path / "nopix.dcm", np.zeros((4, 4)))
    ds = pydicom.dcmread(path)
    del ds.PixelData
    ds.save_as(path)
    with pytest.raises(BadInputError, match="no image"):
        read_dicom(path)


def test_truncated_dicom_is_bad_input(tmp_path):
    broken = tmp_path / "broken.dcm"
    broken.write_bytes((DATA / "scan.dcm").read_bytes()[:300])
    with pytest.raises(BadInputError, match="broken.dcm"):
        read_dicom(broken)
