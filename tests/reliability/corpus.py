"""The bad-input corpus: broken, hostile and oversized files of every kind, made here (never downloaded).

``build(folder)`` writes every case and returns them. Each :class:`Case` names the file, its kind, the
settings (env) it runs under (small limits where a limit is the point) and what must happen:
``"error"`` (exit 2, one line on stderr, store unchanged) or ``"ok"`` (exit 0; the store gains that
source whole, or nothing).
"""

from __future__ import annotations

import io
import struct
import wave
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

GOOD_TEXT = "# Quarterly note\n\nRevenue was $4.2 billion in Q1, up 8% from a year earlier. Margins held at 41%.\n"
GOOD_VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v CFO>Revenue was 4.2 billion dollars.\n\n00:00:04.000 --> 00:00:07.500\n<v CEO>Margins held.\n"
LATIN1 = "Umsatz Q1: 4,2 Mrd. € – Marge 41 %, Größe".encode("latin-1", errors="replace") + b"\xe9\xe8\xff\xfe"


@dataclass(frozen=True)
class Case:
    """One bad input: the file, its kind, env overrides and the expected outcome."""

    name: str
    kind: str  # audio | image | pdf | dicom | text | transcript
    path: Path
    expect: str = "error"  # "error" or "ok"
    env: dict[str, str] = field(default_factory=dict)


def wav_bytes(seconds: float, rate: int = 16_000, tone: bool = True) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    samples = (0.3 * np.sin(2 * np.pi * 440 * t) if tone else np.zeros_like(t)) * 32767
    out = io.BytesIO()
    with wave.open(out, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(samples.astype("<i2").tobytes())
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (200, 80), text: str = "Revenue 4.2") -> bytes:
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).text((10, 10), text, fill="black")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def noise_png() -> bytes:
    """A 64 x 64 PNG of random pixels (incompressible, about 12 kB)."""
    pixels = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of ``width`` x ``height`` blank pixels: a few kB that decode to a huge image."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def pdf_with_stream(data: bytes, pages: int = 1) -> bytes:
    """A hand-made PDF whose pages share one FlateDecode content stream holding ``data`` compressed."""
    packed = zlib.compress(data, 9)
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages))
    content = 3 + pages
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode()]
    objects += [f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content} 0 R >>".encode()] * pages
    objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream")
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def text_pdf(pages: int) -> bytes:
    """A real PDF with a line of text on each page (BT/ET with the standard Helvetica font)."""
    import pymupdf

    doc = pymupdf.open()
    for i in range(pages):
        doc.new_page().insert_text((72, 72), f"Page {i + 1}: revenue was {i + 1}.5 million.")
    return doc.tobytes()


def encrypted_pdf() -> bytes:
    import pymupdf

    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Secret revenue 9.9 million.")
    return doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="pw", owner_pw="owner")


def dicom_bytes(rows: int = 32, columns: int = 32, *, deflated: bool = False, frames: int = 1, charset: str = "") -> bytes:
    """A small CT-like DICOM made with pydicom; ``deflated`` uses the Deflated transfer syntax."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import CTImageStorage, DeflatedExplicitVRLittleEndian, ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian if deflated else ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "CT"
    ds.StudyDescription = "CHEST"
    if charset:
        ds.SpecificCharacterSet = charset
    ds.Rows, ds.Columns = rows, columns
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    if frames > 1:
        ds.NumberOfFrames = frames
    count = rows * columns * frames
    pixels = np.zeros(count, np.uint8) if count > 1 << 20 else (np.arange(count) % 251).astype(np.uint8)
    ds.PixelData = pixels.tobytes()
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def _write(folder: Path, name: str, data: bytes | Callable[[], bytes]) -> Path:
    path = folder / name
    path.write_bytes(data() if callable(data) else data)
    return path


def build(folder: Path) -> list[Case]:
    """Write every case into ``folder`` (created) and return them."""
    folder.mkdir(parents=True, exist_ok=True)
    w = lambda name, data: _write(folder, name, data)  # noqa: E731
    wav = wav_bytes(1.0)
    png = png_bytes()
    pdf = text_pdf(2)
    dcm = dicom_bytes()
    small = {"MODALYST_MAX_FILE_MB": "0.001"}  # 1 kB: the byte limit, without writing gigabytes
    cases = [
        # audio
        Case("audio-truncated", "audio", w("truncated.wav", wav[:30])),
        Case("audio-corrupt", "audio", w("corrupt.wav", b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 8)),
        Case("audio-empty", "audio", w("empty.wav", b"")),
        Case("audio-mislabeled", "audio", w("really-a-png.mp3", png)),
        Case("audio-too-long", "audio", w("long.wav", wav_bytes(3.0)), env={"MODALYST_MAX_AUDIO_SECONDS": "1"}),
        Case("audio-too-big", "audio", w("big.flac", wav), env=small),
        Case("audio-bad-format-code", "audio", w("badcodec.wav", wav[:20] + b"\xfe\xca" + wav[22:])),
        # images
        Case("image-truncated", "image", w("truncated.png", png[: len(png) // 2])),
        Case("image-corrupt", "image", w("corrupt.png", png[:16] + bytes(reversed(png[16:])))),
        Case("image-empty", "image", w("empty.jpg", b"")),
        Case("image-mislabeled", "image", w("really-text.png", b"Quarter,Revenue\nQ1,4.2\n")),
        Case("image-too-many-pixels", "image", w("huge.png", lambda: bomb_png(8000, 7000))),
        Case("image-decompression-bomb", "image", w("bomb.png", lambda: bomb_png(20000, 20000))),
        Case("image-too-big", "image", w("big.png", noise_png), env=small),
        Case("image-bad-crc", "image", w("badcrc.png", png[:29] + b"\x00\x00\x00\x00" + png[33:])),
        # PDF
        Case("pdf-truncated", "pdf", w("truncated.pdf", pdf[:200])),
        Case("pdf-corrupt", "pdf", w("corrupt.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 16)),
        Case("pdf-empty", "pdf", w("empty.pdf", b"")),
        Case("pdf-mislabeled", "pdf", w("really-text.pdf", GOOD_TEXT.encode())),
        Case("pdf-too-many-pages", "pdf", w("pages.pdf", lambda: text_pdf(12)), env={"MODALYST_MAX_PAGES": "5"}),
        Case("pdf-too-big", "pdf", w("big.pdf", pdf), env=small),
        Case("pdf-encrypted", "pdf", w("encrypted.pdf", encrypted_pdf)),
        Case("pdf-zip-bomb", "pdf", w("bomb.pdf", lambda: pdf_with_stream(b" " * (64 << 20)))),
        Case("pdf-binary-text-stream", "pdf", w("garbled.pdf", lambda: pdf_with_stream(b"BT /F9 12 Tf (\xff\xfe\x00\x01) Tj ET"))),
        # DICOM
        Case("dicom-truncated", "dicom", w("truncated.dcm", dcm[: len(dcm) - 600])),
        Case("dicom-corrupt", "dicom", w("corrupt.dcm", b"\x00" * 128 + b"DICM" + bytes(range(256)) * 4)),
        Case("dicom-empty", "dicom", w("empty.dcm", b"")),
        Case("dicom-mislabeled", "dicom", w("really-text.dcm", b"Patient note: no findings.\n")),
        Case("dicom-too-many-pixels", "dicom", w("huge.dcm", lambda: dicom_bytes(8000, 8000, deflated=True))),
        Case("dicom-too-big", "dicom", w("big.dcm", dcm), env=small),
        Case("dicom-bad-charset", "dicom", w("charset.dcm", lambda: dicom_bytes(charset="ISO_IR 999")), expect="ok"),
        # text, CSV, HTML
        Case("text-empty", "text", w("empty.txt", b"")),
        Case("text-encoding-broken", "text", w("latin1.md", LATIN1)),
        Case("text-truncated-utf8", "text", w("cut.md", "Umsatz stieg um 4 € ".encode()[:-3])),
        Case("text-mislabeled", "text", w("really-a-png.md", png)),
        Case("text-too-big", "text", w("big.txt", GOOD_TEXT.encode() * 20), env=small),
        Case("text-whitespace-only", "text", w("blank.txt", b" \n\t\n   \n")),
        Case("csv-encoding-broken", "text", w("latin1.csv", b"Quarter,Umsatz\nQ1," + LATIN1 + b"\n")),
        Case("csv-mislabeled", "text", w("really-a-png.csv", png)),
        Case("csv-truncated", "text", w("cut.csv", b'Quarter,Revenue\nQ1,"4.2\nQ2,5'), expect="ok"),
        Case("csv-empty-rows", "text", w("rows.csv", b"\n\n,,,\n")),
        Case("xlsx-corrupt", "text", w("corrupt.xlsx", b"PK\x03\x04" + bytes(200))),
        Case("html-binary", "text", w("binary.html", b"<html>\x00\x01\x02" + bytes(100))),
        Case("unknown-extension", "text", w("notes.xyz", GOOD_TEXT.encode())),
        # transcripts
        Case("vtt-truncated", "transcript", w("truncated.vtt", GOOD_VTT.encode()[:30])),
        Case("vtt-corrupt", "transcript", w("corrupt.vtt", b"00:00:01.000 --> \x00\x01 garbage\n")),
        Case("vtt-empty", "transcript", w("empty.vtt", b"")),
        Case("vtt-mislabeled", "transcript", w("really-a-png.vtt", png)),
        Case("srt-encoding-broken", "transcript", w("latin1.srt", b"1\n00:00:01,000 --> 00:00:02,000\n" + LATIN1 + b"\n")),
        Case("srt-too-big", "transcript", w("big.srt", b"1\n00:00:01,000 --> 00:00:02,000\nRevenue.\n\n" * 60), env=small),
        Case("json-transcript-bad-types", "transcript", w("badtypes.json", b'{"segments": [{"start": "soon", "end": 1, "text": "hi"}]}')),
        Case("json-transcript-truncated", "transcript", w("cut.json", b'{"segments": [{"start": 0, "end": 1, "te'), expect="ok"),
    ]
    return cases
