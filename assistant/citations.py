"""Check an answer against its evidence: every ``[n]`` must exist, every number must be in the
evidence it cites (or be a number the answerer computed from cited numbers), and every sentence that
states something must cite evidence. Citations are narrowed
to the segments or chart values that the citing sentence quotes.

Example:
    >>> ev = [Evidence(1, "Sales were 12.5 million.", "s", Locator("a.txt"), 1.0)]
    >>> cites, warnings = verify("Sales were 12.5 million [1].", ev)
    >>> [c.n for c in cites], warnings
    ([1], [])
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from assistant.answerers.base import NOT_FOUND
from assistant.chunking import split_sentences
from assistant.lexical import terms
from assistant.numbers import numbers_in, same_number
from assistant.types import Citation, Evidence, Locator  # noqa: F401  (Locator used in the doctest)

_MARK = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def _words(text: str) -> set[str]:
    return set(terms(text))


def _union(locators: list[Locator]) -> Locator:
    first = locators[0]
    starts = [x.start for x in locators if x.start is not None]
    ends = [x.end for x in locators if x.end is not None]
    boxes = [x.bbox for x in locators if x.bbox is not None]
    speakers = list(dict.fromkeys(x.speaker for x in locators if x.speaker))
    return Locator(
        path=first.path,
        page=first.page,
        start=min(starts) if starts else None,
        end=max(ends) if ends else None,
        speaker=", ".join(speakers) or None,
        bbox=(min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
        if boxes
        else None,
    )


def narrow(evidence: Evidence, sentence: str) -> Locator:
    """The exact place an answer sentence quotes: the transcript segments (seconds) or chart values
    (boxes) whose text it repeats; the evidence's whole locator when it quotes none of them."""
    said = _words(_MARK.sub(" ", sentence))
    chosen = []
    for span in evidence.spans:
        words = _words(evidence.text[span.begin : span.end])
        if not words:
            continue
        shared = len(words & said)
        wordy = {w for w in words if not w.replace(".", "").isdigit()}  # labels, not bare figures
        if wordy and not wordy & said:
            continue
        if shared / len(words) >= 0.6 or (said and shared / len(said) >= 0.8):
            chosen.append(span.locator)
    return _union(chosen) if chosen else evidence.locator


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


def _is_claim(sentence: str) -> bool:
    """A sentence stating something (not "Not found in your material.", not a bare heading or label)."""
    text = sentence.strip()
    return text != NOT_FOUND and len(_words(text)) >= 2 and text[-1:] in ".!?"


def verify(
    answer: str, evidence: Sequence[Evidence], computed: Iterable[float] = ()
) -> tuple[tuple[Citation, ...], list[str]]:
    """Citations resolved to their evidence, and a warning for each problem found."""
    by_n = {e.n: e for e in evidence}
    computed = list(computed)
    warnings: list[str] = []
    citations: list[Citation] = []
    sentences = _sentences_with_marks(answer)
    for n in cited_numbers(answer):
        if n in by_n:
            places = [narrow(by_n[n], s) for s in sentences if n in cited_numbers(s)]
            citations.append(Citation(n=n, source=by_n[n].source, locator=_union(places)))
        else:
            warnings.append(f"citation [{n}] points to no evidence")
    for sentence in sentences:
        cited = [by_n[n] for n in cited_numbers(sentence) if n in by_n]
        if evidence and not cited_numbers(sentence) and _is_claim(sentence):
            warnings.append(f"uncited: {sentence.strip()[:120]!r} cites no evidence")
        for value in numbers_in(sentence):
            if any(same_number(value, c) for c in computed):
                continue
            if not any(any(same_number(value, v) for v in numbers_in(e.text)) for e in cited):
                where = "its cited evidence" if cited else "any cited evidence (the sentence cites none)"
                warnings.append(f"unsupported number {value:g} in: {sentence.strip()[:120]!r} is not in {where}")
    return tuple(citations), warnings
