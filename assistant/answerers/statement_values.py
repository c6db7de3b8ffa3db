"""Values of line items in statement tables, and formulas over them evaluated in code.

A line item's value for a year is read from the best-ranked table (see :mod:`statement_tables`) that
has a column for the year and one row stating the item (a row whose label is one of the item's
labels; of several rows with that label, the one under the section heading the question names, else
None when they disagree). Rows under a "Changes in ..." heading are movements, not balances, and
state no item. An item no row states may be composed of its parts (total debt = short-term +
long-term debt, in one table).

A formula is ``+ - * /`` and parentheses over numbers and terms: ``365 * (average accounts payable
between FY2016 and FY2017) / (FY2017 COGS + change in inventory between FY2016 and FY2017)``. A term
is an item (or any row label) at a year it names or the formula's year; ``average X`` is the mean over
the years the term names (else the year and the one before), ``change in X`` the later minus the
earlier of them.

Example:
    >>> text = " | 2019 | 2018\\nTotal revenue | 500 | 400\\nOperating income | 50 | 30"
    >>> tables = read_tables(Evidence(1, text, "s", Locator("a.pdf"), 0.9))
    >>> evaluate("operating income / revenue", Context(tables, "2019", "")).value
    0.1
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.answerers.statement_metrics import BY_KEY, HOME, Item, find_item, statement_of
from assistant.answerers.statement_tables import LineItem, StatementTable, normalise, page_headings, read_tables
from assistant.lexical import terms
from assistant.numbers import format_number
from assistant.types import Evidence, Locator  # noqa: F401  (Locator used in the doctest)

_YEAR = re.compile(r"(?<![\d,.])(?:19|20)\d{2}(?![\d,])")
_FY = re.compile(r"\bF(?:Y|iscal(?: year)?)\s?'?((?:19|20)?\d{2})\b", re.I)
_MOVEMENT = re.compile(r"^\s*(?:net )?changes? in\b|\bincrease \(decrease\)|\(increase\) decrease", re.I)
_AVERAGE = re.compile(r"^\s*(?:the\s+)?(?:average|mean)\s+(?:of\s+)?(?:the\s+)?(.+)$", re.I)
_CHANGE = re.compile(r"^\s*(?:the\s+)?(?:change|increase|decrease|difference)\s+in\s+(?:the\s+)?(.+)$", re.I)
_BETWEEN = re.compile(r"\s+(?:between|from|for|in|at|of|during|as of)\s+(?:the\s+)?(?:fiscal\s+)?(?:years?\s+)?(?:ended\s+)?(?:19|20)\d{2}\b.*$", re.I)


_STATEMENT_NAMES = {
    "balance": re.compile(r"\bbalance sheets?\b|\bstatements? of financial position\b", re.I),
    "income": re.compile(r"\bincome statements?\b|\bstatements? of (?:income|operations|earnings)\b|\bp\s?&\s?l\b|\bprofit and loss\b", re.I),
    "cash": re.compile(r"\bcash ?flow statements?\b|\bstatements? of cash ?flows?\b", re.I),
}


class Unresolved(Exception):
    """A term of a formula names no value in the tables."""


@dataclass(frozen=True)
class Reading:
    """A value read from a table: what, when, the cell as written, its value and where."""

    label: str
    year: str
    raw: str
    value: float
    n: int
    unit: str
    derived: bool = False  # a sum of rows, not one cell: its value is computed
    heading_n: int = 0  # the evidence that gave the column's period, when not ``n`` itself

    @property
    def cites(self) -> tuple[int, ...]:
        return (self.n, self.heading_n) if self.heading_n else (self.n,)


@dataclass
class Context:
    """What a formula is evaluated over: the tables, the formula's year, the question (for sections)."""

    tables: list[StatementTable]
    year: str
    question: str
    readings: list[Reading] = field(default_factory=list)
    constants: list[float] = field(default_factory=list)  # numbers shown that no table holds
    stated: bool = False  # the answer is a row whose every label word the question names


@dataclass(frozen=True)
class Result:
    value: float
    shown: str  # the formula with its operands written in


def years_in(text: str) -> list[str]:
    """Years named in text, ``FY19`` and ``fiscal 2019`` as 2019, in order of appearance."""
    text = _FY.sub(lambda m: m.group(1) if len(m.group(1)) == 4 else f"20{m.group(1)}", text)
    return list(dict.fromkeys(_YEAR.findall(text)))


def tables_of(evidence: Sequence[Evidence]) -> list[StatementTable]:
    """The statement tables of the evidence, in its order (see :func:`page_headings` for split pages)."""
    pages = page_headings(evidence)
    out = []
    for item in evidence:
        headings, unit = pages.get((item.locator.path, item.locator.page or 0), ([], ""))
        out += read_tables(item, headings, unit)
    return out


def _label_fits(label: str, wanted: str, exact: bool) -> bool:
    """``label`` is ``wanted``, or (not ``exact``) ``wanted`` qualified: "inventories, net", "cost of sales (1)"."""
    return label == wanted or (not exact and label.startswith((f"{wanted},", f"{wanted} (")))


def _rows_named(table: StatementTable, labels: Sequence[str], question: str) -> list[LineItem] | None:
    """Rows of the table stating the item by its most specific label (exact labels before qualified
    ones); None when rows so labelled disagree and the question names none of their sections."""
    wanted = set(terms(question))
    for exact in (True, False):
        for label in labels:
            rows = [r for r in table.rows if _label_fits(normalise(r.label), label, exact) and not _MOVEMENT.search(r.section)]
            if not rows:
                continue
            named = [r for r in rows if r.section and set(terms(r.section)) and set(terms(r.section)) <= wanted]
            rows = named or rows
            if len({r.values for r in rows}) > 1:
                return None
            return rows[:1]
    return []


def _cell(table: StatementTable, row: LineItem, year: str, label: str) -> Reading | None:
    at = table.column(year)
    if at is None:
        return None
    raw = " ".join(row.raws[at].replace("$ ", "$").split())
    return Reading(label or row.label, year, raw, row.values[at], table.n, table.unit, heading_n=table.heading_n)


def read_item(item: Item | None, label: str, year: str, ctx: Context) -> Reading:
    """The value of an item (or of the row labelled ``label`` when no item is known) at a year."""
    labels = item.labels if item else (normalise(label),)
    home = HOME.get(item.key, "income") if item else ""
    named = home and _STATEMENT_NAMES[home].search(ctx.question)  # "... primarily in the balance sheet"
    tables = sorted(ctx.tables, key=lambda t: home not in statement_of([normalise(r.label) for r in t.rows])) if named else ctx.tables
    for table in tables:
        if table.column(year) is None:
            continue
        rows = _rows_named(table, labels, ctx.question)
        if rows:
            reading = _cell(table, rows[0], year, "")
            if reading is not None and "%" not in reading.raw:  # "79%": a share of sales, not the amount
                if item and item.magnitude:  # an outflow "(819)" counts as 819
                    return Reading(reading.label, year, reading.raw.strip("()"), abs(reading.value), reading.n, reading.unit, heading_n=reading.heading_n)
                return reading
    if item and item.parts:
        return _composed(item, year, ctx)
    raise Unresolved(label)


def _composed(item: Item, year: str, ctx: Context) -> Reading:
    """An item as the sum of its parts, all read from one table (every row naming a part counts)."""
    for table in ctx.tables:
        if table.column(year) is None:
            continue
        total, raws, found = 0.0, [], set()
        for key, sign in item.parts:
            part = BY_KEY[key]
            for label in part.labels:
                for row in table.rows:
                    if normalise(row.label) == label and not _MOVEMENT.search(row.section) and row.label not in raws:
                        reading = _cell(table, row, year, "")
                        if reading is not None:
                            total += sign * reading.value
                            raws.append(row.label)
                            found.add(key)
        if found >= set(item.required) and found:
            return Reading(f"{item.key.capitalize()} ({' + '.join(raws)})", year, format_number(total), total, table.n, table.unit, True, table.heading_n)
    raise Unresolved(item.key)


def _term(text: str, ctx: Context) -> Result:
    text = text.strip().strip(",.;:")
    number = re.fullmatch(r"\d[\d,]*(?:\.\d+)?", text)
    if number:
        value = float(text.replace(",", ""))
        ctx.constants.append(value)
        return Result(value, format_number(value))
    years = years_in(text)
    for pattern, kind in ((_AVERAGE, "average"), (_CHANGE, "change")):
        match = pattern.match(text)
        if match:
            name = _strip_years(match.group(1))
            pair = sorted(years[:2]) if len(years) >= 2 else [str(int(ctx.year) - 1), ctx.year]
            early, late = (_read(name, y, ctx) for y in pair)
            if kind == "average":
                ctx.constants.append(2.0)
                return Result((early.value + late.value) / 2, f"({late.raw} + {early.raw}) / 2")
            return Result(late.value - early.value, f"({late.raw} - {early.raw})")
    reading = _read(_strip_years(text), years[0] if years else ctx.year, ctx)
    return Result(reading.value, reading.raw)


def _strip_years(text: str) -> str:
    """A term's name without the periods it names ("accounts payable between FY2016 and FY2017")."""
    text = _FY.sub(lambda m: m.group(1) if len(m.group(1)) == 4 else f"20{m.group(1)}", text)
    text = _BETWEEN.sub("", text)
    return " ".join(_YEAR.sub(" ", text).split()).strip(" ,.;:")


def _read(name: str, year: str, ctx: Context) -> Reading:
    """A term's value: the item its words name exactly ("COGS", "inventory"), else the row so labelled."""
    item = find_item(name)
    if item is not None and normalise(name) not in {normalise(a) for a in item.aliases + (item.key,)}:
        item = None  # "product revenue" is a row of its own, not revenue
    try:
        reading = read_item(item, name, year, ctx)
    except Unresolved:
        if item is None:
            raise
        reading = read_item(None, name, year, ctx)
    ctx.readings.append(reading)
    return reading


_OPS = "+-*/"


def _tokens(formula: str) -> list[str]:
    """Operators, parentheses and term phrases (a hyphen inside a word, "long-term", is no minus)."""
    text = formula.replace("×", "*").replace("÷", "/").replace("−", "-").replace("–", "-")
    out, buf = [], ""
    for i, ch in enumerate(text):
        minus = ch == "-" and (i == 0 or text[i - 1] == " " or text[i - 1] == "(") and (i + 1 == len(text) or text[i + 1] in " (")
        if ch in "()*/+" or minus:
            if buf.strip():
                out.append(buf.strip())
            out.append(ch)
            buf = ""
        else:
            buf += ch
    if buf.strip():
        out.append(buf.strip())
    return out


def evaluate(formula: str, ctx: Context) -> Result:
    """The formula's value over the context's tables (raises :class:`Unresolved` or ValueError)."""
    tokens = _tokens(formula)
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def expression() -> Result:
        left = product()
        while peek() in ("+", "-"):
            op, right = take(), product()
            left = Result(left.value + right.value if op == "+" else left.value - right.value, f"{left.shown} {op} {right.shown}")
        return left

    def product() -> Result:
        left = factor()
        while peek() in ("*", "/"):
            op, right = take(), factor()
            if op == "/" and right.value == 0:
                raise ValueError("division by zero")
            value = left.value * right.value if op == "*" else left.value / right.value
            left = Result(value, f"{left.shown} {'×' if op == '*' else '/'} {right.shown}")
        return left

    def factor() -> Result:
        token = peek()
        if token is None or token in _OPS + ")":
            raise ValueError(f"formula ends early: {formula!r}")
        take()
        if token == "(":
            inner = expression()
            if peek() != ")":
                raise ValueError(f"unbalanced parentheses: {formula!r}")
            take()
            return Result(inner.value, f"({inner.shown})")
        return _term(token, ctx)

    result = expression()
    if pos != len(tokens):
        raise ValueError(f"unexpected {tokens[pos]!r} in {formula!r}")
    return result
