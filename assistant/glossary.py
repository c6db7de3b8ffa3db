"""Domain synonyms for lexical search: filings say "cost of revenue" where analysts say "COGS".

Only the lexical (BM25) side uses the expansion; the question itself is left unchanged.

Example:
    >>> expand_query("What is the FY2016 COGS?")
    'What is the FY2016 COGS? cost of revenue cost of sales cost of goods sold'
"""

from __future__ import annotations

import re

# Each entry: a pattern in the question -> words the filing is likely to use instead.
FINANCE: tuple[tuple[str, str], ...] = (
    (r"\bcogs\b|cost of goods", "cost of revenue cost of sales cost of goods sold"),
    (r"\bdpo\b|days payable", "accounts payable cost of sales"),
    (r"\bdso\b|days sales outstanding", "accounts receivable revenue"),
    (r"\bdio\b|inventory turnover|days inventory", "inventories cost of sales"),
    (r"\bcapex\b|capital expenditure", "purchases of property and equipment capital expenditures"),
    (r"free cash ?flow|\bfcf\b", "net cash provided by operating activities purchases of property and equipment"),
    (r"\bebitda\b", "operating income depreciation and amortization"),
    (r"operating margin", "operating income total revenue net sales"),
    (r"gross margin", "gross profit total revenue net sales"),
    (r"net margin|profit margin", "net income total revenue net sales"),
    (r"\beps\b", "earnings per share diluted basic"),
    (r"\bsg&a\b|\bsga\b", "selling general and administrative expenses"),
    (r"\br&d\b", "research and development"),
    (r"\bdebt\b", "long-term debt borrowings notes"),
    (r"balance sheet", "consolidated balance sheets total assets total liabilities stockholders equity"),
    (r"income statement|statement of income|\bp&l\b", "consolidated statements of operations income revenue net income"),
    (r"cash ?flow statement|statement of cash flows", "consolidated statements of cash flows operating activities"),
    (r"\brevenue\b", "net sales total revenues"),
    (r"\bsales\b", "revenue net sales"),
    (r"buy ?backs?|repurchases?", "repurchase of common stock share repurchases"),
    (r"dividends?", "dividends declared per share"),
)
MEDICAL: tuple[tuple[str, str], ...] = (
    (r"\bmi\b|heart attack", "myocardial infarction"),
    (r"\bhtn\b|high blood pressure", "hypertension"),
    (r"\bdm\b|diabetes", "diabetes mellitus glucose"),
    (r"\bsob\b|short(ness)? of breath", "dyspnea"),
)
_PATTERNS = [(re.compile(p, re.IGNORECASE), words) for p, words in FINANCE + MEDICAL]


def expand_query(question: str) -> str:
    """The question followed by the domain words its terms usually appear as in documents."""
    extra = [words for pattern, words in _PATTERNS if pattern.search(question)]
    return " ".join([question, *extra])
