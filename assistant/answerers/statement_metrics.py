"""Line items and metrics an analyst reads off financial statements, by the names filings give them.

``ITEMS`` maps a line item to the row labels that state it (most specific first: "total net sales"
before "net sales"); a question names an item by any of its ``aliases`` ("COGS", "cost of goods sold",
"cost of revenue"). Some items may instead be composed of others (total debt = short-term debt +
current portion of long-term debt + long-term debt; gross profit = revenue - COGS).

``METRICS`` are the usual ratios over those items (operating margin = operating income / revenue, free
cash flow conversion = (operating cash flow - capital expenditure) / net income, days payable
outstanding, ...), each with its unit: ``%`` (a share, shown x100), ``days`` or ``x`` (a plain ratio).

Example:
    >>> find_item("What is the FY2016 COGS for Microsoft?").key
    'cogs'
    >>> find_metric("Does Adobe have an improving operating margin profile as of FY2022?").key
    'operating margin'
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    """A line item: how questions name it, the row labels that state it, and how to compose it."""

    key: str
    aliases: tuple[str, ...]
    labels: tuple[str, ...]
    parts: tuple[tuple[str, int], ...] = ()  # (item key, sign) summed when no row states the item
    required: tuple[str, ...] = ()  # parts that must be found for the composition to stand
    magnitude: bool = False  # cash-flow outflows written as negatives ("(819)"): use the size


@dataclass(frozen=True)
class Metric:
    key: str
    aliases: tuple[str, ...]
    formula: str  # over item keys, e.g. "operating income / revenue"
    unit: str  # "%", "days" or "x"


ITEMS = (
    Item("revenue", ("revenue", "revenues", "net sales", "sales", "net revenue", "net revenues", "top line", "turnover"),
         ("total revenue", "total revenues", "total net revenue", "total net revenues", "total net sales", "net revenue",
          "net revenues", "revenue", "revenues", "net sales", "total sales", "sales", "revenues, net", "sales, net", "net sales and revenues")),
    Item("cogs", ("cogs", "cost of goods sold", "cost of sales", "cost of revenue", "cost of revenues", "cost of goods"),
         ("total cost of revenue", "total cost of revenues", "total cost of sales", "cost of goods sold", "cost of sales",
          "cost of revenue", "cost of revenues", "total cost of goods sold", "cost of products sold", "cost of merchandise sold",
          "merchandise costs", "cost of goods sold (excluding depreciation and amortization)")),
    Item("gross profit", ("gross profit", "gross income"), ("gross profit", "gross margin"), (("revenue", 1), ("cogs", -1)), ("revenue", "cogs")),
    Item("operating income", ("operating income", "operating profit", "income from operations", "operating earnings", "ebit"),
         ("operating income", "income from operations", "operating income (loss)", "operating profit", "income (loss) from operations",
          "operating earnings", "total operating income")),
    Item("net income", ("net income", "net earnings", "net profit", "profit after tax", "bottom line"),
         ("net income", "net earnings", "net income (loss)", "net income attributable to common stockholders",
          "net income attributable to common shareholders", "net earnings attributable to shareholders", "profit for the year")),
    Item("inventories", ("inventories", "inventory", "merchandise inventories", "merchandise inventory"),
         ("inventories", "merchandise inventories", "inventory", "inventories, net", "total inventories", "merchandise inventory")),
    Item("accounts payable", ("accounts payable", "trade payables", "payables"),
         ("accounts payable", "trade accounts payable", "accounts payable, trade", "trade payables", "trade and other payables")),
    Item("accounts receivable", ("accounts receivable", "receivables", "trade receivables"),
         ("accounts receivable, net", "accounts receivable", "receivables, net", "trade receivables, net", "trade receivables",
          "trade accounts receivable, net", "receivables", "accounts receivable, net and other")),
    Item("total current assets", ("total current assets", "current assets"), ("total current assets",)),
    Item("total assets", ("total assets",), ("total assets",)),
    Item("total current liabilities", ("total current liabilities", "current liabilities"), ("total current liabilities",)),
    Item("total liabilities", ("total liabilities",), ("total liabilities",)),
    Item("total equity", ("total equity", "shareholders' equity", "stockholders' equity", "shareholders equity", "stockholders equity", "book value"),
         ("total stockholders' equity", "total shareholders' equity", "total equity", "total shareholders' equity attributable to the company")),
    Item("cash", ("cash and cash equivalents", "cash"), ("cash and cash equivalents", "cash and equivalents")),
    Item("operating cash flow", ("cash from operations", "operating cash flow", "cash flow from operations", "cash from operating activities",
                                  "cash provided by operating activities", "cfo"),
         ("net cash provided by operating activities", "net cash provided by (used in) operating activities", "net cash from operating activities",
          "total cash provided by operating activities", "cash provided by operations", "net cash provided by operations",
          "cash generated from operations", "net cash provided by operating activities from continuing operations")),
    Item("capex", ("capital expenditure", "capital expenditures", "capex", "purchases of property and equipment"),
         ("capital expenditures", "purchases of property and equipment", "purchases of property, plant and equipment", "additions to property and equipment",
          "payments for property and equipment", "purchases of property and equipment and intangible assets", "additions to property, plant and equipment",
          "purchases of property and equipment, including internal-use software and website development"), magnitude=True),
    Item("depreciation and amortization", ("depreciation and amortization", "d&a"), ("depreciation and amortization", "depreciation, amortization and other")),
    Item("short-term debt", ("short-term debt", "short-term borrowings"),
         ("short-term debt", "short-term borrowings", "commercial paper", "notes payable", "current portion of long-term debt",
          "current maturities of long-term debt", "long-term debt, current portion", "current portion of debt")),
    Item("long-term debt", ("long-term debt",), ("long-term debt", "long-term debt, excluding current portion", "long-term debt, net of current portion",
                                                 "long-term debt, less current portion", "long-term debt, net")),
    Item("total debt", ("total debt", "debt", "borrowings", "indebtedness"), ("total debt", "total borrowings"),
         (("short-term debt", 1), ("long-term debt", 1)), ("long-term debt",)),
    Item("interest expense", ("interest expense",), ("interest expense", "interest expense, net")),
    Item("income tax", ("income tax expense", "provision for income taxes", "income taxes"),
         ("provision for income taxes", "income tax expense", "provision for (benefit from) income taxes", "income taxes", "income tax provision")),
    Item("pretax income", ("income before income taxes", "pretax income", "pre-tax income", "earnings before income taxes"),
         ("income before income taxes", "earnings before income taxes", "income before provision for income taxes")),
    Item("sg&a", ("sg&a", "selling, general and administrative"), ("selling, general and administrative", "selling, general and administrative expenses")),
    Item("research and development", ("research and development", "r&d"), ("research and development",)),
)

METRICS = (
    Metric("operating margin", ("operating margin", "operating profit margin", "ebit margin"), "operating income / revenue", "%"),
    Metric("gross margin", ("gross margin", "gross profit margin"), "(revenue - cogs) / revenue", "%"),
    Metric("net margin", ("net margin", "net profit margin", "net income margin", "profit margin"), "net income / revenue", "%"),
    Metric("free cash flow conversion", ("free cash flow conversion", "free cashflow conversion", "fcf conversion", "cash conversion"),
           "(operating cash flow - capex) / net income", "%"),
    Metric("free cash flow", ("free cash flow", "free cashflow", "fcf"), "operating cash flow - capex", ""),
    Metric("current ratio", ("current ratio",), "total current assets / total current liabilities", "x"),
    Metric("quick ratio", ("quick ratio", "acid test"), "(total current assets - inventories) / total current liabilities", "x"),
    Metric("debt to equity", ("debt to equity", "debt-to-equity", "debt/equity", "leverage ratio"), "total debt / total equity", "x"),
    Metric("return on assets", ("return on assets", "roa"), "net income / total assets", "%"),
    Metric("return on equity", ("return on equity", "roe"), "net income / total equity", "%"),
    Metric("effective tax rate", ("effective tax rate",), "income tax / pretax income", "%"),
    Metric("inventory turnover", ("inventory turnover",), "cogs / inventories", "x"),
    Metric("asset turnover", ("asset turnover",), "revenue / total assets", "x"),
    Metric("ebitda", ("ebitda",), "operating income + depreciation and amortization", ""),
    Metric("days payable outstanding", ("days payable outstanding", "dpo"), "365 * accounts payable / cogs", "days"),
    Metric("days sales outstanding", ("days sales outstanding", "dso"), "365 * accounts receivable / revenue", "days"),
    Metric("days inventory outstanding", ("days inventory outstanding", "dio", "days of inventory"), "365 * inventories / cogs", "days"),
)

BY_KEY = {item.key: item for item in ITEMS}

# the statement each item is read from first (other items: the income statement); a note's table
# ("Inventory" among deferred tax liabilities) or a cash-flow movement states it only when no statement does
HOME = {
    **dict.fromkeys(("inventories", "accounts payable", "accounts receivable", "total current assets", "total assets",
                     "total current liabilities", "total liabilities", "total equity", "cash", "short-term debt",
                     "long-term debt", "total debt"), "balance"),
    **dict.fromkeys(("operating cash flow", "capex", "depreciation and amortization"), "cash"),
}
_ANCHORS = {
    "balance": re.compile(r"^total (?:current )?(?:assets|liabilities)\b|^total (?:stockholders|shareholders)'? equity|^total equity", re.I),
    "cash": re.compile(r"\b(?:operating|investing|financing) activities\b", re.I),
    "income": re.compile(r"^(?:total )?(?:net )?(?:revenues?|sales)$|^net (?:income|earnings)\b|^operating income\b|^income from operations|^gross (?:profit|margin)$|^income before income taxes", re.I),
}


def statement_of(labels: list[str]) -> set[str]:
    """The statements a table's (normalised) row labels look like: two anchor rows of one make it one."""
    return {kind for kind, anchor in _ANCHORS.items() if sum(bool(anchor.search(label)) for label in labels) >= 2}


def _phrase(alias: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w&-]){re.escape(alias)}(?![\w&-])", re.I)


def _normal(text: str) -> str:
    return " ".join(text.replace("’", "'").replace("-", " ").lower().split())


def _longest(text: str, named: list[tuple[str, object]]) -> object | None:
    """The entry whose alias is the longest phrase found in ``text``."""
    text = _normal(text)
    found = [(len(alias), entry) for alias, entry in named if _phrase(_normal(alias)).search(text)]
    return max(found, key=lambda x: x[0])[1] if found else None


def find_item(text: str) -> Item | None:
    """The line item a question (or a formula's term) names, by its longest alias found."""
    found = _longest(text, [(alias, item) for item in ITEMS for alias in item.aliases + (item.key,)])
    return found if isinstance(found, Item) else None


def find_metric(text: str) -> Metric | None:
    """The metric a question names ("free cash flow conversion" before "free cash flow")."""
    found = _longest(text, [(alias, metric) for metric in METRICS for alias in metric.aliases])
    return found if isinstance(found, Metric) else None


# words that may stand right before an item's name without making it another item ("its debt", "the
# FY2017 total assets", "change in revenue", "how much total assets", "an improving operating margin")
_PLAIN_BEFORE = set(
    "the its their our total of in on end much consolidated reported and year fiscal fy what is was were are a an has have "
    "had did does do change changes increase increased decrease decreased growth company firm group between to annual "
    "improving improved declining declined rising falling higher lower overall".split()
)
_QUALIFIES_NET = {"total debt", "short-term debt", "long-term debt", "cash", "free cash flow"}  # net debt, net cash are measures of their own
_YEARISH = r"(?i:(?:fy|fiscal|f)?\s?'?\d{2,4}\b|fy\b|fiscal\b|the\s+(?:fiscal\s+)?(?:years?|period|quarter|balance|income|statements?|consolidated|company)\b|usd\b|us\$|\$|\(|millions\b|thousands\b|billions\b|units?\b|percent\w*\b)"
# what may follow a name: a period, a unit, the statement, a company ("for Best Buy"); not a part ("revenue
# from UK", "net sales in Americas", "net income per diluted share", "revenue under continuing operations")
_QUALIFIED_AFTER = re.compile(
    rf"^\s*,?\s*(?:(?:from|in|within|during|at)\s+(?!{_YEARISH})|(?:of|for)\s+(?!{_YEARISH}|[A-Z])|"
    r"(?:arising|under|by|attributable|related|relating|per|excluding|including|net of|less|other than)\b)",
)


def plainly_named(text: str, key: str, aliases: tuple[str, ...]) -> bool:
    """Whether ``text`` names the item or metric by itself, not a kind or a part of it ("license revenue",
    "billed receivables", "revenue from UK", "net debt"): the words right before and after its name."""
    text = text.replace("’", "'").replace("-", " ")
    best = None
    for alias in sorted(aliases + (key,), key=len, reverse=True):
        best = re.search(rf"(?<![\w&]){re.escape(_normal(alias))}(?![\w&])", text, re.I)
        if best:
            break
    if best is None:
        return False
    before = text[: best.start()].split()
    word = before[-1].lower().strip(",.;:()") if before else ""
    plain = word in _PLAIN_BEFORE or any(ch.isdigit() for ch in word) or word.endswith("'s") or word == ""
    if word == "net":
        plain = key not in _QUALIFIES_NET
    return plain and not _QUALIFIED_AFTER.match(text[best.end() :])
