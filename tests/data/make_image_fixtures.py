"""Regenerate the tiny image fixtures in tests/data (charts and a synthetic DICOM).

Run from the repository root: ``.venv/bin/python tests/data/make_image_fixtures.py``.
The DICOM carries fake patient details on purpose so tests can prove de-identification.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

HERE = Path(__file__).parent
QUARTERS = ["Q1", "Q2", "Q3", "Q4"]
REVENUE = [4.2, 5.1, 3.8, 6.0]


def bar_chart(path: Path, *, labels: bool, horizontal: bool = False) -> None:
    fig, ax = plt.subplots(figsize=(5, 3.5), dpi=100)
    if horizontal:
        bars = ax.barh(QUARTERS, REVENUE, color="#4472c4")
        ax.invert_yaxis()
        ax.set_xlabel("Revenue ($bn)")
    else:
        bars = ax.bar(QUARTERS, REVENUE, color="#4472c4")
        ax.set_ylabel("Revenue ($bn)")
    ax.set_title("Quarterly revenue ($bn)", fontsize=14)
    if labels:
        ax.bar_label(bars, fmt="%.1f", padding=2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def synthetic_dicom(path: Path) -> None:
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.PatientName = "Doe^Jane"
    ds.PatientID = "MRN-0012345"
    ds.PatientBirthDate = "19700101"
    ds.PatientAddress = "1 Main Street, Springfield"
    ds.AccessionNumber = "ACC998877"
    ds.InstitutionName = "Springfield General Hospital"
    ds.ReferringPhysicianName = "House^Gregory"
    ds.StudyDate = "20240102"
    ds.StudyTime = "101500"
    ds.Modality = "CT"
    ds.BodyPartExamined = "CHEST"
    ds.StudyDescription = "CT chest without contrast"
    ds.SeriesDescription = "Axial 5mm"
    ds.Rows, ds.Columns = 64, 64
    ds.PixelSpacing = [0.7, 0.7]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
    ds.PixelRepresentation = 1
    ds.RescaleSlope, ds.RescaleIntercept = 1, -1024
    ds.WindowCenter, ds.WindowWidth = 40, 400
    yy, xx = np.mgrid[0:64, 0:64]
    body = ((xx - 32) ** 2 + (yy - 32) ** 2) < 26**2
    pixels = np.where(body, 1024 + 40, 0).astype(np.int16)  # soft tissue in air
    pixels[28:36, 28:36] = 1024 + 400  # a bright square ("bone")
    ds.PixelData = pixels.tobytes()
    ds.save_as(path, enforce_file_format=True)


if __name__ == "__main__":
    bar_chart(HERE / "chart_bar_labels.png", labels=True)
    bar_chart(HERE / "chart_bar_nolabels.png", labels=False)
    bar_chart(HERE / "chart_hbar_labels.png", labels=True, horizontal=True)
    synthetic_dicom(HERE / "scan.dcm")
