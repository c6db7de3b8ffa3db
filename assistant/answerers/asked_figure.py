"""The one figure of a sentence that a question asks for, among several.

A filing sentence often states several figures ("there was $60.3 million unrecognized stock-based
compensation expense of which $13.9 million is related to stock options and ESPP and $46.4 million is
related to RSUs"). Each figure owns the words between it and its neighbours, within its clause (commas
end a clause); a question word that only one figure's words hold tells that figure apart ("RSUs"). The
figure told apart by the most question words is the answer, when exactly one is. A prior period's
comparative ("(2018: $169)") answers only a question about that period, and a figure linked to another
period than the question's ("$299.3 million in 2019" for a question about 2018) is no candidate.

Example:
    >>> asked_figure("What was the unrecognized compensation expense related to RSUs?",
    ...              "There was $60.3 million of unrecognized compensation expense of which $13.9 million is related "
    ...              "to stock options and $46.4 million is related to RSUs.")
    '$46.4 million'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answerers.table_rows import question_years
from assistant.answerers.period_amount import owners_of
from assistant.lexical import terms

_SCALE = r"(?:\s?(?:thousand|million|billion|bn|m)\b)"
_FIGURE = re.compile(
    r"(?<![\w.$€£,])(?:(?:US|AU|S|HK|NZ|C|A)?[$€£]|(?:RMB|USD|EUR|GBP|INR|HKD|SGD)\s?)?\(?-?\d(?:[\d,]*\d)?(?:\.\d+)?\)?"
    rf"(?:\s?%|\sper ?cent\b|\s(?:percentage|basis) points?\b|{_SCALE}|\s(?:years?|months?|days?)\b)?(?![\w.]*\d)",
    re.I,
)
_YEAR = re.compile(r"\(?(?:19|20)\d{2}\)?")
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_MONTH_BEFORE = re.compile(rf"\b{_MONTH}\.?\s*$", re.I)
_MONTH_AFTER = re.compile(rf"^\s*{_MONTH}\b", re.I)
# "(2018: $169)", "(31 December 2018: £45.1 million)", "(2017/18: £(8.1m))"
_COMPARATIVE_HEAD = re.compile(r"\(([^():]{0,40}?(?:19|20)\d{2}(?:/\d{2})?):\s*$")
_NAMED = re.compile(r"\b[A-Z][a-z]+\s$")
_CLAUSE_END = re.compile(r",\s|;\s|:\s|\(|\)")
_MONEY = re.compile(r"[$€£]|RMB|USD|EUR|GBP|INR|HKD|SGD|thousand|million|billion|bn\b|\dm\b", re.I)
_PERCENT_WORDS = re.compile(r"%|per ?cent|points?$", re.I)
_ASKS_PERCENT = re.compile(r"\b(percent\w*|rate|margin|share|proportion|ownership|interest in)\b|%", re.I)
ASKS_DURATION = re.compile(r"\bhow long\b|\b(?:what|which) (?:duration|period of time|length of time)\b|\bhow many (?:years|months|days)\b", re.I)
_TIME_UNIT = re.compile(r"\s(?:years?|months?|days?)$", re.I)
ASKS_COUNT = re.compile(r"\bhow many\b|\bthe number of\b", re.I)
_DATE_TERM = re.compile(r"(?:19|20)\d{2}|\d{1,2}|jan\w*|feb\w*|mar\w*|apr\w*|may|jun\w*|jul\w*|aug\w*|sep\w*|oct\w*|nov\w*|dec\w*|fiscal|year|fy\d*")
_GENERIC = {"amount", "total", "value", "number", "much", "company", "group"}


@dataclass(frozen=True)
class _Figure:
    text: str
    start: int
    end: int
    period: str  # the period of a comparative "(2018: X)", else ''


def _figures(sentence: str) -> list[_Figure]:
    found = []
    for m in _FIGURE.finditer(sentence):
        text = m.group().strip()
        if text.count("(") > text.count(")") and sentence[m.end() : m.end() + 1] == ")":
            text += ")"  # "£(8.1m)"
        if text.count(")") > text.count("("):
            text = text.rstrip(")")
        if text.startswith("(") and text.count("(") > text.count(")"):
            text = text[1:]
        bare = text.strip("()")
        if _YEAR.fullmatch(bare) or _MONTH_BEFORE.search(sentence[: m.start()]) or _MONTH_AFTER.match(sentence[m.end() :]):
            continue  # a year, the day of a date
        if _NAMED.search(sentence[: m.start()]) and re.fullmatch(r"[\d,.]+", text):
            continue  # a number in a name: "Section 106", "Level 3", "Note 12"
        head = _COMPARATIVE_HEAD.search(sentence[: m.start()])
        found.append(_Figure(text, m.start(), m.start() + len(text), head.group(1) if head else ""))
    return found


def _clause(text: str, backwards: bool) -> str:
    """The words up to the first clause end (from the end of ``text`` when ``backwards``)."""
    parts = _CLAUSE_END.split(text)
    return parts[-1] if backwards else parts[0]


def asked_figure(question: str, sentence: str) -> str:
    """The figure of ``sentence`` that the question's words tell apart from the others, or ''."""
    years = question_years(question)
    figures = _figures(sentence)
    if ASKS_DURATION.search(question):
        figures = [f for f in figures if _TIME_UNIT.search(f.text)]
    elif _ASKS_PERCENT.search(question):
        figures = [f for f in figures if _PERCENT_WORDS.search(f.text)]
    elif ASKS_COUNT.search(question):
        figures = [f for f in figures if not _MONEY.search(f.text) and not _PERCENT_WORDS.search(f.text)]
    else:
        figures = [f for f in figures if not _PERCENT_WORDS.search(f.text)]
    named = {m.group().strip("$€£()%., ") for m in _FIGURE.finditer(question)}
    figures = [f for f in figures if f.text.strip("$€£()%., ") not in named]  # "Of the 50 restaurants acquired, how many ...?"
    comparatives = [f for f in figures if f.period and any(y in f.period or y[2:] == f.period[-2:] for y in years)]
    if len(comparatives) == 1:
        return comparatives[0].text  # "(2018: $169)" for a question about 2018
    figures = [f for f in figures if not f.period and not (years and owners_of(sentence, f.start, f.end) - set(years))]
    if len(figures) == 1:
        return figures[0].text
    if len(figures) < 2:
        return ""
    wanted = {t for t in terms(question) if not _DATE_TERM.fullmatch(t) and t not in _GENERIC}
    owned = []
    for i, figure in enumerate(figures):
        before = sentence[figures[i - 1].end if i else 0 : figure.start]
        after = sentence[figure.end : figures[i + 1].start if i + 1 < len(figures) else len(sentence)]
        owned.append(wanted & set(terms(_clause(before, True) + " " + _clause(after, False))))
    scores = [sum(1 for t in own if sum(t in other for other in owned) == 1) for own in owned]
    best = max(scores)
    return figures[scores.index(best)].text if best > 0 and scores.count(best) == 1 else ""
