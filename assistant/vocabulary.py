"""Domain vocabulary for the speech decoder: company names, tickers, people and drug names that the
workspace already knows, plus the words a user names. Passed to the transcriber as a prompt so
names and figures come out right.

Example:
    >>> names_in("Northwind Instruments (NYSE: NWI) said Dana Reyes will speak. Revenue rose.")
    ['Northwind Instruments', 'NYSE', 'NWI', 'Dana Reyes']
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from assistant.lexical import STOPWORDS

MAX_TERMS = 40
_NAME = re.compile(r"\b(?:[A-Z][a-z]+(?:[ -](?:&\s)?[A-Z][a-z]+)+|[A-Z]{2,5}\b|[A-Z][a-z]*[A-Z][A-Za-z]+)")
_COMMON_CAPS = {"CEO", "CFO", "COO", "EPS", "GAAP", "USD", "THE", "AND", "FOR", "Q1", "Q2", "Q3", "Q4", "FY", "PDF", "LLC", "INC"}


def names_in(text: str) -> list[str]:
    """Multi-word capitalised names, tickers and CamelCase brands, in order of first appearance."""
    found: list[str] = []
    for match in _NAME.finditer(text):
        name = match.group().strip()
        words = name.split()
        if words[0].lower() in STOPWORDS:  # "The Company" at a sentence start
            name = " ".join(words[1:])
        if len(name) < 2 or name.upper() in _COMMON_CAPS or name in found:
            continue
        found.append(name)
    return found


def parse_vocabulary(text: str) -> list[str]:
    """A user's comma- or newline-separated list of terms."""
    return [t.strip() for t in re.split(r"[,\n]", text) if t.strip()]


def build_vocabulary(user_terms: Iterable[str], texts: Iterable[str], speakers: Iterable[str] = ()) -> list[str]:
    """The user's terms first, then speaker names, then the names most frequent in the texts."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(names_in(text))
    ordered = list(dict.fromkeys([*user_terms, *(s.split(",")[0].strip() for s in speakers if s)]))
    ordered += [name for name, _ in counts.most_common() if name not in ordered]
    return ordered[:MAX_TERMS]
