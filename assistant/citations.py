"""Check an answer against its evidence: every ``[n]`` must exist, every number must be in the
evidence it cites (or be a number the answerer computed from cited numbers).

Example:
    >>> ev = [Evidence(1, "Sales were 12.5 million.", "s", Locator("a.txt"), 1.0)]
    >>> cites, warnings = verify("Sales were 12.5 million [1].", ev)
    >>> [c.n for c in cites], warnings
    ([1], [])
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from assistant.chunking import split_sentences
from assistant.numbers import numbers_in, same_number
from assistant.types import Citation, Evidence, Locator  # noqa: F401  (Locator used in the doctest)

_MARK = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def cited_numbers(text: str) -> list[int]:
    """The evidence numbers cited in ``text``, in order of first appearance."""
    found: list[int] = []
    for group in _MARK.findall(text):
        for part in group.split(","):
            n = int(part)
            if n not in found:
                found.append(n)
    return found


def _sentences_with_marks(text: str) -> list[str]:
    """Answer sentences; a trailing citation marker stays with the sentence before it."""
    merged: list[str] = []
    for sentence in split_sentences(text):
        if merged and _MARK.fullmatch(sentence.strip(" .")):
            merged[-1] += " " + sentence
        else:
            merged.append(sentence)
    return merged


def verify(
    answer: str, evidence: Sequence[Evidence], computed: Iterable[float] = ()
) -> tuple[tuple[Citation, ...], list[str]]:
    """Citations resolved to their evidence, and a warning for each problem found."""
    by_n = {e.n: e for e in evidence}
    computed = list(computed)
    warnings: list[str] = []
    citations: list[Citation] = []
    for n in cited_numbers(answer):
        if n in by_n:
            citations.append(Citation(n=n, source=by_n[n].source, locator=by_n[n].locator))
        else:
            warnings.append(f"citation [{n}] points to no evidence")
    for sentence in _sentences_with_marks(answer):
        cited = [by_n[n] for n in cited_numbers(sentence) if n in by_n]
        for value in numbers_in(sentence):
            if any(same_number(value, c) for c in computed):
                continue
            if not any(any(same_number(value, v) for v in numbers_in(e.text)) for e in cited):
                where = "its cited evidence" if cited else "any cited evidence (the sentence cites none)"
                warnings.append(f"unsupported number {value:g} in: {sentence.strip()[:120]!r} is not in {where}")
    return tuple(citations), warnings
