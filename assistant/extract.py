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

from assistant.chunking import Block, block_chunks, segment_chunks
from assistant.documents import document_title
from assistant.errors import BadInputError, UnsupportedFileError, require_file
from assistant.settings import Settings
from assistant.speakers import Sidecar, beside, given_name, label_speakers
from assistant.types import Chunk, Locator, Segment
from assistant.vocabulary import Hints

logger = logging.getLogger(__name__)

AUDIO_EXTS = {".wav", ".mp3", ".m4a", ".ogg", ".oga", ".opus", ".flac", ".webm", ".mp4", ".aac", ".mkv", ".mov"}
IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp"}
TEXT_EXTS = {".txt", ".md", ".markdown", ".json"}  # .txt and .json become "transcript" when timed
KIND_BY_EXT = {
    **{e: "audio" for e in AUDIO_EXTS},
    **{e: "image" for e in IMAGE_EXTS},
    **{e: "text" for e in TEXT_EXTS},
    **{e: "html" for e in (".html", ".htm", ".xhtml")},
    **{e: "table" for e in (".csv", ".tsv", ".xlsx")},
    **{e: "transcript" for e in (".vtt", ".srt")},
    ".pdf": "pdf",
    ".dcm": "image",
}
SNIFF_CHARS = 65536
KIND_NAMES = {"audio": "recordings", "pdf": "PDFs", "image": "images", "table": "tables", "html": "web pages",
              "text": "text", "transcript": "transcripts"}  # how accepted kinds are named to a user


def accepted_kinds() -> str:
    """What can be read, by kind, from the one registry (``KIND_BY_EXT``): 'recordings (.aac .flac …); PDFs (.pdf); …'."""
    by_kind: dict[str, list[str]] = {}
    for ext, kind in sorted(KIND_BY_EXT.items()):
        by_kind.setdefault(kind, []).append(ext)
    return "; ".join(f"{KIND_NAMES.get(kind, kind)} ({' '.join(exts)})" for kind, exts in by_kind.items())


def unsupported_type(name: str) -> str:
    """The one message for a file of a kind nothing reads, naming the file (never a folder) and what is accepted."""
    suffix = Path(name).suffix.lower()
    return f"{Path(name).name}: unsupported file type {suffix or '(none)'!r}; accepted: {accepted_kinds()}"


def detect_kind(path: Path) -> str:
    """The kind of a file, from its content where that is unambiguous, else from its extension."""
    require_file(path)
    with path.open("rb") as handle:
        head = handle.read(132)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head[128:132] == b"DICM":
        return "image"
    kind = KIND_BY_EXT.get(path.suffix.lower())
    if kind is None:
        raise UnsupportedFileError(unsupported_type(path.name))
    if kind == "pdf":
        raise BadInputError(f"{path}: not a PDF (no %PDF header)")
    if kind == "text" and path.suffix.lower() in (".txt", ".json") and _is_transcript(path):
        return "transcript"
    return kind


def checked_kind(path: Path, settings: Settings) -> str:
    """:func:`detect_kind`, after refusing a file larger than the ``max_file_mb`` setting."""
    kind = detect_kind(path)
    size = path.stat().st_size
    if size > settings.max_file_mb * 2**20:
        raise BadInputError(
            f"{path}: file is {size:,} bytes, over the maximum of {settings.max_file_mb:g} MB (setting max_file_mb)"
        )
    return kind


def _is_transcript(path: Path) -> bool:
    from assistant.documents.transcripts import is_transcript_json, looks_timed

    with path.open("rb") as handle:
        head = handle.read(SNIFF_CHARS).decode("utf-8", errors="replace")
    if path.suffix.lower() == ".txt":
        return looks_timed(head)
    try:
        return is_transcript_json(json.loads(path.read_text(encoding="utf-8-sig")))
    except (ValueError, UnicodeDecodeError):
        return False


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
    speakers: str | None = None  # a recording: the sidecar that named its speakers


@dataclass
class ExtractContext:
    """Settings and the lazily built tools that extractors need."""

    settings: Settings
    transcriber: Callable[[], Any]
    ocr_reader: Callable[[], Any]
    vocabulary: Callable[[], Hints] = Hints
    sidecar_for: Callable[[Path], Sidecar | None] = beside  # a recording's speaker sidecar (assistant.sidecars)
    audio_progress: Callable[[float, float], None] | None = None


def _read_utf8(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def _chunks_of(
    blocks: list[Block], path: Path, source_id: str, kind: str, ctx: ExtractContext, title: str
) -> list[Chunk]:
    return block_chunks(
        blocks,
        path=str(path),
        source_id=source_id,
        kind=kind,
        max_chars=ctx.settings.chunk_chars,
        title=document_title(path, title),
    )


def extract_text(path: Path, source_id: str, ctx: ExtractContext) -> Extracted:
    """Plain text, markdown (``#`` headings are sections) and untimed JSON as text."""
    from assistant.documents.markup import markdown_blocks

    text = _read_utf8(path)
    blocks = markdown_blocks(text) if path.suffix.lower() != ".json" else [Block(text=text)]
    chunks = _chunks_of(blocks, path, source_id, "text", ctx, "")
    if not chunks:
        raise BadInputError(f"{path}: no text in the file")
    return Extracted(chunks)


def extract_html(path: Path, source_id: str, ctx: ExtractContext) -> Extracted:
    """An HTML page: scripts and styles dropped, headings as sections, tables as rows."""
    from assistant.documents.markup import html_blocks

    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise BadInputError(f"{path}: binary data, not an HTML page")
    title, blocks = html_blocks(raw.decode("utf-8", errors="replace"))
    chunks = _chunks_of(blocks, path, source_id, "html", ctx, title)
    if not chunks:
        raise BadInputError(f"{path}: no text in the HTML page")
    return Extracted(chunks)


def extract_table(path: Path, source_id: str, ctx: ExtractContext) -> Extracted:
    """CSV/TSV and XLSX: rows under their header (repeated in every chunk), sheets as sections."""
    from assistant.documents.spreadsheet import csv_blocks, xlsx_blocks

    blocks = xlsx_blocks(path) if path.suffix.lower() == ".xlsx" else csv_blocks(path)
    return Extracted(_chunks_of(blocks, path, source_id, "table", ctx, ""))


def extract_transcript(path: Path, source_id: str, ctx: ExtractContext) -> Extracted:
    """A VTT, SRT, JSON or timestamped text transcript: chunks with times, speakers and a span per cue."""
    from assistant.documents.transcripts import read_transcript

    segments = read_transcript(path)
    chunks = segment_chunks(
        segments,
        path=str(path),
        source_id=source_id,
        target_seconds=ctx.settings.chunk_seconds,
        kind="transcript",
        context=document_title(path),
    )
    return Extracted(chunks, duration=max(s.end for s in segments))


def extract_pdf(path: Path, source_id: str, ctx: ExtractContext) -> Extracted:
    """A PDF: text per page in reading order, tables as rows, OCR for pages without a text layer."""
    from assistant.documents.pdf import read_pdf

    doc = read_pdf(path, ocr_reader=ctx.ocr_reader, max_pages=ctx.settings.max_pages)
    chunks = _chunks_of(doc.blocks, path, source_id, "pdf", ctx, doc.title)
    if not chunks:
        raise BadInputError(f"{path}: no text found in the PDF, not even by OCR")
    return Extracted(chunks, pages=doc.pages, warnings=doc.warnings)


def extract_audio(path: Path, source_id: str, ctx: ExtractContext) -> Extracted:
    """A recording: transcribed with the speech hints (its sidecar's speaker names among them), then
    labelled with the sidecar's speakers when it has one that fits."""
    sidecar = ctx.sidecar_for(path)
    hints = ctx.vocabulary().with_speakers(sidecar.speaker_names() if sidecar else ())
    transcript = ctx.transcriber().run(path, vocabulary=hints.terms, progress=ctx.audio_progress, names=hints.names)
    segments, refused = sidecar.label(path, transcript) if sidecar else (list(transcript.segments), [])
    chunks = segment_chunks(segments, path=str(path), source_id=source_id, target_seconds=ctx.settings.chunk_seconds)
    if not chunks:
        raise BadInputError(f"{path}: no speech found in the recording")
    speakers = given_name(sidecar.path) if sidecar and sidecar.labelled else None
    return Extracted(chunks, duration=transcript.duration, warnings=[*transcript.warnings, *refused], speakers=speakers)


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
    "html": extract_html,
    "table": extract_table,
    "transcript": extract_transcript,
    "pdf": extract_pdf,
    "audio": extract_audio,
    "image": extract_image,
}
