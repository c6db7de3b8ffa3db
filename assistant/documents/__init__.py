"""Document readers: one module per source format, each turning a file into chunking blocks.

``pdf`` (text, tables, OCR, page rendering), ``tables`` (PDF table cells to rows), ``markup``
(plain text, markdown, HTML), ``spreadsheet`` (CSV, XLSX) and ``transcripts`` (txt, vtt, srt, json).

Example:
    >>> document_title(Path("ADOBE_2022_10K.pdf"), "ADBE 10-K FY22")
    'ADOBE 2022 10-K — ADBE 10-K FY22'
"""

from __future__ import annotations

import re
from pathlib import Path

_FORM = re.compile(r"\b(10|20|40)[-_ ]?([KQF])\b", re.IGNORECASE)
_FORM_8K = re.compile(r"\b8[-_ ]?K\b", re.IGNORECASE)
_INFORMATIVE = re.compile(r"(?:19|20)\d{2}|\b(?:10|20|40)-[KQF]\b|\b8-K\b|\bQ[1-4]\b", re.IGNORECASE)


def humanize_name(path: Path) -> str:
    """A file name as a title: underscores to spaces, form types spelled out.

    >>> humanize_name(Path("AMCOR_2023Q4_EARNINGS.pdf"))
    'AMCOR 2023Q4 EARNINGS'
    """
    name = re.sub(r"[_]+", " ", path.stem).strip()
    name = _FORM.sub(lambda m: f"{m.group(1)}-{m.group(2).upper()}", name)
    return _FORM_8K.sub("8-K", name)


def document_title(path: Path, title: str = "") -> str:
    """The title a chunk's context starts with: the document's own title, led by the file name
    when that names a company, period or form the title lacks (``ADOBE 2022 10-K``)."""
    name = humanize_name(path)
    title = " ".join(title.split())
    if not title or title.lower() in name.lower():
        return name
    if _INFORMATIVE.search(name) and name.lower() not in title.lower():
        return f"{name} — {title}"
    return title
