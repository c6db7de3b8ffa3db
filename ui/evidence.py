"""Previews of one piece of evidence: where exactly a cited claim comes from.

* a recording: an audio player starting at the cited second, with the transcript lines;
* a PDF page: the page rendered as an image, with the passage;
* an image: the picture (DICOM windowed) with the cited boxes drawn, and for a chart the table it
  was read into (``st.dataframe``) and a re-plot of its series.

Rendered pages and chart tables are memoised in the session (never in a process-wide cache).
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pandas as pd
import streamlit as st
from PIL import Image, ImageDraw

from assistant.documents.pdf import render_page
from assistant.errors import ModalystError
from assistant.types import Chart, Evidence, Locator
from ui.inert import inert, inert_code
from ui.session import assistant, display_name, previews

logger = logging.getLogger(__name__)

AUDIO_SUFFIXES = {".wav", ".mp3", ".flac", ".ogg", ".m4a", ".aac", ".opus", ".webm", ".mp4", ".mov", ".mkv"}
BOX_COLOUR = (230, 57, 70)
PAGE_DPI = 110
PREVIEW_WIDTH = 640  # pixels on screen for page and image previews


def clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:02d}:{secs:02d}"


def plain(text: str) -> str:
    """Material or model text for ``st.markdown``, shown literally (:func:`ui.inert.inert`): no
    image, link, HTML or LaTeX in it becomes active ("$4.2bn … $5bn" stays text, too)."""
    return inert(text)


def show_evidence(item: Evidence, cited: Locator | None = None) -> None:
    """The preview of one evidence item, chosen by what its locator points at; ``cited`` is the
    citation's own locator (e.g. the one chart value's box) when it is more precise."""
    loc = item.locator
    path = Path(loc.path)
    try:
        if loc.start is not None:
            _audio(item, path, cited_start(item, cited))
        elif loc.page is not None and path.suffix.lower() == ".pdf":
            _pdf_page(item, path, cited.page if cited is not None and cited.page is not None else loc.page)
        elif loc.bbox is not None:
            _image(item, path, cited)
        else:
            st.markdown(_quote(item.text))
    except (ModalystError, OSError) as exc:
        logger.info("no preview of %s: %s", path.name, exc)
        st.markdown(_quote(item.text))
        gone = "" if path.is_file() else " (the file is no longer in the library)"
        st.caption(f"preview unavailable: {inert(display_name(path))}{gone}")  # never the server's folder
    st.caption(f"source: {inert_code(item.source)} · score {item.score:.2f}")


def show_passage(item: Evidence) -> None:
    """The cited passage as text, with a hint that its chip opens the full preview."""
    st.markdown(_quote(item.text))
    st.caption(f"choose [{item.n}] above to open it in the recording, page or image")


def _quote(text: str) -> str:
    return "\n".join(f"> {plain(line)}" for line in text.splitlines() if line.strip()) or "> (empty)"


def cited_start(item: Evidence, cited: Locator | None = None) -> int:
    """The second the player starts at: the citation's own (one sentence of a long chunk) when it
    names one, else the evidence's."""
    start = cited.start if cited is not None and cited.start is not None else item.locator.start
    return int(start or 0)


def _audio(item: Evidence, path: Path, start: int) -> None:
    if path.is_file():
        st.audio(str(path), start_time=start)
    else:
        st.caption(f"{inert(display_name(path))} is no longer in the library")
    lines = []
    for span in item.spans:
        if span.locator.start is None:
            continue
        who = f" **{inert(span.locator.speaker)}**:" if span.locator.speaker else ""
        lines.append(f"`{clock(span.locator.start)}`{who} {plain(item.text[span.begin:span.end].strip())}")
    st.markdown("  \n".join(lines) if lines else _quote(item.text))


def _pdf_page(item: Evidence, path: Path, page: int) -> None:
    memo = previews()
    key = ("page", str(path), page)
    if key not in memo:
        memo[key] = render_page(path, page, dpi=PAGE_DPI)
    st.markdown(_quote(item.text))
    with st.container(width=PREVIEW_WIDTH):  # at most 640 px, narrower on a phone: the page scales to fit
        st.image(memo[key], caption=f"{inert(display_name(path))}, page {page}", width="stretch")


def cited_boxes(item: Evidence, cited: Locator | None = None) -> list[tuple[float, float, float, float]]:
    """The boxes to draw: the citation's own box when it names one value, else each chart value's
    box in the evidence, else the evidence's own box."""
    if cited is not None and cited.bbox is not None and cited.bbox != item.locator.bbox:
        return [tuple(float(v) for v in cited.bbox)]  # type: ignore[list-item]
    boxes = [span.locator.bbox for span in item.spans if span.locator.bbox is not None]
    if not boxes and item.locator.bbox is not None:
        boxes = [item.locator.bbox]
    return [tuple(float(v) for v in box) for box in boxes]  # type: ignore[misc]


def draw_boxes(image: Image.Image, boxes: list[tuple[float, float, float, float]]) -> Image.Image:
    """A copy of ``image`` with each box outlined (line width scales with the picture)."""
    marked = image.convert("RGB").copy()
    pen = ImageDraw.Draw(marked)
    width = max(2, round(max(marked.size) / 300))
    for x0, y0, x1, y1 in boxes:
        pen.rectangle((x0 - width, y0 - width, x1 + width, y1 + width), outline=BOX_COLOUR, width=width)
    return marked


def _image(item: Evidence, path: Path, cited: Locator | None) -> None:
    from tools.describe_image.images import load_image  # opens DICOM windowed, PNG/JPEG as RGB

    st.markdown(_quote(item.text))
    picture = draw_boxes(load_image(path), cited_boxes(item, cited))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    with st.container(width=min(PREVIEW_WIDTH, picture.width)):  # scales down to a phone's width
        st.image(buffer.getvalue(), caption=f"{inert(display_name(path))}: cited region outlined", width="stretch")
    if item.text.startswith("Chart"):
        chart = _chart_of(path)
        if chart is not None and chart.values:
            table = chart_table(chart)
            st.dataframe(table)
            st.bar_chart(table, sort=False)


def _chart_of(path: Path) -> Chart | None:
    memo = previews()
    key = ("chart", str(path))
    if key not in memo:
        memo[key] = assistant().describe(path).chart
    return memo[key]


def chart_table(chart: Chart) -> pd.DataFrame:
    """The chart's values as a category × series table (categories in chart order)."""
    frame = pd.DataFrame([{"category": v.category, "series": v.series, "value": v.value} for v in chart.values])
    table = frame.pivot_table(index="category", columns="series", values="value", aggfunc="first")
    order = [c for c in chart.categories if c in table.index] or list(table.index)
    return table.reindex(order)

