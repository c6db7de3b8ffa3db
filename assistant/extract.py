"""Detect a file's kind and extract its chunks. One extractor per kind, in one registry dict.

Example:
    >>> detect_kind(Path("notes.md"))      # doctest: +SKIP
    'text'
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.chunking import segment_chunks, text_chunks
from assistant.errors import BadInputError, UnsupportedFileError
from assistant.settings import Settings
from assistant.types import Chunk, Locator, Segment

logger = logging.getLogger(__name__)

AUDIO_EXTS = {".wav", ".mp3", ".m4a", ".ogg", ".oga", ".opus", ".flac", ".webm", ".mp4", ".aac", ".mkv", ".mov"}
IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp"}
TEXT_EXTS = {".txt", ".md", ".markdown"}
KIND_BY_EXT = {
    **{e: "audio" for e in AUDIO_EXTS},
    **{e: "image" for e in IMAGE_EXTS},
    **{e: "text" for e in TEXT_EXTS},
    ".pdf": "pdf",
    ".dcm": "image",
}


def detect_kind(path: Path) -> str:
    """The kind of a file, from its content where that is unambiguous, else from its extension."""
    if not path.exists():
        raise BadInputError(f"{path}: no such file")
    if not path.is_file():
        raise BadInputError(f"{path}: not a regular file")
    with path.open("rb") as handle:
        head = handle.read(132)
    if not head:
        raise BadInputError(f"{path}: the file is empty")
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head[128:132] == b"DICM":
        return "image"
    kind = KIND_BY_EXT.get(path.suffix.lower())
    if kind is None:
        supported = " ".join(sorted(KIND_BY_EXT))
        raise UnsupportedFileError(f"{path}: unsupported file type {path.suffix or '(none)'!r}; supported: {supported}")
    if kind == "pdf":
        raise BadInputError(f"{path}: not a PDF (no %PDF header)")
    return kind


def file_hash(path: Path) -> str:
    """Content hash used as the source id: the same bytes are the same source wherever they lie."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


@dataclass
class Extracted:
    """What an extractor found in one file."""

    chunks: list[Chunk]
    pages: int | None = None
    duration: float | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class ExtractContext:
    """Settings and the lazily built tools that extractors need."""

    settings: Settings
    transcriber: Callable[[], Any]
    ocr_reader: Callable[[], Any]


def extract_text(path: Path, source_id: str, ctx: ExtractContext) -> Extracted:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise BadInputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    chunks = text_chunks(text, path=str(path), source_id=source_id, kind="text", max_chars=ctx.settings.chunk_chars)
    if not chunks:
        raise BadInputError(f"{path}: no text in the file")
    return Extracted(chunks)


def extract_pdf(path: Path, source_id: str, ctx: ExtractContext) -> Extracted:
    import pymupdf

    try:
        doc = pymupdf.open(path)
    except Exception as exc:  # pymupdf raises its own FileDataError and friends
        raise BadInputError(f"{path}: cannot read the PDF ({exc})") from exc
    with doc:
        if doc.needs_pass:
            raise BadInputError(f"{path}: the PDF is encrypted; decrypt it first")
        chunks: list[Chunk] = []
        empty: list[int] = []
        for number, page in enumerate(doc, start=1):
            text = page.get_text("text", sort=True)
            page_chunks = text_chunks(
                text, path=str(path), source_id=source_id, kind="pdf", max_chars=ctx.settings.chunk_chars, page=number
            )
            if not page_chunks:
                empty.append(number)
            chunks.extend(page_chunks)
        pages = doc.page_count
    warnings = [f"{path.name}: {len(empty)} page(s) without a text layer were skipped"] if empty else []
    if not chunks:
        raise BadInputError(f"{path}: the PDF has no text layer (scanned PDFs need OCR, not yet supported)")
    return Extracted(chunks, pages=pages, warnings=warnings)


def _speaker_turns(path: Path) -> list[dict[str, Any]]:
    """Speaker turns from a sidecar ``<name>.speakers.json``: ``[{"start", "end", "speaker"}]``."""
    sidecar = path.with_name(path.stem + ".speakers.json")
    if not sidecar.is_file():
        return []
    try:
        turns = json.loads(sidecar.read_text(encoding="utf-8"))
        return [{"start": float(t["start"]), "end": float(t["end"]), "speaker": str(t["speaker"])} for t in turns]
    except (ValueError, KeyError, TypeError) as exc:
        raise BadInputError(f"{sidecar}: not a speaker list ({exc})") from exc


def label_speakers(segments: tuple[Segment, ...], turns: list[dict[str, Any]]) -> list[Segment]:
    """Give each segment the speaker whose turn overlaps it most."""
    if not turns:
        return list(segments)

    def best(seg: Segment) -> str | None:
        overlaps = [(min(seg.end, t["end"]) - max(seg.start, t["start"]), t["speaker"]) for t in turns]
        overlap, speaker = max(overlaps)
        return speaker if overlap > 0 else None

    return [Segment(s.start, s.end, s.text, best(s)) for s in segments]


def extract_audio(path: Path, source_id: str, ctx: ExtractContext) -> Extracted:
    transcript = ctx.transcriber().run(path)
    segments = label_speakers(transcript.segments, _speaker_turns(path))
    chunks = segment_chunks(segments, path=str(path), source_id=source_id, target_seconds=ctx.settings.chunk_seconds)
    if not chunks:
        raise BadInputError(f"{path}: no speech found in the recording")
    return Extracted(chunks, duration=transcript.duration)


def extract_image(path: Path, source_id: str, ctx: ExtractContext) -> Extracted:
    from tools.describe_image import describe_image, image_pieces

    description = describe_image(path, ctx.settings, ocr_reader=ctx.ocr_reader())
    chunks = [
        Chunk(text=text, locator=Locator(path=str(path), bbox=bbox), source_id=source_id, kind="image", spans=spans)
        for text, bbox, spans in image_pieces(description)
    ]
    if not chunks:
        raise BadInputError(f"{path}: no text, chart or description found in the image")
    return Extracted(chunks, warnings=list(description.warnings))


EXTRACTORS: dict[str, Callable[[Path, str, ExtractContext], Extracted]] = {
    "text": extract_text,
    "pdf": extract_pdf,
    "audio": extract_audio,
    "image": extract_image,
}
