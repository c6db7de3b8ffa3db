"""Lexical helpers shared by the answerer and citation checking: content words, lightly stemmed.

Example:
    >>> terms("What were the margins of the quarters?")
    ['margin', 'quarter']
"""

from __future__ import annotations

import re

STOPWORDS = set(
    """a an the of in on at to for from by with and or but is are was were be been being do does did what which
    who whom whose when where why how much many this that these those it its as about into over than then there
    their they them he she his her we our you your i me my tell say said give show please according any all
    can could would should will shall may might chart graph figure image table call document pdf report""".split()
)
WORD = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")


def _stem(word: str) -> str:
    for suffix in ("ings", "ing", "ied", "ies", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix in {"ied", "ies"} else "")
    return word


def root(term: str) -> str:
    """A term without a final 'e', so both stems of a word meet: 'complete' and 'completed'
    ('complet'), 'lease' and 'leases' ('leas')."""
    return term[:-1] if len(term) > 3 and term.endswith("e") else term


def terms(text: str) -> list[str]:
    """Content words of a text, lowercased and lightly stemmed."""
    return [_stem(w) for w in WORD.findall(text.lower()) if w not in STOPWORDS]
