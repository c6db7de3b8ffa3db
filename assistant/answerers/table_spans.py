"""Row labels as answers: the parts of a table's heading or total that a question asks to list.

"What are the components of Reported Results?", "What types of accounts receivable are there?",
"What financial items does amounts falling due within one year consist of?", "What were the
components considered when calculating the profit for the period?" name a row of a ``|``-rendered
table; the answer is the labels of its parts:

- under a heading row (a label without figures: ``Equity securities: |  |``), the figure rows beneath
  it, down to the next heading, subtotal or unlabelled row;
- for a row of figures, the rows just above it whose figures add up to its own in every column
  (``Total accounts receivable``, ``Profit for the period`` under ``Earnings before taxes`` and
  ``Income taxes``): the sum is checked, so a row that merely follows others lists nothing.

The row must name the question's subject well (:data:`MIN_MATCH`) and be the one best match; else None.

:func:`row_extreme` answers "Which segment has the highest remaining charges?" with the label of the
row holding the extreme figure of the column the question names (or the column, of the row named).

Example:
    >>> table = " | 2019 | 2018\\nEquity securities |  | \\nCanadian | 1,017 | 844\\nForeign | 4,534 | 3,770\\nDebt securities |  | \\nCanadian | 13,216 | 12,457"
    >>> ev = [Evidence(1, table, "s", Locator("tatqa://table/t1"), 0.9)]
    >>> row_names("What are the components under Equity securities?", ev).values
    ('Canadian', 'Foreign')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answerers.grid import cells
from assistant.answerers.table_rows import label_match, subject_terms
from assistant.answerers.base import Draft
from assistant.lexical import root, terms
from assistant.numbers import parse_number
from assistant.types import Evidence, Locator  # noqa: F401  (Locator used in the doctest)

MIN_MATCH = 0.8
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_PARTS = r"(?:components?|items|line items|types|kinds|categories|elements|constituents)"
_ASKS_PARTS = [
    # "What are the components of X?", "What were the items under X in the table?"
    re.compile(
        rf"^\s*what (?:are|were) (?:the )?(?:main |major |different |key |financial )*{_PARTS}\s+"
        r"(?:of|under|in|within|making up|that make up|that made up|included in|listed under)\s+(?:the )?(.+?)(?: in the table)?\s*\??\s*$",
        re.I,
    ),
    # "What financial items does X consist of?"
    re.compile(r"^\s*what (?:financial )?(?:items|components) (?:does|do|did) (?:the )?(.+?) (?:consist|comprise)s? of\s*\??\s*$", re.I),
    # "What types of X are there?"
    re.compile(r"^\s*what (?:types|kinds|categories) of (.+?) (?:are|were) there\b.*$", re.I),
    # "What were the components considered when calculating X?"
    re.compile(
        rf"^\s*(?:what|which) (?:are|were) (?:the )?{_PARTS} (?:considered|used|factored|included) (?:in|when|for) (?:calculating|the calculation of|computing) (?:the )?(.+?)\s*\??\s*$",
        re.I,
    ),
]
_FIGURE = re.compile(r"^(?:\$\s*)?\(?-?\$?\s*-?\d[\d,]*(?:\.\d+)?\)?\s*%?$")
_NIL = re.compile(r"^\$?\s*[—–-]{1,2}$")
_SUBTOTAL = re.compile(r"^\s*(?:total|subtotal|net)\b", re.I)
_FOOTNOTE = re.compile(r"(?<=[a-z])\d$|\s*\((?:\d{1,2}|[a-z])\)$|\*+$")  # "Amounts owed by subsidiaries1", "Other (a)"
_STRIP_TOTAL = re.compile(r"(?i)^\s*total\s+|:\s*$")


@dataclass(frozen=True)
class _Line:
    label: str
    values: tuple[float | None, ...]  # per cell after the label: a figure, 0 for a nil dash, None for text or blank

    @property
    def figures(self) -> bool:
        return bool(self.label) and any(v is not None for v in self.values)


def _lines(item: Evidence) -> list[_Line]:
    found = []
    for line in item.text.splitlines():
        if " | " not in f" {line} ":
            continue
        cells = [c.strip().replace("−", "-") for c in line.split("|")]  # a typographic minus
        values = tuple(0.0 if _NIL.match(c) else parse_number(c) if _FIGURE.match(c) else None for c in cells[1:])
        found.append(_Line(cells[0], values))
    return found


def _name(label: str) -> str:
    return _FOOTNOTE.sub("", label.strip().rstrip(":. ")).strip()


def _beneath(lines: list[_Line], at: int) -> list[str]:
    """The figure rows under the heading at ``at``, down to the next heading, subtotal or blank label."""
    parts = []
    for line in lines[at + 1 :]:
        if not line.figures or _SUBTOTAL.match(line.label):
            break
        parts.append(_name(line.label))
    return parts


def _adds_up(parts: Sequence[_Line], total: _Line) -> bool:
    """Whether the parts' figures sum to the total's in every column where the total has one, to
    within the rounding of the parts."""
    columns = [i for i, v in enumerate(total.values) if v is not None and v != 0]
    if len(columns) < 1:
        return False
    for i in columns:
        cells = [p.values[i] if i < len(p.values) else None for p in parts]
        if any(c is None for c in cells):
            return False
        if abs(sum(c for c in cells if c is not None) - (total.values[i] or 0.0)) > 0.5 * len(parts) * _unit(total.values[i] or 0.0):
            return False
    return True


def _unit(value: float) -> float:
    """The rounding step a figure is written to: 0.1 for 12.3, 1 for 1,234."""
    text = f"{abs(value):.6f}".rstrip("0")
    return 10.0 ** -len(text.split(".")[1]) if "." in text and text.split(".")[1] else 1.0


def _summed(lines: list[_Line], at: int) -> list[str]:
    """The rows just above the figure row at ``at`` that add up to it (the fewest, two at least)."""
    above: list[_Line] = []
    for line in reversed(lines[:at]):
        if not line.figures:
            break
        above.insert(0, line)
        if len(above) >= 2 and _adds_up(above, lines[at]):
            return [_name(x.label) for x in above]
    return []


def row_names(question: str, evidence: Sequence[Evidence]) -> Draft | None:
    """The labels of the parts of the row the question names, or None."""
    match = next((m for pattern in _ASKS_PARTS for m in [pattern.match(question)] if m), None)
    if match is None:
        return None
    subject = {t for t in terms(_YEAR.sub(" ", match.group(1))) if t != "total"}  # every word: "amounts", "year" name rows here
    found: list[tuple[float, int, str, list[str], int]] = []
    for rank, item in enumerate(evidence):
        lines = _lines(item)
        for i, line in enumerate(lines):
            score = label_match(_STRIP_TOTAL.sub("", line.label), subject) if line.label else 0.0
            share, shared = _covered(_STRIP_TOTAL.sub("", line.label), subject) if line.label else (0.0, 0)
            if line.figures and share == 1.0 and shared >= 2:
                score = max(score, MIN_MATCH)  # every word of a row whose parts add up to it ("At end of the period")
            if score < MIN_MATCH:
                continue
            parts = _summed(lines, i) if line.figures else _beneath(lines, i)
            if len(parts) >= 2:
                found.append((score, -rank, _name(line.label), parts, item.n))
    if not found:
        return None
    found.sort(key=lambda x: (x[0], x[1]), reverse=True)
    best = found[0]
    if any(f[0] == best[0] and f[1] == best[1] and f[3] != best[3] for f in found[1:]):
        return None  # two rows of one table fit equally well and list different parts
    score, _, label, parts, n = best
    return Draft(f"{label}: {'; '.join(parts)} [{n}].", values=tuple(parts))


_SUPERLATIVE = re.compile(r"\b(?:(highest|largest|greatest|biggest|most|maximum)|(lowest|smallest|least|fewest|minimum))\b", re.I)
_WHICH_ROW = re.compile(r"^\s*(?:(?:in|for) )?which\b|^\s*what (?:is|was|are|were) the \w+(?: \w+)? (?:with|that has|that had|which has|which had) the\b", re.I)
_WHICH_PERIOD = re.compile(r"\b(?:which|what) (?:fiscal |financial )?(?:year|period|quarter|month)s?\b", re.I)  # answered by the table lookup
_ORDINAL = re.compile(r"\b(second|third|fourth|fifth|2nd|3rd|4th|5th)\b", re.I)


def _covered(label: str, subject: set[str]) -> tuple[float, int]:
    """The share of a label's words (years aside) the question has, and how many."""
    have = {root(t) for t in terms(_YEAR.sub(" ", label))}
    shared = len(have & {root(t) for t in subject})
    return (shared / len(have) if have else 0.0), shared


def row_extreme(question: str, evidence: Sequence[Evidence]) -> Draft | None:
    """"Which contractual obligation has the highest total value?", "In which segment was the
    Remaining Expected Charges the largest?": of the column the question names (every word of its
    heading, years aside, in the question), the row with the highest (lowest) figure, totals left out;
    or, of the row the question names, the column.
    None when the line is not clearly named, fewer than two figures compete, or two share the extreme."""
    found = _SUPERLATIVE.search(question)
    if not found or not _WHICH_ROW.search(question) or _ORDINAL.search(question) or _WHICH_PERIOD.search(question):
        return None
    highest = bool(found.group(1))
    subject = subject_terms(_SUPERLATIVE.sub(" ", question))
    years = set(_YEAR.findall(question))
    for rank, item in enumerate(evidence):
        table = [c for c in cells(item, rank) if years <= set(_YEAR.findall(f"{c.line} {c.column}"))]
        if not table:
            continue
        for fixed, varying in (("column", "line"), ("line", "column")):
            scored = sorted({(_covered(getattr(c, fixed), subject), getattr(c, fixed)) for c in table}, reverse=True)
            (share, shared), name = scored[0]
            if len(scored) > 1 and scored[1][0] == scored[0][0]:
                continue
            if share < 1.0 or shared < 1:
                continue
            line = [c for c in table if getattr(c, fixed) == name and not _SUBTOTAL.match(c.row if varying == "line" else c.column)]
            values = [(v, c) for c in line for v in [parse_number(c.raw)] if v is not None and getattr(c, varying)]
            if len(values) < 2 or len({getattr(c, varying) for _, c in values}) < len(values):
                continue
            ordered = sorted(values, key=lambda x: x[0], reverse=highest)
            if ordered[0][0] == ordered[1][0]:
                return None
            best = ordered[0][1]
            label = _name(best.row) if varying == "line" else best.column
            word = "highest" if highest else "lowest"
            listed = "; ".join(f"{_name(c.row) if varying == 'line' else c.column} {c.raw}" for _, c in values)
            return Draft(f"{label} is the {word} for {name} ({listed}) [{best.n}].", values=(label,))
    return None
