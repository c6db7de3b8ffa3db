"""Read a DICOM file into a display image and de-identified facts (pydicom, imported lazily).

The facts dict is built from an allow-list of technical tags after :func:`deidentify`, so it never
carries names, IDs, addresses, institutions, or any date or time.

Example:
    >>> image, facts = read_dicom("tests/data/scan.dcm")  # doctest: +SKIP
    >>> facts["modality"], "patient_name" in facts  # doctest: +SKIP
    ('CT', False)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from assistant.errors import BackendUnavailableError, BadInputError

logger = logging.getLogger(__name__)

PYDICOM_INSTALL = 'pip install "pydicom>=3,<4"'
DECODERS_INSTALL = "pip install pylibjpeg pylibjpeg-libjpeg pylibjpeg-openjpeg"

# Removed whatever else is done: direct identifiers of the patient, staff and institution.
IDENTIFYING_KEYWORDS = frozenset(
    {
        "PatientName", "PatientID", "PatientBirthDate", "PatientBirthTime", "PatientAddress",
        "PatientTelephoneNumbers", "PatientMotherBirthName", "PatientBirthName", "OtherPatientIDs",
        "OtherPatientNames", "OtherPatientIDsSequence", "IssuerOfPatientID", "MedicalRecordLocator",
        "AccessionNumber", "InstitutionName", "InstitutionAddress", "InstitutionalDepartmentName",
        "ReferringPhysicianName", "ReferringPhysicianAddress", "ReferringPhysicianTelephoneNumbers",
        "PerformingPhysicianName", "NameOfPhysiciansReadingStudy", "OperatorsName", "PhysiciansOfRecord",
        "RequestingPhysician", "StationName", "DeviceSerialNumber", "StudyID", "MilitaryRank",
        "BranchOfService", "EthnicGroup", "Occupation", "AdditionalPatientHistory", "PatientComments",
        "ResponsiblePerson", "ResponsibleOrganization", "CountryOfResidence", "RegionOfResidence",
        "PatientInsurancePlanCodeSequence", "PersonName", "RequestAttributesSequence",
        "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "FrameOfReferenceUID",
        "MediaStorageSOPInstanceUID",
    }
)
# Patient attributes kept (clinically useful, not identifying on their own; ages over 89 are capped).
KEPT_PATIENT_KEYWORDS = frozenset({"PatientSex", "PatientAge", "PatientPosition", "PatientOrientation"})

# keyword -> facts key, for the allow-listed technical facts.
FACT_KEYWORDS = {
    "Modality": "modality",
    "BodyPartExamined": "body_part",
    "StudyDescription": "study_description",
    "SeriesDescription": "series_description",
    "ProtocolName": "protocol",
    "ViewPosition": "view_position",
    "PatientSex": "patient_sex",
    "PatientAge": "patient_age",
    "Manufacturer": "manufacturer",
    "PixelSpacing": "pixel_spacing",
    "SliceThickness": "slice_thickness",
    "Rows": "rows",
    "Columns": "columns",
    "PhotometricInterpretation": "photometric_interpretation",
    "WindowCenter": "window_center",
    "WindowWidth": "window_width",
}


def _is_identifying(element: Any) -> bool:
    keyword = element.keyword or ""
    if element.tag.is_private or keyword in IDENTIFYING_KEYWORDS:
        return True
    if element.VR in ("DA", "TM", "DT") or keyword.endswith(("Date", "Time", "DateTime")):
        return True
    if element.VR == "PN":
        return True
    return keyword.startswith(("Patient", "OtherPatient")) and keyword not in KEPT_PATIENT_KEYWORDS


def deidentify(ds: Any) -> Any:
    """Remove identifying elements (names, IDs, addresses, institutions, dates, times, private tags,
    instance UIDs) from ``ds`` and its nested sequences, and clean the descriptors (study, series,
    protocol, comments) of the header's names, IDs and dates, in place; returns ``ds``."""
    from tools.describe_image.deid import CLEANED, clean_element, identifiers

    words = identifiers(ds)
    doomed: list[tuple[Any, Any]] = []

    def visit(dataset: Any, element: Any) -> None:
        if _is_identifying(element):
            doomed.append((dataset, element.tag))

    ds.walk(visit)
    for dataset, tag in doomed:
        if tag in dataset:
            del dataset[tag]
    meta = getattr(ds, "file_meta", None)
    if meta is not None and "MediaStorageSOPInstanceUID" in meta:
        del meta.MediaStorageSOPInstanceUID
    for keyword in CLEANED:
        if keyword in ds:
            clean_element(ds, ds[keyword], words)
    age = str(ds.get("PatientAge", "") or "")
    if age[:-1].isdigit() and age.endswith("Y") and int(age[:-1]) > 89:
        ds.PatientAge = "090Y"
    return ds


def _read(path: str | Path, pixels: bool = True) -> Any:
    try:
        import pydicom
        from pydicom.errors import InvalidDicomError
    except ImportError as exc:
        raise BackendUnavailableError(f"reading DICOM needs pydicom: {PYDICOM_INSTALL}") from exc
    try:
        return pydicom.dcmread(str(path), stop_before_pixels=not pixels)
    except (InvalidDicomError, OSError, ValueError, EOFError, KeyError, TypeError) as exc:
        raise BadInputError(f"{path}: not a readable DICOM file ({exc})") from None


def dicom_facts(path: str | Path) -> dict[str, Any]:
    """De-identified facts of a DICOM file without decoding its pixels (for pixels nothing installed
    can decode)."""
    ds = deidentify(_read(path, pixels=False))
    facts = _facts(ds)
    facts["number_of_frames"] = int(ds.get("NumberOfFrames", 1) or 1)
    return facts


def read_dicom(path: str | Path) -> tuple[Image.Image, dict[str, Any]]:
    """An 8-bit display image of the first frame and de-identified facts about the file."""
    image, facts, _ = read_dicom_screened(path)
    return image, facts


def read_dicom_screened(path: str | Path) -> tuple[Image.Image, dict[str, Any], PixelScreen]:
    """:func:`read_dicom`, with what Clean Pixel Data needs to screen the image's OCR text: the
    header's identifiers (kept in memory only, never logged) and whether it marks burned-in text."""
    from tools.describe_image.deid import identifiers, is_burned_in

    ds = _read(path)
    if "PixelData" not in ds:
        raise BadInputError(f"{path}: DICOM file has no image (no PixelData)")
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    _check_pixels(ds, path, frames)
    image = display_image(ds, path, frames)
    screen = PixelScreen(tuple(identifiers(ds)), is_burned_in(ds))
    deidentify(ds)
    facts = _facts(ds)
    facts["number_of_frames"] = frames
    logger.debug("read a DICOM: %s", facts)
    return image, facts, screen


@dataclass(frozen=True)
class PixelScreen:
    """The header's identifying words and the BurnedInAnnotation flag of one DICOM file."""

    words: tuple[str, ...]
    burned_in: bool


def display_image(ds: Any, path: str | Path, frames: int) -> Image.Image:
    """The first frame of ``ds`` as an 8-bit RGB image; BadInputError when it cannot be shown."""
    try:
        return _display_image(ds, path, frames)
    except (ValueError, TypeError, IndexError) as exc:
        raise BadInputError(f"{path}: DICOM pixel data cannot be shown ({type(exc).__name__}: {exc})") from None


def _check_pixels(ds: Any, path: str | Path, frames: int) -> None:
    """Refuse a pixel array too large to decode safely (a deflated or compressed file can be tiny)."""
    from tools.describe_image.images import MAX_PIXELS

    rows, columns = int(ds.get("Rows", 0) or 0), int(ds.get("Columns", 0) or 0)
    if rows * columns * max(frames, 1) > MAX_PIXELS:
        raise BadInputError(
            f"{path}: DICOM image too large ({frames} x {columns}x{rows} pixels; limit {MAX_PIXELS:,})"
        )


def _pixels(ds: Any, path: str | Path) -> np.ndarray:
    try:
        return np.asarray(ds.pixel_array)
    except (RuntimeError, NotImplementedError) as exc:
        syntax = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", "?")
        raise BackendUnavailableError(
            f"{path}: no decoder for DICOM transfer syntax {syntax} ({' '.join(str(exc).split())}); "
            f"install one: {DECODERS_INSTALL}"
        ) from exc
    except (ValueError, AttributeError, KeyError) as exc:
        raise BadInputError(f"{path}: DICOM pixel data cannot be decoded ({exc})") from None


def _display_image(ds: Any, path: str | Path, frames: int) -> Image.Image:
    from pydicom.pixels import apply_modality_lut, apply_voi_lut, convert_color_space

    pixels = _pixels(ds, path)
    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    if frames > 1:
        pixels = pixels[0]
    if samples == 3:
        photometric = str(ds.get("PhotometricInterpretation", "RGB"))
        if photometric.startswith("YBR"):
            pixels = convert_color_space(pixels, photometric, "RGB")
        return Image.fromarray(_stretch(pixels.astype(np.float64))).convert("RGB")
    values = apply_modality_lut(pixels, ds).astype(np.float64)
    if ("WindowCenter" in ds and "WindowWidth" in ds) or "VOILUTSequence" in ds:
        values = np.asarray(apply_voi_lut(values, ds), dtype=np.float64)
    grey = _stretch(values)
    if str(ds.get("PhotometricInterpretation", "")) == "MONOCHROME1":
        grey = 255 - grey
    return Image.fromarray(grey).convert("RGB")


def _stretch(values: np.ndarray) -> np.ndarray:
    low, high = float(np.min(values)), float(np.max(values))
    if high <= low:
        return np.zeros(values.shape, dtype=np.uint8)
    return np.clip((values - low) / (high - low) * 255.0, 0, 255).astype(np.uint8)


def _facts(ds: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for keyword, key in FACT_KEYWORDS.items():
        value = ds.get(keyword)
        if value is None or value == "":
            continue
        facts[key] = _plain(value)
    return facts


def _plain(value: Any) -> Any:
    """A pydicom value as plain JSON-able Python (str, int, float or list of them)."""
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return [_plain(v) for v in value]
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) or type(value).__name__ in ("DSfloat", "DSdecimal"):
        return float(value)
    return str(value)
