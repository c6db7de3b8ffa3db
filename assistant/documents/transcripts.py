"""Transcripts to timed segments: WebVTT, SRT, JSON (``{"segments": [...]}`` as ``modalyst
transcribe --json`` prints, or a bare list) and timestamped text ("[00:12] CFO: ...").

A speaker is taken from a VTT voice tag (``<v CFO>``), a "Name:" prefix or a JSON ``speaker``.

Example:
    >>> [(s.start, s.speaker, s.text) for s in parse_srt("1\\n00:00:01,000 --> 00:00:03,500\\nCFO: Hello.\\n")]
    [(1.0, 'CFO', 'Hello.')]
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from assistant.errors import BadInputError
from assistant.types import Segment

_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?"
_CUE = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}")
_VOICE = re.compile(r"<v(?:\.[^ >]*)?\s+([^>]+)>")
_TAG = re.compile(r"<[^>]+>")
_SPEAKER = re.compile(r"^(?:\[([^\]]{1,40})\]|([A-Z][\w .'\-]{0,38}?)):\s+(?=\S)")
_TXT_LINE = re.compile(rf"^\s*[\[(]?{_TIME}[\])]?\s*(?:[-–]\s*)?(.*)$")
_TXT_SPEAKER_FIRST = re.compile(rf"^\s*([A-Z][\w .'\-]{{0,38}}?)\s*[\[(]{_TIME}[\])]\s*:?\s*(.*)$")


def _seconds(h: str | None, m: str, s: str, frac: str | None) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + (int(frac.ljust(3, "0")) / 1000 if frac else 0.0)


def _speaker_and_text(raw: str) -> tuple[str | None, str]:
    voice = _VOICE.search(raw)
    speaker = voice.group(1).strip() if voice else None
    text = " ".join(_TAG.sub("", raw).split())
    if speaker is None:
        match = _SPEAKER.match(text)
        if match:
            speaker = (match.group(1) or match.group(2)).strip()
            text = text[match.end() :]
    return speaker, text


def _cues(text: str) -> list[Segment]:
    segments: list[Segment] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = block.strip("\n").split("\n")
        for i, line in enumerate(lines):
            match = _CUE.match(line)
            if match:
                g = match.groups()
                speaker, said = _speaker_and_text(" ".join(lines[i + 1 :]))
                if said:
                    segments.append(Segment(_seconds(*g[:4]), _seconds(*g[4:]), said, speaker))
                break
    return segments


def parse_vtt(text: str) -> list[Segment]:
    """Cues of a WebVTT file (NOTE and STYLE blocks have no timing line and are skipped)."""
    if not text.lstrip("\ufeff").startswith("WEBVTT"):
        raise ValueError("no WEBVTT header")
    return _cues(text)


def parse_srt(text: str) -> list[Segment]:
    """Cues of a SubRip file."""
    return _cues(text)


def parse_json(data: Any) -> list[Segment]:
    """Segments of ``{"segments": [{start, end, text, speaker?}]}`` or of a bare list of them."""
    items = data.get("segments") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ValueError("expected a list of segments or {\"segments\": [...]}")
    segments = []
    for item in items:
        text = " ".join(str(item.get("text", "")).split())
        if text:
            speaker = item.get("speaker")
            segments.append(Segment(float(item["start"]), float(item["end"]), text, str(speaker) if speaker else None))
    return segments


def is_transcript_json(data: Any) -> bool:
    """Whether parsed JSON has the shape :func:`parse_json` reads."""
    items = data.get("segments") if isinstance(data, dict) else data
    return (
        isinstance(items, list)
        and bool(items)
        and all(isinstance(i, dict) and {"start", "end", "text"} <= set(i) for i in items[:5])
    )


def _txt_match(line: str) -> tuple[float, str | None, str] | None:
    first = _TXT_SPEAKER_FIRST.match(line)
    if first:
        g = first.groups()
        return _seconds(*g[1:5]), g[0].strip(), g[5]
    match = _TXT_LINE.match(line)
    if not match or not match.group(2) and not match.group(3):
        return None
    g = match.groups()
    speaker, said = _speaker_and_text(g[4])
    return _seconds(*g[:4]), speaker, said


def parse_timed_text(text: str, duration: float | None = None) -> list[Segment]:
    """Lines starting with a time ("[00:12] CFO: ...", "CFO (01:02:03): ..."); untimed lines join the
    line before; each segment ends where the next begins (the last one 5 s later)."""
    rows: list[list[Any]] = []
    for line in text.splitlines():
        found = _txt_match(line) if line.strip() else None
        if found:
            rows.append(list(found))
        elif rows and line.strip():
            rows[-1][2] = f"{rows[-1][2]} {line.strip()}".strip()
    segments = []
    for i, (start, speaker, said) in enumerate(rows):
        end = rows[i + 1][0] if i + 1 < len(rows) else (duration or start + 5.0)
        if said.strip():
            segments.append(Segment(start, max(end, start), " ".join(said.split()), speaker))
    return segments


def looks_timed(text: str) -> bool:
    """Whether most of a text's first non-empty lines start with a timestamp (a transcript)."""
    lines = [line for line in text.splitlines() if line.strip()][:10]
    return len(lines) >= 2 and sum(_txt_match(line) is not None for line in lines) >= 0.6 * len(lines)


def read_transcript(path: Path) -> list[Segment]:
    """The segments of a transcript file by its extension; a file without any timed cue is a bad input."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    suffix = path.suffix.lower()
    try:
        if suffix == ".vtt":
            segments = parse_vtt(text)
        elif suffix == ".srt":
            segments = parse_srt(text)
        elif suffix == ".json":
            segments = parse_json(json.loads(text))
        else:
            segments = parse_timed_text(text)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadInputError(f"{path}: not a {suffix.lstrip('.').upper() or 'text'} transcript ({exc})") from exc
    if not segments:
        raise BadInputError(f"{path}: no timed cues found in the transcript")
    return segments
