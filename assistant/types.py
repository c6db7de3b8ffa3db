"""Typed data that crosses module boundaries. Frozen dataclasses, each with ``to_dict`` for JSON.

Example:
    >>> loc = Locator(path="call.wav", start=12.0, end=31.5, speaker="CFO")
    >>> loc.label()
    'call.wav · 00:12 CFO'
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BBox = tuple[float, float, float, float]


def clock(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


@dataclass(frozen=True)
class Locator:
    """Where a piece of evidence sits: a page (1-based), a time range, or a box on an image."""

    path: str
    page: int | None = None
    start: float | None = None
    end: float | None = None
    speaker: str | None = None
    bbox: BBox | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path}
        for key in ("page", "start", "end", "speaker"):
            value = getattr(self, key)
            if value is not None:
                out[key] = round(value, 2) if isinstance(value, float) else value
        if self.bbox is not None:
            out["bbox"] = [round(v, 1) for v in self.bbox]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Locator:
        bbox = data.get("bbox")
        return cls(
            path=str(data["path"]),
            page=int(data["page"]) if data.get("page") is not None else None,
            start=float(data["start"]) if data.get("start") is not None else None,
            end=float(data["end"]) if data.get("end") is not None else None,
            speaker=data.get("speaker") or None,
            bbox=tuple(float(v) for v in bbox) if bbox else None,  # type: ignore[arg-type]
        )

    def label(self, what: str | None = None) -> str:
        """A label a person can read: 'report.pdf · p. 38', 'call.flac · 06:21 Sam Okafor',
        'chart.png · Q4 2025 bar' (``what`` names the cited part of an image; else 'image region')."""
        name = Path(self.path).name
        if self.page is not None:
            return f"{name} · p. {self.page}"
        if self.start is not None:
            return f"{name} · {clock(self.start)}" + (f" {self.speaker}" if self.speaker else "")
        if self.bbox is not None:
            return f"{name} · {what or 'image region'}"
        return name


@dataclass(frozen=True)
class Segment:
    """One stretch of speech with its times in seconds."""

    start: float
    end: float
    text: str
    speaker: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"start": round(self.start, 2), "end": round(self.end, 2), "text": self.text}
        if self.speaker:
            out["speaker"] = self.speaker
        return out


@dataclass(frozen=True)
class Transcript:
    """A transcription: full text, detected language, duration in seconds, timed segments, and
    warnings (e.g. no speech found)."""

    text: str
    language: str
    duration: float
    segments: tuple[Segment, ...] = ()
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "text": self.text,
            "language": self.language,
            "duration": round(self.duration, 2),
            "segments": [s.to_dict() for s in self.segments],
        }
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out


@dataclass(frozen=True)
class OcrLine:
    """One line of text found on an image, its box in pixels (x0, y0, x1, y1) and confidence."""

    text: str
    bbox: BBox
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "bbox": [round(v, 1) for v in self.bbox], "score": round(self.score, 4)}


@dataclass(frozen=True)
class ChartValue:
    """One cell of a chart's table: a series' value at a category, printed on the chart or estimated."""

    series: str
    category: str
    value: float
    printed: bool
    bbox: BBox

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["bbox"] = [round(v, 1) for v in self.bbox]
        return data


@dataclass(frozen=True)
class AxisTick:
    """A labelled tick of a chart axis: its text, the number it shows (if any) and its box."""

    text: str
    value: float | None
    bbox: BBox

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "value": self.value, "bbox": [round(v, 1) for v in self.bbox]}


@dataclass(frozen=True)
class Chart:
    """A chart read into numbers: its type, titles, categories, series and a series×category table,
    plus the axis tick labels (x left to right, y top to bottom), legend entries and panel count."""

    type: str
    title: str | None
    x_title: str | None
    y_title: str | None
    categories: tuple[str, ...]
    series: tuple[str, ...]
    values: tuple[ChartValue, ...]
    x_ticks: tuple[AxisTick, ...] = ()
    y_ticks: tuple[AxisTick, ...] = ()
    legend: tuple[str, ...] = ()
    panels: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "title": self.title,
            "x_title": self.x_title,
            "y_title": self.y_title,
            "categories": list(self.categories),
            "series": list(self.series),
            "values": [v.to_dict() for v in self.values],
            "x_ticks": [t.to_dict() for t in self.x_ticks],
            "y_ticks": [t.to_dict() for t in self.y_ticks],
            "legend": list(self.legend),
            "panels": self.panels,
        }


@dataclass(frozen=True)
class ImageDescription:
    """What the image tools found: OCR lines, an optional chart table, DICOM facts and caption."""

    path: str
    width: int
    height: int
    ocr: tuple[OcrLine, ...] = ()
    chart: Chart | None = None
    dicom: dict[str, Any] | None = None
    caption: str | None = None
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "width": self.width,
            "height": self.height,
            "ocr": [line.to_dict() for line in self.ocr],
            "warnings": list(self.warnings),
        }
        if self.chart is not None:
            out["chart"] = self.chart.to_dict()
        if self.dicom is not None:
            out["dicom"] = self.dicom
        if self.caption is not None:
            out["caption"] = self.caption
        return out


@dataclass(frozen=True)
class Span:
    """A stretch of a chunk's text (character offsets ``begin:end``) and exactly where it comes from:
    one transcript segment's seconds, or one chart value's box."""

    begin: int
    end: int
    locator: Locator

    def to_list(self) -> list[Any]:
        return [self.begin, self.end, self.locator.to_dict()]

    @classmethod
    def from_list(cls, data: list[Any]) -> Span:
        return cls(int(data[0]), int(data[1]), Locator.from_dict(data[2]))


@dataclass(frozen=True)
class Chunk:
    """A piece of a source ready for the store. Its id is a hash of source, locator and text; the
    locator's path is left out, so two copies of one file give the same ids (two processes
    ingesting them at once into a Chroma server then write the same chunks, not twice as many).

    ``context`` names where the chunk sits ("ADOBE 2022 10-K › Item 7 › page 43") so the chunk is
    understandable alone; it is embedded and indexed with the text but never quoted as evidence."""

    text: str
    locator: Locator
    source_id: str
    kind: str
    spans: tuple[Span, ...] = ()
    context: str = ""

    @property
    def id(self) -> str:
        where = sorted((k, v) for k, v in self.locator.to_dict().items() if k != "path")
        key = f"{self.source_id}|{where}|{self.text}"
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Source:
    """One ingested file: its content-hash id, path, kind, chunk count, and pages or duration.

    ``speakers`` pairs a recording with its speaker sidecar: on a recording, the sidecar's name that
    labelled its chunks; on a sidecar (kind ``speakers``, no chunks), the recording it labelled
    (None while that recording is not in the workspace yet)."""

    id: str
    path: str
    kind: str
    chunks: int
    pages: int | None = None
    duration: float | None = None
    speakers: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "path": self.path, "kind": self.kind, "chunks": self.chunks}
        if self.pages is not None:
            out["pages"] = self.pages
        if self.duration is not None:
            out["duration"] = round(self.duration, 2)
        if self.speakers is not None or self.kind == "speakers":
            out["speakers"] = self.speakers
        return out


@dataclass(frozen=True)
class Evidence:
    """A numbered piece of evidence given to the answerer."""

    n: int
    text: str
    source: str
    locator: Locator
    score: float
    spans: tuple[Span, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "text": self.text,
            "source": self.source,
            "locator": self.locator.to_dict(),
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class Citation:
    """A ``[n]`` in an answer, resolved to its evidence's source and locator."""

    n: int
    source: str
    locator: Locator

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "source": self.source, "locator": self.locator.to_dict()}


@dataclass(frozen=True)
class Turn:
    """One user turn: a text question and/or a voice question, with attached images and files."""

    text: str | None = None
    audio: str | None = None
    images: tuple[str, ...] = ()
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class ToolResult:
    """What one tool produced for a turn, or the error it failed with."""

    tool: str
    evidence: tuple[Evidence, ...] = ()
    error: str | None = None
    detail: Any = None


@dataclass(frozen=True)
class Answer:
    """The answer to a turn, with citations, the evidence it rests on, per-stage timings and warnings."""

    question: str
    answer: str
    citations: tuple[Citation, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "citations": [c.to_dict() for c in self.citations],
            "evidence": [e.to_dict() for e in self.evidence],
            "timings": {k: round(v, 1) for k, v in self.timings.items()},
            "warnings": list(self.warnings),
        }
