"""Which financial statement a question names, and which pages of a filing are that statement.

A question that says "based on the balance sheet" or "using the statement of income" wants the
statement's table, but its words ("total amount of inventories") match the notes and the MD&A as
well, so the table page can fall out of the top chunks. Filings title each statement on its page
("CONSOLIDATED BALANCE SHEETS", "Consolidated Statements of Operations", "Ulta Beauty, Inc.
Condensed Consolidated Balance Sheets (In thousands)"): :func:`statement_pages` finds those title
lines (a line of their own, in title or upper case, not a table row or a sentence that mentions
the statements) and :func:`asked_statement` the statement a question names. Retrieval then adds
the table chunks of the named statement's pages to its candidates and boosts them.

A page titled with three or more different statements is an index of the financial statements,
not a statement, and is left out.

Example:
    >>> asked_statement("Using the balance sheet, what were total assets in FY2021?")
    'balance'
    >>> statement_titles("ACME INC.\\n\\nCONSOLIDATED STATEMENTS OF CASH FLOWS\\n(In millions)")
    {'cash_flow'}
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

INDEX_MIN_TITLES = 3  # a page titled with this many different statements is an index to them

# what a question may call each statement (lowercased match)
_ASKED = {
    "balance": r"balance\s+sheets?|statements?\s+of\s+financial\s+(?:position|condition)",
    "income": (
        r"income\s+statements?|statements?\s+of\s+(?:consolidated\s+)?(?:operations|income|earnings)"
        r"|p\s*&\s*l\b|profit\s+(?:and|&)\s+loss\s+(?:statement|account)"
    ),
    "cash_flow": r"cash\s*flows?\s+statements?|statements?\s+of\s+(?:consolidated\s+)?cash\s+flows?",
    "equity": (
        r"statements?\s+of\s+(?:changes\s+in\s+)?(?:stockholders|shareholders|share\s*owners)['’]?\s+equity"
        r"|(?:stockholders|shareholders)['’]?\s+equity\s+statements?"
    ),
}
_ASKED_RE = {kind: re.compile(rf"\b(?:{pattern})", re.IGNORECASE) for kind, pattern in _ASKED.items()}

# how a filing titles each statement (matched on one line, case as written: Title Case or UPPER CASE)
_TITLE = {
    "balance": r"Balance Sheets?|Statements? of Financial (?:Position|Condition)",
    "income": r"Statements? of (?:Consolidated )?(?:Operations|Income|Earnings)(?: and Comprehensive (?:Income|Loss))?|Income Statements?",
    "cash_flow": r"Statements? of (?:Consolidated )?Cash Flows?",
    "equity": r"Statements? of (?:Changes in )?(?:Stockholders|Shareholders|Shareowners)['’]? Equity",
}
_PREFIX = r"(?:[A-Z][\w.,&'’-]*\s+){0,6}?"  # "ULTA BEAUTY, INC." / "Consolidated" / "Condensed Consolidated"
_UNITS = r"(?:\s*\([^)]*\))?"  # "(In thousands)"
MAX_TITLE_LINE = 120
MAX_HEAD_CHARS = 400  # a statement page's prose chunk this short holding years is its column heading
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")


def _title_re(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"^{_PREFIX}(?P<title>{pattern}){_UNITS}\s*$", re.IGNORECASE)


def _capitalized(title: str) -> bool:
    """Title Case or UPPER CASE: every word but "of", "and", "in" starts with a capital."""
    return all(w[0].isupper() for w in title.split() if w.lower() not in {"of", "and", "in"})


_TITLE_RE = {kind: _title_re(pattern) for kind, pattern in _TITLE.items()}


def asked_statement(question: str) -> str | None:
    """The statement the question names ("balance", "income", "cash_flow", "equity"), or None; the
    first named when it names several.

    >>> asked_statement("Answer by primarily using the statement of income.")
    'income'
    >>> asked_statement("What drove the increase in merchandise inventories balance?") is None
    True
    """
    found = [(m.start(), kind) for kind, rx in _ASKED_RE.items() if (m := rx.search(question))]
    return min(found)[1] if found else None


def statement_titles(text: str) -> set[str]:
    """The statements a chunk's text titles on a line of their own (table rows and sentences aside).

    >>> statement_titles("Included in other long-term assets in the consolidated balance sheets.")
    set()
    >>> statement_titles("Balance Sheets | 60")
    set()
    """
    found: set[str] = set()
    for line in text.splitlines():
        line = " ".join(line.split())
        if not line or len(line) > MAX_TITLE_LINE or "|" in line:
            continue
        for kind, rx in _TITLE_RE.items():
            match = rx.match(line)
            if match and _capitalized(match.group("title")) and _capitalized(line.split()[0]):
                found.add(kind)
    return found


def statement_pages(texts: Sequence[str], metas: Sequence[dict[str, Any]]) -> dict[tuple[str, int], frozenset[str]]:
    """``(source_id, page) -> statements titled there`` for pages titling one or two statements
    (one page may hold the end of one statement and the start of the next; more is an index).

    >>> statement_pages(["CONSOLIDATED BALANCE SHEETS", "Cash | 5 | 4"], [{"source_id": "s", "page": 3}] * 2)
    {('s', 3): frozenset({'balance'})}
    """
    titled: dict[tuple[str, int], set[str]] = {}
    for text, meta in zip(texts, metas):
        page = meta.get("page")
        kinds = statement_titles(text)
        if page is not None and kinds:
            titled.setdefault((str(meta.get("source_id")), int(page)), set()).update(kinds)
    return {key: frozenset(kinds) for key, kinds in titled.items() if len(kinds) < INDEX_MIN_TITLES}


def is_table(text: str) -> bool:
    """Whether a chunk holds table rows with figures ("Inventories | 5,409 | 5,209").

    >>> is_table("Inventories | 5,409 | 5,209")
    True
    >>> is_table("Inventories rose.")
    False
    """
    return any(" | " in line and re.search(r"\d", line.split("|", 1)[-1]) for line in text.splitlines())


def _page_key(meta: dict[str, Any]) -> tuple[str, int] | None:
    page = meta.get("page")
    return None if page is None else (str(meta.get("source_id")), int(page))


@dataclass(frozen=True)
class StatementIndex:
    """Chunk positions (into the ``texts`` it was built from) of a workspace's statement pages:
    ``tables``: statement kind -> the table chunks of its pages; ``heads``: ``(source_id, page)`` ->
    its short prose chunks holding years (column dates set apart from the table, "August 29, / 2021").

    >>> index = StatementIndex.build(["BALANCE SHEETS", "Cash | 5 | 4", "June 30, 2023"], [{"source_id": "s", "page": 3}] * 3)
    >>> index.tables, index.heads
    ({'balance': [1]}, {('s', 3): [2]})
    """

    tables: dict[str, list[int]] = field(default_factory=dict)
    heads: dict[tuple[str, int], list[int]] = field(default_factory=dict)

    @classmethod
    def build(cls, texts: Sequence[str], metas: Sequence[dict[str, Any]]) -> StatementIndex:
        pages = statement_pages(texts, metas)
        index = cls()
        for i, (text, meta) in enumerate(zip(texts, metas)):
            key = _page_key(meta)
            if key not in pages:
                continue
            if is_table(text):
                for kind in sorted(pages[key]):
                    index.tables.setdefault(kind, []).append(i)
            elif len(text) <= MAX_HEAD_CHARS and _YEAR.search(text):
                index.heads.setdefault(key, []).append(i)
        return index
