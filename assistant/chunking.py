"""Cut extracted text, tables and transcripts into chunks that carry their locator and context.

A document extractor yields blocks (prose, or a table's rows with its header) tagged with
section and page; :func:`block_chunks` groups them into chunks that never cross a section or page,
keeps table rows whole and repeats a table's header at the top of every chunk it spans.

Example:
    >>> [len(c) for c in split_text("One. Two.\\n\\nThree.", max_chars=200)]
    [17]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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
        while len(sentence) > max_chars:  # one endless "sentence" (a table row dump): cut at the last space
            if current:
                yield current
                current = ""
            cut = sentence.rfind(" ", 0, max_chars + 1)
            cut = cut if cut > 0 else max_chars  # one word longer than a chunk: a hard cut
            yield sentence[:cut].rstrip()
            sentence = sentence[cut:].lstrip()
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
    text: str,
    *,
    path: str,
    source_id: str,
    kind: str,
    max_chars: int,
    page: int | None = None,
    context: str = "",
) -> list[Chunk]:
    """Chunks of a text or of one PDF page (``page`` 1-based)."""
    return [
        Chunk(text=piece, locator=Locator(path=path, page=page), source_id=source_id, kind=kind, context=context)
        for piece in split_text(text, max_chars)
    ]


@dataclass(frozen=True)
class Block:
    """A stretch of a document: prose (``text``) or a table (``rows``, each "a | b | c", under ``header``
    lines), with the section it sits in and its page (1-based) where the source has pages."""

    text: str = ""
    rows: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    section: str = ""
    page: int | None = None


def context_label(title: str, section: str = "", page: int | None = None) -> str:
    """The line that makes a chunk understandable alone.

    >>> context_label("ADOBE 2022 10-K", "Item 7 › Results of Operations", 43)
    'ADOBE 2022 10-K › Item 7 › Results of Operations › page 43'
    """
    parts = [p for p in (title.strip(), section.strip()) if p]
    if page is not None:
        parts.append(f"page {page}")
    return " › ".join(parts)


def table_pieces(header: Sequence[str], rows: Sequence[str], max_chars: int) -> list[str]:
    r"""A table's rows grouped into pieces of at most ``max_chars`` (a longer row stands alone), each
    piece starting with the header lines so every piece reads as a table.

    >>> table_pieces(["Item | 2022"], ["Revenue | 17,606", "Net income | 4,756"], max_chars=40)
    ['Item | 2022\nRevenue | 17,606', 'Item | 2022\nNet income | 4,756']
    """
    head = "\n".join(header)
    pieces: list[str] = []
    current: list[str] = []
    size = len(head)
    for row in rows:
        if current and size + 1 + len(row) > max_chars:
            pieces.append("\n".join([*header, *current]))
            current, size = [], len(head)
        current.append(row)
        size += 1 + len(row)
    if current:
        pieces.append("\n".join([*header, *current]))
    elif header:
        pieces.append(head)
    return pieces


def block_chunks(
    blocks: Iterable[Block], *, path: str, source_id: str, kind: str, max_chars: int, title: str
) -> list[Chunk]:
    """Chunks of a document's blocks: consecutive prose of one section and page is grouped by
    :func:`split_text`; each table is cut by :func:`table_pieces`. Each chunk's ``context`` is
    :func:`context_label` of the title, its section and its page."""
    chunks: list[Chunk] = []
    prose: list[str] = []
    where: tuple[str, int | None] = ("", None)

    def emit(pieces: Iterable[str], section: str, page: int | None) -> None:
        context = context_label(title, section, page)
        locator = Locator(path=path, page=page)
        chunks.extend(Chunk(text=p, locator=locator, source_id=source_id, kind=kind, context=context) for p in pieces)

    def flush() -> None:
        if prose:
            emit(split_text("\n\n".join(prose), max_chars), *where)
            prose.clear()

    for block in blocks:
        if (block.section, block.page) != where:
            # a heading with nothing under it yet joins the next section of the same page
            short = block.page == where[1] and len(prose) == 1 and "\n" not in prose[0] and len(prose[0]) <= 100
            if not short or block.rows or block.header:
                flush()
            where = (block.section, block.page)
        if block.rows or block.header:
            flush()
            emit(table_pieces(block.header, block.rows, max_chars), block.section, block.page)
        elif block.text.strip():
            prose.append(block.text)
    flush()
    return chunks


def segment_chunks(
    segments: Sequence[Segment],
    *,
    path: str,
    source_id: str,
    target_seconds: float,
    kind: str = "audio",
    context: str = "",
) -> list[Chunk]:
    """Chunks of about ``target_seconds`` of a recording or transcript, cut at segment boundaries.

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
            chunks.append(
                Chunk(text=text, locator=locator, source_id=source_id, kind=kind, spans=tuple(spans), context=context)
            )
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
