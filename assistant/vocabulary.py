"""Hints for the speech decoder: the user's terms and a recording's own speakers, which go to every
decoding, and the names the workspace's documents hold (companies, tickers, people, drugs), which
the transcriber gives only where a first pass nearly heard one (``tools.hints``): a filing's
hundreds of names never reach the decoder of a call that does not say them.

Example:
    >>> names_in("Northwind Instruments (NYSE: NWI) said Dana Reyes will speak. Revenue rose.")
    ['Northwind Instruments', 'NYSE', 'NWI', 'Dana Reyes']
    >>> build_vocabulary(["NWI"], ["Sam Okafor met Dana Reyes. Free Cash Flow: free cash flow rose."], speakers=["Dana Reyes, CEO"])
    Hints(terms=('NWI', 'Dana Reyes'), names=('Sam Okafor',))
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.lexical import STOPWORDS

MAX_TERMS = 12  # the user's terms and speakers given to every decoding (tools.hints.MAX_HINTS in all)
MAX_NAMES = 400  # workspace names the first pass is matched against, the most frequent first
SCANNED_CHUNKS = 300  # chunks of a workspace's documents scanned for names, shared among them
MIN_SHARE = 30


def chunk_share(documents: int) -> int:
    """Chunks scanned per document: an equal share, so one 10-K does not crowd out the others."""
    return max(MIN_SHARE, SCANNED_CHUNKS // max(1, documents))
_NAME = re.compile(r"\b(?:[A-Z][a-z]+(?:[ -](?:&\s)?[A-Z][a-z]+)+|[A-Z]{2,5}\b|[A-Z][a-z]*[A-Z][A-Za-z]+)")
_LOWER = re.compile(r"\b[a-z][a-z'-]*\b")
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


@dataclass(frozen=True)
class Hints:
    """``terms`` go to the decoder for every recording; ``names`` only where the first pass nearly
    heard one of them."""

    terms: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    def with_speakers(self, speakers: Iterable[str]) -> Hints:
        """These hints with a recording's speaker names ("Dana Reyes, CEO" → "Dana Reyes") first."""
        return Hints(_terms([speaker_name(s) for s in speakers], self.terms), self.names)


def speaker_name(label: str) -> str:
    """A sidecar's speaker label without its role: ``"Sam Okafor, CFO"`` → ``"Sam Okafor"``."""
    return label.split(",")[0].strip()


def _terms(*groups: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t.strip() for g in groups for t in g if t and t.strip()))[:MAX_TERMS]


def chunk_terms(text: str) -> tuple[list[str], list[str]]:
    """What :func:`hints_from` counts in one text: its names, and its words written in lower case."""
    return names_in(text), sorted(set(_LOWER.findall(text)))


def is_name(name: str, lower_words: set[str]) -> bool:
    """False for a capitalised run of ordinary words ("Third Quarter", "FLOWS", "Free Cash Flow"):
    every word of it is also written in lower case in the texts. A hint adds nothing for those."""
    return not all(w.lower() in lower_words for w in re.findall(r"[A-Za-z]+", name))


def hints_from(user_terms: Iterable[str], found: Iterable[tuple[list[str], list[str]]], speakers: Iterable[str] = ()) -> Hints:
    """:func:`build_vocabulary` over texts already read by :func:`chunk_terms`."""
    counts: Counter[str] = Counter()
    lower: set[str] = set()
    for names, words in found:
        counts.update(names)
        lower.update(words)
    terms = _terms(user_terms, (speaker_name(s) for s in speakers))
    names = tuple(name for name, _ in counts.most_common() if name not in terms and is_name(name, lower))[:MAX_NAMES]
    return Hints(terms, names)


def build_vocabulary(user_terms: Iterable[str], texts: Iterable[str], speakers: Iterable[str] = ()) -> Hints:
    """The user's terms and speaker names as terms; the names most frequent in ``texts`` as names
    (capitalised runs of the texts' ordinary words left out)."""
    return hints_from(user_terms, (chunk_terms(t) for t in texts), speakers)
