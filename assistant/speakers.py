"""Speaker turns from a recording's sidecar, checked against the recording and laid on its segments.

A sidecar is ``NAME.speakers.json`` (``[{"start": 0, "end": 22.9, "speaker": "Dana Reyes, CEO"}]``)
or a ``NAME.vtt`` / ``NAME.srt`` whose cues name voices. It belongs to the recording with the same
name ``NAME`` (a library copy's ``<content hash>-`` prefix left out). A sidecar naming turns the
recording cannot have (more turns than the recording has segments, or times past its end) is
refused with one line; the recording keeps its transcript, without speakers.

Example:
    >>> given_name("/data/library/default/0123456789abcdef-q1_call.speakers.json")
    'q1_call.speakers.json'
    >>> stem("0123456789abcdef-Q1_Call.speakers.json"), stem("q1_call.flac")
    ('q1_call', 'q1_call')
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import BadInputError
from assistant.types import Segment, Transcript

SUFFIX = ".speakers.json"
VOICED_SUFFIXES = (".vtt", ".srt")  # transcripts whose voices may label a recording of the same name
END_TOLERANCE = 1.0  # seconds a turn may run past the recording's end (rounding in the sidecar)
_KEPT = re.compile(r"^[0-9a-f]{16}-")  # the library keeps uploads as <content hash>-<name>


def given_name(path: str | Path) -> str:
    """A file's name as its user gave it (without a library copy's hash prefix)."""
    return _KEPT.sub("", Path(path).name)


def stem(path: str | Path) -> str:
    """The name a recording and its sidecar share, case-folded: ``q1_call`` for ``q1_call.flac`` and
    ``<hash>-q1_call.speakers.json``."""
    name = given_name(path)
    if name.lower().endswith(SUFFIX):
        return name[: -len(SUFFIX)].casefold()
    return Path(name).stem.casefold()


def is_speakers_file(path: str | Path) -> bool:
    return Path(path).name.lower().endswith(SUFFIX)


def _seconds(value: Any) -> float:
    number = float(value)
    if number != number or number < 0:  # NaN or negative
        raise ValueError(f"bad time {value!r}")
    return number


def read_turns(path: Path) -> list[dict[str, Any]]:
    """``[{"start", "end", "speaker"}]`` from a ``.speakers.json`` or a voiced ``.vtt``/``.srt``;
    BadInputError with one line when the file is not a speaker list."""
    if path.suffix.lower() in VOICED_SUFFIXES:
        from assistant.documents.transcripts import read_transcript

        turns = [{"start": s.start, "end": s.end, "speaker": s.speaker} for s in read_transcript(path) if s.speaker]
        if not turns:
            raise BadInputError(f"{given_name(path)}: its cues name no speakers")
        return turns
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        turns = [{"start": _seconds(t["start"]), "end": _seconds(t["end"]), "speaker": str(t["speaker"]).strip()} for t in data]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise BadInputError(f"{given_name(path)}: not a speaker list like [{{\"start\": 0, \"end\": 22.9, \"speaker\": \"CEO\"}}] ({exc})") from exc
    for turn in turns:
        if turn["end"] < turn["start"] or not turn["speaker"]:
            raise BadInputError(f"{given_name(path)}: a turn ends before it starts or names no speaker ({turn})")
    if not turns:
        raise BadInputError(f"{given_name(path)}: the speaker list is empty")
    return turns


def check_turns(turns: list[dict[str, Any]], segments: int, duration: float, name: str) -> None:
    """Refuse turns the recording cannot have: more turns than it has segments, or past its end."""
    if len(turns) > max(1, segments):
        raise BadInputError(f"{name}: refused: {len(turns)} speaker turns for a recording of {segments} transcript segments")
    late = [t for t in turns if t["end"] > duration + END_TOLERANCE]
    if late:
        raise BadInputError(
            f"{name}: refused: a speaker turn ends at {late[0]['end']:.1f} s, past the recording's end at {duration:.1f} s"
        )


def label_speakers(segments: tuple[Segment, ...] | list[Segment], turns: list[dict[str, Any]]) -> list[Segment]:
    """Give each segment the speaker whose turn overlaps it most."""
    if not turns:
        return list(segments)

    def best(seg: Segment) -> str | None:
        overlaps = [(min(seg.end, t["end"]) - max(seg.start, t["start"]), t["speaker"]) for t in turns]
        overlap, speaker = max(overlaps)
        return speaker if overlap > 0 else None

    return [Segment(s.start, s.end, s.text, best(s)) for s in segments]


@dataclass
class Sidecar:
    """A sidecar found for a recording: read once; remembers whether it labelled it or why not.
    ``in_batch``: it came in the same ingest (its refusal is reported as its own failure)."""

    path: Path
    in_batch: bool = False
    labelled: str | None = None  # the recording it labelled
    error: str | None = None
    _turns: list[dict[str, Any]] | None = field(default=None, repr=False)

    def turns(self) -> list[dict[str, Any]]:
        """Its turns; [] (and ``error`` set) when it is not a speaker list."""
        if self._turns is None:
            try:
                self._turns = read_turns(self.path)
            except (BadInputError, OSError) as exc:
                self.error, self._turns = str(exc) if isinstance(exc, BadInputError) else f"{given_name(self.path)}: {exc}", []
        return self._turns

    def speaker_names(self) -> list[str]:
        return list(dict.fromkeys(t["speaker"] for t in self.turns()))

    def label(self, recording: Path, transcript: Transcript) -> tuple[list[Segment], list[str]]:
        """The transcript's segments with speakers, and warnings (a refused sidecar from outside
        the batch warns; one in the batch is reported as failed by the pairing)."""
        turns = self.turns()
        if turns:
            try:
                check_turns(turns, len(transcript.segments), transcript.duration, given_name(self.path))
                self.labelled = given_name(recording)
                return label_speakers(transcript.segments, turns), []
            except BadInputError as exc:
                self.error = str(exc)
        warnings = [] if self.in_batch else [f"{self.error}; {given_name(recording)} is kept without speakers"]
        return list(transcript.segments), warnings


def beside(recording: Path) -> Sidecar | None:
    """``NAME.speakers.json`` in the recording's own folder, if there is one."""
    path = recording.with_name(recording.stem + SUFFIX)
    return Sidecar(path) if path.is_file() else None
