"""Pairing speaker sidecars with their recordings, whichever comes first and through whichever door
(CLI path, UI upload, ``/v1/ingest``): uploads are kept as ``<hash>-<name>``, so a sidecar rarely
sits beside its recording; they are paired by the name they share (:func:`assistant.speakers.stem`).

- A sidecar in the same batch as its recording labels it while it is ingested.
- A sidecar whose recording is already in the workspace re-labels that recording's chunks (rebuilt
  from their stored segments: no second transcription).
- A sidecar without its recording is kept as a source of kind ``speakers`` (no chunks, no text to
  search); a recording ingested later picks it up.

A sidecar is a ``NAME.speakers.json``, or a ``NAME.vtt``/``.srt`` whose cues name voices when a
recording ``NAME`` is in the batch or the workspace (otherwise it is a transcript of its own).
``Source.speakers`` shows each pairing.

Example:
    >>> pairing = Pairing([Path("q1_call.flac"), Path("q1_call.speakers.json")], store, ctx)  # doctest: +SKIP
    >>> pairing.sidecars                                                               # doctest: +SKIP
    [PosixPath('q1_call.speakers.json')]
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from assistant.chunking import segment_chunks
from assistant.errors import BadInputError
from assistant.extract import ExtractContext, detect_kind, file_hash
from assistant.speakers import (
    VOICED_SUFFIXES,
    Sidecar,
    beside,
    check_turns,
    given_name,
    is_speakers_file,
    label_speakers,
    read_turns,
    stem,
)
from assistant.store import ChromaStore
from assistant.types import Segment, Source

logger = logging.getLogger(__name__)

KIND = "speakers"


def _is_recording(path: Path) -> bool:
    try:
        return detect_kind(path) == "audio"
    except BadInputError:
        return False


def _voiced(path: Path) -> bool:
    try:
        return bool(read_turns(path))
    except (BadInputError, OSError):
        return False


class Pairing:
    """The sidecars of one ingest batch, and how each recording finds its own."""

    def __init__(self, files: list[Path], store: ChromaStore, ctx: ExtractContext) -> None:
        self.store = store
        self.ctx = ctx
        sources = store.sources()
        self._recordings = {stem(s.path) for s in sources if s.kind == "audio"} | {stem(p) for p in files if _is_recording(p)}
        self._waiting = {stem(s.path): s for s in sources if s.kind == KIND}
        self.sidecars = [p for p in files if self._is_sidecar(p)]
        self._batch = {stem(p): Sidecar(p, in_batch=True) for p in self.sidecars}
        self._from_workspace: dict[str, Source] = {}

    def _is_sidecar(self, path: Path) -> bool:
        if is_speakers_file(path):
            return True
        return path.suffix.lower() in VOICED_SUFFIXES and stem(path) in self._recordings and _voiced(path)

    def context(self) -> ExtractContext:
        """The extract context whose recordings find their sidecars through this pairing."""
        return replace(self.ctx, sidecar_for=self.sidecar_for)

    def sidecar_for(self, recording: Path) -> Sidecar | None:
        """The recording's sidecar: one in this batch, else one beside it, else one waiting in the workspace."""
        key = stem(recording)
        if key in self._batch:
            return self._batch[key]
        found = beside(recording)
        if found is None and key in self._waiting and Path(self._waiting[key].path).is_file():
            self._from_workspace[key] = self._waiting[key]
            found = Sidecar(Path(self._waiting[key].path))
        return found

    def recorded(self, recording: Source) -> None:
        """After a recording is stored: a waiting sidecar it used now shows the pairing."""
        waiting = self._from_workspace.pop(stem(recording.path), None)
        if waiting is not None and recording.speakers is not None:
            self.store.replace_source(replace(waiting, speakers=given_name(recording.path)), [])

    def ingest_sidecar(self, path: Path) -> tuple[Source, bool]:
        """Store a sidecar of this batch: it labels its recording (in the batch or the workspace) or
        waits for it. Returns its source and whether it is new; BadInputError when refused."""
        sidecar = self._batch[stem(path)]
        source_id = file_hash(path)
        if sidecar.labelled is None:
            if sidecar.error is None and sidecar.turns():
                labelled = [self._relabel(s, sidecar) for s in self.store.sources() if s.kind == "audio" and stem(s.path) == stem(path)]
                sidecar.labelled = labelled[0] if labelled else None
            if sidecar.error is not None:
                raise BadInputError(sidecar.error)
        existing = self.store.get_source(source_id)
        if existing is None:
            source = Source(id=source_id, path=str(path.resolve()), kind=KIND, chunks=0, speakers=sidecar.labelled)
            self.store.add_source(source, [])
            return source, True
        if sidecar.labelled is not None and existing.speakers != sidecar.labelled:
            existing = replace(existing, speakers=sidecar.labelled)
            self.store.replace_source(existing, [])
        return existing, False

    def _relabel(self, recording: Source, sidecar: Sidecar) -> str:
        """Re-label a stored recording's chunks with the sidecar's speakers (rebuilt from the
        chunks' timed segments); returns the recording's name."""
        chunks = sorted(self.store.chunks_of(recording.id), key=lambda c: (c.locator.start or 0.0))
        segments = [
            Segment(float(span.locator.start or 0.0), float(span.locator.end or 0.0), chunk.text[span.begin : span.end])
            for chunk in chunks
            for span in chunk.spans
        ]
        try:
            check_turns(sidecar.turns(), len(segments), recording.duration or 0.0, given_name(sidecar.path))
        except BadInputError as exc:
            sidecar.error = str(exc)
            raise
        rebuilt = segment_chunks(
            label_speakers(segments, sidecar.turns()),
            path=recording.path,
            source_id=recording.id,
            target_seconds=self.ctx.settings.chunk_seconds,
        )
        name = given_name(sidecar.path)
        self.store.replace_source(replace(recording, chunks=len({c.id for c in rebuilt}), speakers=name), rebuilt)
        logger.info("%s: speakers of %s re-labelled from %s", recording.id, given_name(recording.path), name)
        return given_name(recording.path)
