"""Cut extracted text and transcripts into chunks that carry their locator.

Example:
    >>> [len(c) for c in split_text("One. Two.\\n\\nThree.", max_chars=200)]
    [19]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from assistant.types import Chunk, Locator, Segment, Span

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9$])")
_PARAGRAPH = re.compile(r"\n\s*\n")


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences (keeps decimals like 4.2 and abbreviations before lowercase words).
    A blank line always ends a sentence, so a heading never runs into the paragraph under it."""
    out: list[str] = []
    for paragraph in _PARAGRAPH.split(text):
        flat = re.sub(r"\s+", " ", paragraph).strip()
        out.extend(s.strip() for s in _SENTENCE_END.split(flat) if s.strip())
    return out


def _pieces(paragraph: str, max_chars: int) -> Iterable[str]:
    if len(paragraph) <= max_chars:
        yield paragraph
        return
    current = ""
    for sentence in split_sentences(paragraph):
        while len(sentence) > max_chars:  # one endless "sentence" (a table row dump): hard cut
            if current:
                yield current
                current = ""
            yield sentence[:max_chars]
            sentence = sentence[max_chars:]
        if current and len(current) + 1 + len(sentence) > max_chars:
            yield current
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    if current:
        yield current


def split_text(text: str, max_chars: int) -> list[str]:
    """Group paragraphs into pieces of at most ``max_chars``, splitting long ones at sentences."""
    out: list[str] = []
    current = ""
    for raw in _PARAGRAPH.split(text):
        paragraph = re.sub(r"[ \t]+", " ", raw).strip()
        if not paragraph:
            continue
        for piece in _pieces(paragraph, max_chars):
            if current and len(current) + 2 + len(piece) > max_chars:
                out.append(current)
                current = piece
            else:
                current = f"{current}\n\n{piece}" if current else piece
    if current:
        out.append(current)
    return out


def text_chunks(
    text: str, *, path: str, source_id: str, kind: str, max_chars: int, page: int | None = None
) -> list[Chunk]:
    """Chunks of a text or of one PDF page (``page`` 1-based)."""
    return [
        Chunk(text=piece, locator=Locator(path=path, page=page), source_id=source_id, kind=kind)
        for piece in split_text(text, max_chars)
    ]


def segment_chunks(
    segments: Sequence[Segment], *, path: str, source_id: str, target_seconds: float
) -> list[Chunk]:
    """Chunks of about ``target_seconds`` of a recording, cut at segment boundaries.

    A change of speaker also cuts once the chunk holds at least a third of the target, so a
    chunk's locator names one speaker where it can.
    """
    chunks: list[Chunk] = []
    group: list[Segment] = []

    def flush() -> None:
        if not group:
            return
        speakers = list(dict.fromkeys(s.speaker for s in group if s.speaker))
        locator = Locator(
            path=path,
            start=group[0].start,
            end=group[-1].end,
            speaker=", ".join(speakers) if speakers else None,
        )
        text, spans = "", []
        for s in group:
            said = s.text.strip()
            if said:
                begin = len(text) + (1 if text else 0)
                text = f"{text} {said}" if text else said
                spans.append(Span(begin, len(text), Locator(path=path, start=s.start, end=s.end, speaker=s.speaker)))
        if text:
            chunks.append(Chunk(text=text, locator=locator, source_id=source_id, kind="audio", spans=tuple(spans)))
        group.clear()

    for segment in segments:
        if group:
            length = segment.end - group[0].start
            held = group[-1].end - group[0].start
            speaker_changed = segment.speaker != group[-1].speaker and held >= target_seconds / 3
            if length > target_seconds or speaker_changed:
                flush()
        group.append(segment)
    flush()
    return chunks
