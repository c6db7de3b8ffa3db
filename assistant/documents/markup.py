"""Plain text, markdown and HTML to blocks, with headings as sections.

HTML is read with the standard library's ``html.parser``: scripts, styles and other non-content
elements are dropped, ``<h1>``–``<h6>`` start sections, ``<table>`` s become rows.

Example:
    >>> [b.section for b in markdown_blocks("# Results\\n\\nRevenue rose.")]
    ['Results']
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from assistant.chunking import Block
from assistant.documents.tables import format_row

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_SKIP = {"script", "style", "noscript", "template", "svg", "iframe", "object", "canvas"}
_BREAKS = {"p", "div", "br", "li", "section", "article", "header", "footer", "blockquote", "pre", "tr", "dd", "dt"}
_VOID = {"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "embed", "source", "track", "wbr"}


def _path(levels: dict[int, str]) -> str:
    return " › ".join(levels[k] for k in sorted(levels))


def markdown_blocks(text: str) -> list[Block]:
    """Blocks of a markdown or plain text: a ``#`` heading opens a section (nested by level)."""
    blocks: list[Block] = []
    levels: dict[int, str] = {}
    lines: list[str] = []
    fenced = False

    def flush() -> None:
        body = "\n".join(lines).strip()
        if body:
            blocks.append(Block(text=body, section=_path(levels)))
        lines.clear()

    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        match = None if fenced else _MD_HEADING.match(line)
        if match:
            flush()
            level = len(match.group(1))
            levels = {k: v for k, v in levels.items() if k < level}
            levels[level] = match.group(2)
            lines.append(match.group(2))
        else:
            lines.append(line)
    flush()
    return blocks


class _HtmlReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.title = ""
        self._skip = 0
        self._in_title = False
        self._heading: int | None = None
        self._levels: dict[int, str] = {}
        self._text: list[str] = []
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._header_rows = 0

    # -- text ----------------------------------------------------------------------------------
    def _flush(self) -> None:
        text = re.sub(r"[ \t]*\n[ \t]*", "\n", re.sub(r"[ \t\r\f\v]+", " ", "".join(self._text)))
        text = re.sub(r"\n{3,}", "\n\n", text).strip()
        if text:
            self.blocks.append(Block(text=text, section=_path(self._levels)))
        self._text = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP and tag not in _VOID:
            self._skip += 1
        if self._skip:
            return
        if tag == "title":
            self._in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._heading = int(tag[1])
        elif tag == "table" and self._table is None:
            self._flush()
            self._table, self._header_rows = [], 0
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            if not self._table:
                self._table.append([])
            self._cell = []
        elif tag in _BREAKS:
            self._text.append("\n\n" if tag in ("p", "div", "section", "article") else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
            return
        if self._skip:
            return
        if tag == "title":
            self._in_title = False
        elif self._heading is not None and tag == f"h{self._heading}":
            heading = " ".join("".join(self._text).split())
            level, self._heading = self._heading, None
            if heading:
                self._levels = {k: v for k, v in self._levels.items() if k < level}
                self._levels[level] = heading
            self._flush()
        elif tag in ("td", "th") and self._table is not None and self._cell is not None:
            self._table[-1].append(" ".join("".join(self._cell).split()))
            if tag == "th" and len(self._table) == 1:
                self._header_rows = 1
            self._cell = None
        elif tag == "table" and self._table is not None:
            rows = [format_row(r) for r in self._table]
            rows = [r for r in rows if r]
            if rows:
                self.blocks.append(Block(rows=tuple(rows[1:]), header=(rows[0],), section=_path(self._levels)))
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in_title:
            self.title += data
        elif self._cell is not None:
            self._cell.append(data)
        elif self._table is None:
            self._text.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def html_blocks(markup: str) -> tuple[str, list[Block]]:
    """The page title and blocks of an HTML document."""
    reader = _HtmlReader()
    reader.feed(markup)
    reader.close()
    return " ".join(reader.title.split()), reader.blocks
