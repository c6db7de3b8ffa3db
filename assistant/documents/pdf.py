"""PDF pages to blocks: running text in reading order with headings as sections, tables as rows
(removed from the running text so nothing is said twice), OCR for pages without a text layer, and
page images rendered on demand for citations.

Example:
    >>> doc = read_pdf(Path("10k.pdf"), ocr_reader=lambda: reader)   # doctest: +SKIP
    >>> png = render_page(Path("10k.pdf"), page=3, dpi=110)           # doctest: +SKIP
"""

from __future__ import annotations

import io
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.chunking import Block
from assistant.documents.tables import PageTable, count_rules, find_page_tables, in_any, might_hold_tables, plain_rules
from assistant.errors import BadInputError

logger = logging.getLogger(__name__)

OCR_DPI = 150
# Processes that run the table finder when a PDF has many candidate pages: one per two cores, as
# the finder's layout model already uses two threads (on 2 cores, 2 processes took as long as 1).
TABLE_WORKERS = max(1, min(4, (os.cpu_count() or 1) // 2))
PARALLEL_MIN_PAGES = 12  # fewer candidate pages than this are searched in this process
BOLD, ITALIC = 16, 2  # pymupdf span flags
HEADING_MAX_CHARS = 100
HEADING_SIZE_RATIO = 1.15  # a span this much larger than the page's body text is a heading
_TOP_HEADING = re.compile(r"^(?:part|item)\s+[0-9ivx]+[a-c]?\b", re.IGNORECASE)
_BOILERPLATE = {"table of contents"}


@dataclass
class PdfDocument:
    """What a PDF holds: its blocks, page count, metadata title and warnings."""

    blocks: list[Block]
    pages: int
    title: str = ""
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage: text, tables, ocr
    table_pages: int = 0  # pages the table finder searched


def open_pdf(path: Path) -> Any:
    """The opened pymupdf document; broken or password-protected files raise a clear BadInputError."""
    import pymupdf

    try:
        doc = pymupdf.open(path)
    except Exception as exc:  # pymupdf raises its own FileDataError and friends
        raise BadInputError(f"{path}: cannot read the PDF ({exc})") from exc
    if doc.needs_pass:
        doc.close()
        raise BadInputError(f"{path}: the PDF is encrypted with a password; decrypt it first")
    if doc.page_count == 0:
        doc.close()
        raise BadInputError(f"{path}: the PDF has no pages")
    return doc


def render_page(path: Path, page: int, dpi: int = 110) -> bytes:
    """PNG bytes of one page (1-based), e.g. to show the page a citation points at."""
    with open_pdf(path) as doc:
        if not 1 <= page <= doc.page_count:
            raise BadInputError(f"{path}: no page {page} (the PDF has {doc.page_count})")
        return bytes(doc[page - 1].get_pixmap(dpi=dpi).tobytes("png"))


class _Sections:
    """The heading path in force: top-level items ("Item 7.") and the latest sub-heading."""

    def __init__(self) -> None:
        self.top = ""
        self.sub = ""

    def see(self, heading: str) -> None:
        if _TOP_HEADING.match(heading):
            self.top, self.sub = heading, ""
        else:
            self.sub = heading

    @property
    def path(self) -> str:
        return " › ".join(p for p in (self.top, self.sub) if p)


def _body_size(blocks: list[dict]) -> float:
    sizes: dict[float, int] = {}
    for b in blocks:
        for line in b["lines"]:
            for s in line["spans"]:
                sizes[round(s["size"], 1)] = sizes.get(round(s["size"], 1), 0) + len(s["text"].strip())
    return max(sizes, key=lambda k: sizes[k]) if sizes else 0.0


def _is_heading(block: dict, text: str, body: float) -> bool:
    spans = [s for line in block["lines"] for s in line["spans"] if s["text"].strip()]
    if not spans or len(text) > HEADING_MAX_CHARS or len(block["lines"]) > 2 or not re.search(r"[A-Za-z]{3}", text):
        return False
    if text.endswith((".", ",", ";", ":")) and not _TOP_HEADING.match(text):
        return False
    larger = all(s["size"] >= body * HEADING_SIZE_RATIO for s in spans)
    emphasised = all(s["flags"] & (BOLD | ITALIC) for s in spans)
    return larger or emphasised


def _block_text(block: dict, skip: list[tuple[float, float, float, float]]) -> str:
    lines = ["".join(s["text"] for s in line["spans"]) for line in block["lines"] if not in_any(line["bbox"], skip)]
    return "\n".join(line for line in (" ".join(ln.split()) for ln in lines) if line)


def page_blocks(page: Any, number: int, sections: _Sections, tables: list[PageTable]) -> list[Block]:
    """Blocks of one page in reading order: prose (headings update ``sections``) and its ``tables``."""
    boxes = [t.bbox for t in tables]
    raw = [b for b in page.get_text("dict", sort=True)["blocks"] if b.get("type") == 0]
    body = _body_size(raw)
    items: list[tuple[float, Any]] = [(t.bbox[1], t) for t in tables]
    items += [(b["bbox"][1], b) for b in raw]
    out: list[Block] = []
    for _, item in sorted(items, key=lambda pair: pair[0]):
        if isinstance(item, PageTable):
            out.append(Block(rows=item.rows, header=item.header, section=sections.path, page=number))
            continue
        text = _block_text(item, boxes)
        if not text or text.lower() in _BOILERPLATE:
            continue
        if _is_heading(item, text, body):
            sections.see(" ".join(text.split()))
        out.append(Block(text=text, section=sections.path, page=number))
    return out


def ocr_page_text(page: Any, reader: Any, dpi: int = OCR_DPI) -> str:
    """The text OCR reads on a rendered page: lines in reading order, a blank line at wide gaps."""
    from PIL import Image

    image = Image.open(io.BytesIO(page.get_pixmap(dpi=dpi).tobytes("png")))
    text, last = "", None
    for line in reader.read(image):
        height = line.bbox[3] - line.bbox[1]
        if last is None:
            text = line.text
        elif (line.bbox[1] + line.bbox[3]) / 2 <= last[3]:
            text += " " + line.text  # same row
        else:
            text += ("\n\n" if line.bbox[1] - last[3] > 1.2 * height else "\n") + line.text
        last = line.bbox
    return text


def table_candidates(doc: Any, words: list[list[tuple]]) -> list[int]:
    """0-based numbers of the pages worth the table finder (see ``might_hold_tables``)."""
    rules = [count_rules(page) if words[i] else 0 for i, page in enumerate(doc)]
    plain = plain_rules([r for r, w in zip(rules, words) if w])
    return [i for i, w in enumerate(words) if w and might_hold_tables(w, rules[i], plain)]


_worker_doc: Any = None


def _open_in_worker(path: str) -> None:
    global _worker_doc
    import pymupdf

    _worker_doc = pymupdf.open(path)


def _tables_in_worker(index: int) -> tuple[int, list[PageTable]]:
    page = _worker_doc[index]
    return index, find_page_tables(page, page.get_text("words", sort=True))


def search_tables(path: Path, doc: Any, pages: list[int], words: list[list[tuple]], workers: int) -> dict[int, list[PageTable]]:
    """Tables of the given pages (0-based), searched by ``workers`` processes when there are many
    pages (the finder's layout model runs about 1 s a page); in this process otherwise, or when the
    processes cannot start."""
    if workers > 1 and len(pages) >= PARALLEL_MIN_PAGES:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        try:
            with ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_open_in_worker,
                initargs=(str(path),),
            ) as pool:
                return dict(pool.map(_tables_in_worker, pages))
        except (OSError, RuntimeError) as exc:  # BrokenProcessPool is a RuntimeError
            logger.warning("table finder processes failed (%s); searching %s in this process", exc, path.name)
    return {i: find_page_tables(doc[i], words[i]) for i in pages}


def read_pdf(
    path: Path,
    ocr_reader: Callable[[], Any] | None = None,
    find_tables: bool = True,
    max_pages: int | None = None,
    workers: int = TABLE_WORKERS,
) -> PdfDocument:
    """Every page's blocks; pages without a text layer are read by OCR when a reader is given.
    A PDF with more than ``max_pages`` pages is refused before any page is read. Tables are looked
    for (``find_tables``) on pages that may hold them, by ``workers`` processes for long PDFs."""
    timings = {"text": 0.0, "tables": 0.0, "ocr": 0.0}
    with open_pdf(path) as doc:
        if max_pages is not None and doc.page_count > max_pages:
            raise BadInputError(f"{path}: the PDF has {doc.page_count} pages, over the maximum of {max_pages} (setting max_pages)")
        start = time.perf_counter()
        words = [page.get_text("words", sort=True) for page in doc]
        timings["text"] += time.perf_counter() - start
        start = time.perf_counter()
        candidates = table_candidates(doc, words) if find_tables else []
        tables = search_tables(path, doc, candidates, words, workers) if candidates else {}
        timings["tables"] = time.perf_counter() - start
        sections = _Sections()
        blocks: list[Block] = []
        unread: list[int] = []
        ocred: list[int] = []
        for number, page in enumerate(doc, start=1):
            start = time.perf_counter()
            if words[number - 1]:
                blocks.extend(page_blocks(page, number, sections, tables.get(number - 1, [])))
                timings["text"] += time.perf_counter() - start
                continue
            text = ocr_page_text(page, ocr_reader()) if ocr_reader is not None else ""
            if text.strip():
                ocred.append(number)
                blocks.append(Block(text=text, section=sections.path, page=number))
            else:
                unread.append(number)
            timings["ocr"] += time.perf_counter() - start
        title = (doc.metadata or {}).get("title") or ""
        pages = doc.page_count
    warnings = [f"{path.name}: {len(ocred)} page(s) without a text layer were read by OCR"] if ocred else []
    if unread:
        warnings.append(f"{path.name}: {len(unread)} page(s) had no text, even by OCR: {unread[:10]}")
    logger.info(
        "%s: %d pages, %d blocks, %d by OCR, tables searched on %d pages (%s)",
        path.name, pages, len(blocks), len(ocred), len(candidates),
        ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()),
    )
    return PdfDocument(
        blocks=blocks, pages=pages, title=title, warnings=warnings, timings=timings, table_pages=len(candidates)
    )
