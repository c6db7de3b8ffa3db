"""Find and normalise numbers in text, so answers can be checked against their evidence.

Example:
    >>> numbers_in("Revenue rose 12.50% to $4,200 million in 2017 [2]")
    [12.5, 4200.0, 2017.0]
"""

from __future__ import annotations

import re

_CITATION = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")
_NUMBER = re.compile(r"(?<![\w.])[-−]?\$?\d[\d,]*(?:\.\d+)?(?![\w])|(?<![\w.])[-−]?\$?\.\d+")


def parse_number(token: str) -> float | None:
    """A number from a token like ``$4,200``, ``-3.5``, ``12%`` or ``(1,234)``; None if not one."""
    cleaned = token.strip().replace("−", "-").replace("$", "").replace(",", "").replace(" ", "").rstrip("%")
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    cleaned = cleaned.strip("()")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return -value if negative else value


def numbers_in(text: str) -> list[float]:
    """Every number written in ``text``, citation markers like ``[3]`` left out."""
    found = []
    for match in _NUMBER.finditer(_CITATION.sub(" ", text)):
        value = parse_number(match.group())
        if value is not None:
            found.append(value)
    return found


def same_number(a: float, b: float, rel: float = 1e-9) -> bool:
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def format_number(value: float) -> str:
    """A computed number written plainly: at most two decimals, no trailing zeros."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text
