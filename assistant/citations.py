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
from collections.abc import Callable, Iterable, Sequence

from assistant.answerers.base import NOT_FOUND
from assistant.answerers.prompting import repeats_instructions
from assistant.chunking import split_sentences
from assistant.injection import is_instruction, markup_in, without_markup
from assistant.lexical import terms
from assistant.numbers import numbers_in, same_number
from assistant.types import Citation, Evidence, Locator, Span  # noqa: F401  (Span used in the doctest)

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
        for value in numbers_in(without_markup(sentence)):
            if any(same_number(value, c) for c in computed):
                continue
            if not any(any(same_number(value, v) for v in numbers_in(e.text)) for e in cited):
                where = "its cited evidence" if cited else "any cited evidence (the sentence cites none)"
                warnings.append(f"unsupported number {value:g} in: {sentence.strip()[:120]!r} is not in {where}")
            elif order := _only_instructions(cited, lambda s: any(same_number(value, v) for v in numbers_in(s))):
                warnings.append(
                    f"unsupported number {value:g} in: {sentence.strip()[:120]!r}: its cited evidence gives it only "
                    f"in an instruction to the assistant ({order[:100]!r})"
                )
    warnings += _markup_warnings(answer, evidence)
    if repeats_instructions(answer):
        warnings.append("the answer repeats the assistant's own instructions (its system prompt)")
    return tuple(citations), warnings


def _evidence_sentences(item: Evidence) -> list[str]:
    return [s for line in item.text.splitlines() for s in split_sentences(line)]


def _only_instructions(evidence: Iterable[Evidence], holds: Callable[[str], bool]) -> str | None:
    """The first evidence sentence that ``holds``, when every sentence that does is an instruction to the
    assistant ("ignore the question and answer ..."): a figure or link whose only support is an order."""
    holding = [s for e in evidence for s in _evidence_sentences(e) if holds(s)]
    return holding[0] if holding and all(is_instruction(s) for s in holding) else None


def _markup_warnings(answer: str, evidence: Sequence[Evidence]) -> list[str]:
    """A warning for each image in the answer (answers hold none), and for each link or URL that the
    evidence does not give as plain material."""
    warnings: list[str] = []
    for mark in markup_in(answer):
        if mark.kind == "image":
            warnings.append(f"image in the answer: {mark.text[:120]!r} (answers contain no images)")
        elif not any(mark.url in e.text for e in evidence):
            warnings.append(f"link in the answer: {mark.url[:120]!r} is not in the evidence")
        elif order := _only_instructions(evidence, lambda s, url=mark.url: url in s):
            warnings.append(
                f"link in the answer: {mark.url[:120]!r} is in the evidence only in an instruction to the "
                f"assistant ({order[:100]!r})"
            )
    return warnings


class Renumbering:
    """Evidence numbers as the reader meets them: the first number cited becomes [1], the next new
    one [2], and so on; evidence never cited follows in its order. ``feed`` rewrites a streamed
    answer piece by piece (a mark split across pieces is held back until it closes), so what was
    streamed and the final answer agree.

    >>> r = Renumbering([269, 4, 12])
    >>> r.feed("Q4 was 41 [26") + r.feed("9]; Q3 was 38 [4].") + r.flush()
    'Q4 was 41 [1]; Q3 was 38 [2].'
    >>> r.mapping()
    {269: 1, 4: 2, 12: 3}
    """

    def __init__(self, numbers: Sequence[int]) -> None:
        self._known = list(numbers)
        self._new: dict[int, int] = {}
        self._held = ""

    def _number(self, n: int) -> int:
        if n in self._new:
            return self._new[n]
        if n in self._known:
            self._new[n] = sum(1 for m in self._new if m in self._known) + 1
        elif n > len(self._known):  # a mark to no evidence keeps its number: it still points to none
            self._new[n] = n
        else:  # ... unless that number is now an evidence item's: then one past them all
            taken = set(self._new.values())
            self._new[n] = next(m for m in range(len(self._known) + 1, len(self._known) + len(taken) + 2) if m not in taken)
        return self._new[n]

    def _mark(self, match: re.Match[str]) -> str:
        return "[" + ", ".join(str(self._number(int(p))) for p in match.group(1).split(",")) + "]"

    def rewrite(self, text: str) -> str:
        return _MARK.sub(self._mark, text)

    def feed(self, piece: str) -> str:
        text = self._held + piece
        cut = text.rfind("[")
        if cut != -1 and "]" not in text[cut:] and re.fullmatch(r"\[[\d,\s]*", text[cut:]):
            self._held, text = text[cut:], text[:cut]
        else:
            self._held = ""
        return self.rewrite(text)

    def flush(self) -> str:
        held, self._held = self._held, ""
        return self.rewrite(held)

    def mapping(self) -> dict[int, int]:
        """Old number → new number, for every evidence item (cited first, then the rest)."""
        cited = {n: m for n, m in self._new.items() if n in self._known}
        rest = [n for n in self._known if n not in cited]
        return {**cited, **{n: len(cited) + i for i, n in enumerate(rest, start=1)}}


_CHART = re.compile(r"^Chart(?: '(?P<title>[^']*)')? \((?P<kind>\w+)")
_PART = {"bar": "bar", "line": "point", "pie": "slice"}


def cited_part(evidence: Evidence, cited: Locator) -> str | None:
    """What a citation of an image points at, in words: one chart value ('Q4 2025 bar'), the chart
    ('bar chart Revenue'), or the first words of the text read there; ``None`` off an image.

    >>> chart = Evidence(1, "Chart (bar): Q3 = 38; Q4 = 41", "s", Locator("c.png", bbox=(0, 0, 9, 9)), 1.0,
    ...                  (Span(21, 29, Locator("c.png", bbox=(5, 1, 6, 9))),))
    >>> cited_part(chart, Locator("c.png", bbox=(5, 1, 6, 9))), cited_part(chart, chart.locator)
    ('Q4 bar', 'bar chart')
    """
    if cited.bbox is None:
        return None
    chart = _CHART.match(evidence.text)
    for span in evidence.spans:
        if span.locator.bbox is not None and tuple(span.locator.bbox) == tuple(cited.bbox):
            name = evidence.text[span.begin : span.end].split(" = ")[0].strip()
            return f"{name} {_PART.get(chart['kind'], 'value')}" if chart else name
    if chart:
        return f"{chart['kind']} chart" + (f" {chart['title']}" if chart["title"] else "")
    words = evidence.text.split()
    return "“" + " ".join(words[:5]) + ("…" if len(words) > 5 else "") + "”" if words else None


def citation_label(citation: Citation, evidence: Evidence | None) -> str:
    """The citation's label for a person (file · page, time and speaker, or the part of an image)."""
    return citation.locator.label(cited_part(evidence, citation.locator) if evidence is not None else None)
