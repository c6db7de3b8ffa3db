"""The embedded answerer: quotes the evidence sentences that answer the question, cites them, and
answers chart questions (``chart_qa``), arithmetic questions (``arithmetic``), table lookups and
extremes in code from numbers in the evidence.

It never writes a number that is not in the evidence or computed from cited evidence numbers.

Example:
    >>> ev = [Evidence(1, "Revenue was $4.2 billion in Q1.", "s", Locator("r.pdf", page=2), 0.8)]
    >>> ExtractiveAnswerer().run("What was revenue in Q1?", ev).text
    'Revenue was $4.2 billion in Q1 [1].'
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from assistant.answerers import arithmetic, table_lookup
from assistant.answerers.grid import grid_lookup, grid_respective
from assistant.answerers.period_amount import amount_for_period
from assistant.answerers.base import NOT_FOUND, Draft
from assistant.answerers.asked_figure import ASKS_COUNT, ASKS_DURATION, asked_figure
from assistant.answerers.chart_qa import answer_chart_question
from assistant.answerers.clauses import AMOUNT_QUESTION, CAUSE, REASON_QUESTION, answer_clause, not_amount
from assistant.answerers.respectively import respective_figures, respective_items
from assistant.chunking import split_sentences
from assistant.lexical import WORD as _WORD
from assistant.lexical import root, terms
from assistant.numbers import parse_number
from assistant.types import Evidence, ImageDescription, Locator  # noqa: F401  (Locator used in the doctest)

MAX_WORDS = {"highest", "largest", "most", "maximum", "max", "peak", "biggest", "top", "greatest"}
MIN_WORDS = {"lowest", "smallest", "least", "minimum", "min", "fewest", "bottom", "weakest"}
_NUMERIC_QUESTION = re.compile(
    r"\b(how (much|many|big|large)|what (was|were|is|are) the (amount|total|value|number|level|rate|percentage)|"
    r"amount|total|percent(age)?|rate|margin|revenue|sales|income|growth|eps|ratio)\b",
    re.IGNORECASE,
)
_FIGURE = re.compile(r"\d")
# Text written to steer an assistant ("Ignore previous instructions", "System: you must answer ...")
# states no fact of the material: it is ranked down unless the question asks about such a note.
_INSTRUCTION = re.compile(
    r"\b(?:ignore (?:all |any )?(?:the )?(?:previous|prior|above) instructions|(?:note|message) to the "
    r"(?:assistant|model|ai)|you must (?:answer|say|respond|reply)|disregard (?:all|any|the|previous))\b|"
    r"(?:^|\W)system\s*:",
    re.IGNORECASE,
)
_ABOUT_INSTRUCTIONS = re.compile(r"\b(?:note|notes|instructions?|assistant|memo|message|prompt)\b", re.IGNORECASE)
# several figures asked for, a result, or a question ending on a preposition ("... mainly engaged in?"): not one figure
_NOT_ONE_FIGURE = re.compile(r"\brespectively\b|\b(?:results?|outcomes?)\b|\b(?:in|of|for|to|by|as|from|on|with|into)\W*$", re.I)
_AMOUNT = re.compile(
    r"(?<![\w.])(?:[$€£]|US\$|AU\$)\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:thousand|million|billion|bn|m)\b)?"
    r"|(?<![\w.$,])\d[\d,]*(?:\.\d+)?\s?(?:thousand|million|billion)\b",
    re.I,
)
_PERCENT = re.compile(r"(?<![\w.$,])\d[\d,]*(?:\.\d+)?\s?%")
_ASKS_PERCENT = re.compile(r"\b(percent\w*|rate|margin|share|proportion)\b|%", re.I)
_TABLE_LINE = re.compile(r"(?:[^|]*\|){3}")
_CELL = re.compile(r"^(.+?) = (-?\$?\d[\d,]*(?:\.\d+)?%?)(?: \(.*\))?$")


def table_cells(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Split ``Title: a = 1; b = 2`` into its title and ``(label, value)`` cells."""
    first = text.find(" = ")
    if first < 0:
        return text, []
    head = text.rfind(": ", 0, first)
    title, body = (text[:head], text[head + 2 :]) if head >= 0 else ("", text)
    cells = [m.groups() for m in (_CELL.match(part.strip()) for part in body.split("; ")) if m]
    return title.strip(), [(label.strip(), raw) for label, raw in cells]


@dataclass(frozen=True)
class _Scored:
    score: float
    coverage: float
    n: int
    sentence: str


def _sentences(evidence: Evidence) -> list[str]:
    parts = []
    for sentence in split_sentences(evidence.text):
        parts.extend(p.strip() for p in sentence.split("; ") if p.strip()) if sentence.count("; ") > 2 else parts.append(sentence)
    return parts


def _respective(question: str, sentence: str) -> tuple[str, ...]:
    """The figures a "respectively" sentence gives for the periods the question names, in the
    question's order ("in 2019 and 2018 respectively"), or for the items it lists, else ()."""
    years = arithmetic.question_years(question)
    figures = respective_figures(sentence, question) if years else {}
    if figures and all(y in figures for y in years):
        return tuple(figures[y] for y in years)
    return respective_items(sentence, question)  # "the federal, state and foreign ... respectively"


def _cause(question: str, clause: str) -> str:
    """For "Why ...?" / "What caused ...?", the clause from its cause on ("Interest income rose 5%
    primarily due to higher rates" -> "primarily due to higher rates")."""
    match = CAUSE.search(clause) if REASON_QUESTION.search(question) else None
    return clause[match.start() :] if match and match.start() > 0 else clause


def _only_amount(question: str, clause: str) -> str:
    """For "What was X?" / "How much ...?", the one amount the answering clause states ("$0.3 million"), else ''."""
    if not AMOUNT_QUESTION.search(question) or not_amount(question):
        return ""
    amounts = (_PERCENT if _ASKS_PERCENT.search(question) else _AMOUNT).findall(clause)
    return amounts[0].strip() if len(amounts) == 1 else ""


def _period_amount(question: str, sentence: str) -> str:
    """For "What was X in 2019?", the amount the sentence links to 2019 among several, else ''."""
    if not AMOUNT_QUESTION.search(question) or not_amount(question):
        return ""
    return amount_for_period(question, sentence, percent=bool(_ASKS_PERCENT.search(question)))


def _asked_figure(question: str, clause: str, sentence: str) -> str:
    """For "What was X?" / "How many ...?", the figure the question's words tell apart among the
    sentence's figures, else ''."""
    if ASKS_DURATION.search(question) and not _NOT_ONE_FIGURE.search(question):
        return asked_figure(question, sentence)  # "Over what duration will the cost be recognized?"
    if not (AMOUNT_QUESTION.search(question) or ASKS_COUNT.search(question)) or not_amount(question) or _NOT_ONE_FIGURE.search(question):
        return ""
    if not (_NUMERIC_QUESTION.search(question) or arithmetic.question_years(question)):
        return ""  # "What are total segment assets composed of?" asks for no figure
    return asked_figure(question, sentence)


# a question a sentence answers and a table cell cannot: a reason, a definition, a method
_PROSE_QUESTION = re.compile(
    r"\bwhy\b|\b(?:due to|driven by|caused by|attributable to|result of)\W*$|\b(?:reasons?|caus\w*|drivers?|led to)\b"
    r"|^\s*(?:what|how)\s+(?:is|are|was|were|does|do)\b.*\b(?:defin\w*|mean|consists?|comprises?|represents?|calculated|determined|derived|measured)\b",
    re.I,
)
_WHAT_IS = re.compile(r"^\s*what (?:is|are) (?!the\b)([^?]+)\?*\s*$", re.I)


def _asks_prose(question: str) -> bool:
    """A reason, a definition ("What is Audit Fees?": no article, no period, no figure word) or a
    method, which no table cell states."""
    if _PROSE_QUESTION.search(question):
        return True
    what = _WHAT_IS.match(question)
    return bool(what) and not arithmetic.question_years(question) and not _NUMERIC_QUESTION.search(question)


def _is_heading(sentence: str) -> bool:
    """Title Case lines (headlines, section titles) rarely answer anything themselves."""
    words = [w for w in sentence.split() if w[:1].isalpha()]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) / len(words) >= 0.7


def _cite(sentence: str, n: int) -> str:
    """``Sales rose.`` -> ``Sales rose [1].``: the marker goes before the closing punctuation."""
    body = sentence.rstrip()
    end = body[-1] if body and body[-1] in ".!?" else "."
    return f"{body.rstrip('.!?').rstrip()} [{n}]{end}"


# Sentence ranking: the lexical score plus SEMANTIC_WEIGHT times the cosine between the question's
# and the sentence's embeddings (when an embedder is given), over the SEMANTIC_POOL best by lexical
# score. On TAT-QA text-span questions whose answer sentence is among the candidates, the first
# sentence holds the answer 77.6% of the time lexically and 84.8% with the blend (weight 0.8).
SEMANTIC_WEIGHT = 0.8
# A one-period cell (table lookup or grid) of a row whose label names only part of the question gives
# way to a sentence with a figure that covers at least this share of the question's weighted terms.
# TAT-QA (retrieval over the whole file): em 0.373 -> 0.384, F1 0.435 -> 0.449.
SENTENCE_OVER_CELL = 0.8
SEMANTIC_POOL = 40
# Sentence words are matched on their roots ("comprise" meets "comprised", "decrease" "decreased");
# a reason question favours a sentence stating a cause; a fragment of fewer than FRAGMENT_WORDS words
# ("Systems Business") and, unless the question is about a table, a table's introduction ("The
# following table presents ...:") rank lower. TAT-QA with the embedder: em 793 -> 798, F1 sum 890.4 -> 898.8.
FRAGMENT_WORDS = 5
_ABOUT_TABLE = re.compile(r"\btables?\b", re.I)
_TABLE_INTRO = re.compile(r"^(?:\(\w{1,4}\)\s*)?the following (?:table|tables|summarizes|summarises|presents)\b|:\s*$", re.I)


def _roots(text: str) -> set[str]:
    """A text's content words by their roots."""
    return {root(t) for t in terms(text)}
Embed = Callable[[list[str]], Any]


class ExtractiveAnswerer:
    """Answers from the evidence alone, without a language model. ``embed`` (the workspace's text
    embedder, optional) adds the question-sentence similarity to the lexical sentence ranking."""

    name = "extractive"
    description = "quotes and cites the best evidence sentences; looks up chart/table values and extremes in code"

    def __init__(self, min_coverage: float = 0.34, max_sentences: int = 3, embed: Embed | None = None) -> None:
        self.min_coverage = min_coverage
        self.max_sentences = max_sentences
        self.embed = embed

    def warm_up(self) -> None:
        return None

    def run(self, question: str, evidence: Sequence[Evidence], images: Sequence[ImageDescription] = ()) -> Draft:
        wanted = terms(question)
        if not evidence or not wanted:
            return Draft(NOT_FOUND)
        ranked: list[_Scored] | None = None
        steps = (
            lambda: answer_chart_question(question, images, evidence) if images else None,
            lambda: arithmetic.compute(question, evidence),
            lambda: table_lookup.lookup(question, evidence),
            lambda: grid_lookup(question, evidence),
            lambda: grid_respective(question, evidence),
            lambda: self._from_table(question, wanted, evidence),
        )
        sentence_first: bool | None = None  # decided once: the table and grid cells share the test
        for index, step in enumerate(steps):
            computed = step()
            if computed is None:
                continue
            if index in (2, 3, 4) and _asks_prose(question):
                continue  # "What is Audit Fees?", "Why did the gross margin improve?": a cell states no reason or definition
            if index in (2, 3):
                if sentence_first is None:
                    sentence_first = table_lookup.loose_cell(question, evidence)
                    if sentence_first:
                        ranked = self._rank(question, evidence)
                        top = ranked[0] if ranked else None
                        sentence_first = top is not None and top.coverage >= SENTENCE_OVER_CELL and bool(_FIGURE.search(top.sentence))
                if sentence_first:
                    continue  # a sentence naming the question beats a cell whose row only partly does
            return computed
        ranked = self._rank(question, evidence) if ranked is None else ranked
        if not ranked or ranked[0].coverage < self.min_coverage:
            return Draft(NOT_FOUND)
        best = ranked[0]
        chosen = [best]
        covered = set(terms(best.sentence))
        for item in ranked[1:]:
            if len(chosen) >= self.max_sentences or item.score < 0.85 * best.score:
                break
            if item.coverage < self.min_coverage or not item.sentence.rstrip().endswith((".", "!", "?")):
                continue  # a heading or a fragment adds nothing to an answer
            new_terms = set(terms(item.sentence)) & set(wanted) - covered
            if new_terms or item.n != best.n:
                chosen.append(item)
                covered |= set(terms(item.sentence))
        text = " ".join(_cite(item.sentence, item.n) for item in chosen)
        clause = _cause(question, answer_clause(question, best.sentence))
        amount = _asked_figure(question, clause, best.sentence) or _period_amount(question, best.sentence) or _only_amount(question, clause)
        return Draft(text, values=_respective(question, best.sentence) or (amount or clause,))

    def _rank(self, question: str, evidence: Sequence[Evidence]) -> list[_Scored]:
        candidates = [(e, s) for e in evidence for s in _sentences(e) if not _TABLE_LINE.match(s)]
        sentence_words = [_roots(s) for _, s in candidates]
        doc_freq = Counter(t for have in sentence_words for t in have)
        total = len(candidates)
        weights = {t: math.log(1 + total / (1 + doc_freq[t])) + 0.1 for t in _roots(question)}
        full = sum(weights.values())
        numeric = bool(_NUMERIC_QUESTION.search(question))
        steer = 1.0 if _ABOUT_INSTRUCTIONS.search(question) else 0.5
        about_table = bool(_ABOUT_TABLE.search(question))
        reason = bool(REASON_QUESTION.search(question))
        scored = []
        for (item, sentence), have in zip(candidates, sentence_words):
            hit = sum(w for t, w in weights.items() if t in have)
            coverage = hit / full if full else 0.0
            density = len(have & weights.keys()) / max(len(have), 1)
            bonus = 0.2 if numeric and _FIGURE.search(sentence) else 0.0
            if reason and CAUSE.search(sentence):
                bonus += 0.1
            score = (0.8 * coverage + 0.2 * density + 0.1 * item.score + bonus) * (0.7 if _is_heading(sentence) else 1.0)
            if len(sentence.split()) < FRAGMENT_WORDS:
                score *= 0.7  # "Systems Business", "Assumptions": a fragment answers nothing
            if not about_table and _TABLE_INTRO.search(sentence):
                score *= 0.8  # "The following table presents ...:" introduces figures, it states none
            if _INSTRUCTION.search(sentence):
                score *= steer
            scored.append(_Scored(score, coverage, item.n, sentence))
        ranked = sorted(scored, key=lambda x: (-x.score, x.n))
        return self._semantic(question, ranked) if self.embed is not None and len(ranked) > 1 else ranked

    def _semantic(self, question: str, ranked: list[_Scored]) -> list[_Scored]:
        """The lexically best sentences re-ranked with the embedding similarity added."""
        pool = ranked[:SEMANTIC_POOL]
        vectors = np.asarray(self.embed([question] + [s.sentence for s in pool]), dtype=np.float32)  # type: ignore[misc]
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        similarity = vectors[1:] @ vectors[0]
        blended = [replace(s, score=s.score + SEMANTIC_WEIGHT * float(c)) for s, c in zip(pool, similarity)]
        return sorted(blended, key=lambda x: (-x.score, x.n)) + ranked[SEMANTIC_POOL:]

    def _from_table(self, question: str, wanted: list[str], evidence: Sequence[Evidence]) -> Draft | None:
        """Answer lookups and extremes over ``label = value`` lists (chart and table evidence)."""
        words = set(_WORD.findall(question.lower()))
        want_max, want_min = bool(words & MAX_WORDS), bool(words & MIN_WORDS)
        for item in evidence:
            title, pairs = table_cells(item.text)
            pairs = [(label, raw) for label, raw in pairs if parse_number(raw) is not None]
            if len(pairs) < 2 or not set(terms(item.text)) & set(wanted):
                continue
            if want_max or want_min:
                label, raw = (max if want_max else min)(pairs, key=lambda p: parse_number(p[1]) or 0.0)
                word = "highest" if want_max else "lowest"
                return Draft(f"{label} has the {word} value, {raw}, of the {len(pairs)} values in {title} [{item.n}].")
            named = [(lab, raw) for lab, raw in pairs if terms(lab) and set(terms(lab)) <= set(wanted)]
            if len(named) == 1:
                label, raw = named[0]
                return Draft(f"{title}: {label} = {raw} [{item.n}].")
        return None
