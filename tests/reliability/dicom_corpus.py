"""A generated corpus of identifying DICOM files (pydicom + PIL), for the de-identification tests.

Each patient's identifiers appear in header tags, in the descriptions, burned into the pixels,
in private tags, in nested sequences and in the file name. Identifiers are long and distinctive so a
byte scan of binary files cannot match them by chance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

PATIENTS = [
    {"family": "Quistorpova", "given": "Johanneke", "mrn": "7734219", "dob": "19610412", "acc": "ACC5518820",
     "street": "Elmwoodgrove", "institution": "Marrowfield Infirmary", "doctor": "Okonkwobaptiste"},
    {"family": "Vanterpoolson", "given": "Mirabelle", "mrn": "8841207", "dob": "19750923", "acc": "ACC6630914",
     "street": "Thistlecombe", "institution": "Brackenridge Clinic", "doctor": "Featherstonhaugh"},
    {"family": "Ildefonsova", "given": "Perpetuaa", "mrn": "9127735", "dob": "19480117", "acc": "ACC7712093",
     "street": "Wrenfordlane", "institution": "Caldermoor Hospital", "doctor": "Achterbergen"},
    {"family": "Szczepankowa", "given": "Eleonorae", "mrn": "6650183", "dob": "19890305", "acc": "ACC8802117",
     "street": "Pemberlyrise", "institution": "Gorsehaven Medical", "doctor": "Wolstenholmes"},
]
VARIANTS = ["header", "descriptions", "burned_flagged", "burned_unflagged", "private_nested"]  # x 4 patients = 20 files


def needles(patient: dict[str, str]) -> list[str]:
    """Every identifier of a patient, in the forms a leak might take."""
    d = patient["dob"]
    return [patient["family"], patient["given"], patient["mrn"], d, f"{d[:4]}-{d[4:6]}-{d[6:]}", patient["acc"],
            patient["street"], patient["institution"].split()[0], patient["doctor"]]


def _pixels(text: str | None, size: int = 256) -> np.ndarray:
    from PIL import Image, ImageDraw, ImageFont

    grey = np.linspace(200, 900, size * size).reshape(size, size).astype(np.uint16)
    if not text:
        return grey
    canvas = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=13)
    for row, line in enumerate(text.split("\n")):
        draw.text((6, 6 + 18 * row), line, fill=255, font=font)
    mask = np.asarray(canvas) > 128
    grey[mask] = 4000
    return grey


def make_dicom(path: Path, tags: dict[str, Any] | None = None, pixel_text: str | None = None,
               extra: Any = None) -> Path:
    """A small CT file with ``tags`` set (keyword -> value), ``pixel_text`` burned in, and ``extra(ds)``."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.Modality, ds.BodyPartExamined, ds.PatientSex, ds.PatientAge = "CT", "CHEST", "F", "063Y"
    for keyword, value in (tags or {}).items():
        setattr(ds, keyword, value)
    pixels = _pixels(pixel_text)
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.WindowCenter, ds.WindowWidth = 2000, 4000
    ds.PixelData = pixels.astype("<u2").tobytes()
    if extra is not None:
        extra(ds)
    ds.save_as(path, enforce_file_format=True)
    return path


def _header(p: dict[str, str]) -> dict[str, Any]:
    return {
        "PatientName": f"{p['family']}^{p['given']}", "PatientID": p["mrn"], "PatientBirthDate": p["dob"],
        "PatientAddress": f"12 {p['street']} Road", "InstitutionName": p["institution"], "AccessionNumber": p["acc"],
        "ReferringPhysicianName": f"{p['doctor']}^Ben", "StudyDate": "20250301", "OtherPatientIDs": f"X{p['mrn']}",
        "StudyDescription": "CT CHEST", "SeriesDescription": "AXIAL 5MM",
    }


def _descriptions(p: dict[str, str]) -> dict[str, Any]:
    dob = f"{p['dob'][:4]}-{p['dob'][4:6]}-{p['dob'][6:]}"
    return {
        "StudyDescription": f"CT CHEST {p['family'].upper()}^{p['given'].upper()} MRN {p['mrn']}",
        "SeriesDescription": f"AXIAL 5MM for {p['given']} {p['family']} DOB {dob}",
        "ProtocolName": f"{p['family']}_{p['mrn']} chest protocol",
        "ImageComments": f"Patient {p['given']} {p['family']}, {p['institution']}, acc {p['acc']}",
    }


def _private_nested(p: dict[str, str]):
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    def add(ds: Any) -> None:
        block = ds.private_block(0x0099, "ACME IMAGING", create=True)
        block.add_new(0x01, "LO", f"{p['given']} {p['family']} {p['mrn']}")
        item = Dataset()
        item.PatientName, item.PatientID = f"{p['family']}^{p['given']}", p["mrn"]
        code = Dataset()
        code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "T-D3000", "SRT", f"Chest of {p['family']}"
        item.ProcedureCodeSequence = Sequence([code])
        ds.RequestAttributesSequence = Sequence([item])
        ref = Dataset()
        ref.ReferencedSOPInstanceUID = ds.SOPInstanceUID
        ref.AccessionNumber = p["acc"]
        inner = ref.private_block(0x0011, "ACME NESTED", create=True)
        inner.add_new(0x02, "LO", f"{p['street']} {p['dob']}")
        ds.ReferencedStudySequence = Sequence([ref])

    return add


def make_corpus(folder: Path) -> list[tuple[Path, dict[str, str]]]:
    """Write 20 identifying files (4 patients x ``VARIANTS``) under ``folder``, named after the patient."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for p in PATIENTS:
        burned = f"{p['family'].upper()}^{p['given'].upper()}\nMRN {p['mrn']}\nDOB {p['dob'][:4]}-{p['dob'][4:6]}-{p['dob'][6:]}"
        for variant in VARIANTS:
            tags = _header(p)
            pixel_text, extra = None, None
            if variant == "descriptions":
                tags.update(_descriptions(p))
            elif variant == "burned_flagged":
                tags["BurnedInAnnotation"], pixel_text = "YES", burned
            elif variant == "burned_unflagged":
                pixel_text = burned
            elif variant == "private_nested":
                extra = _private_nested(p)
            name = f"{p['family'].upper()}_{p['given'].upper()}_MRN{p['mrn']}_{variant}.dcm"
            made.append((make_dicom(folder / name, tags, pixel_text, extra), p))
    return made
