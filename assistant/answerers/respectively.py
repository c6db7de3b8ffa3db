"""Figures given per period with "respectively": which figure belongs to which period.

Filings write "We had $3.0 million and $1.2 million of accrued interest at December 31, 2019 and
2018, respectively" or "sales were $318,928, $296,316 and $18,951 in fiscal 2017, 2018 and 2019,
respectively". The periods are the years written in the sentence, in order; the figures are the
amounts (years left out), in order, in groups of as many as there are periods; the group whose
words before it share most with the question is the one asked about.

Example:
    >>> s = "We had $3.0 million and $1.2 million of accrued interest at December 31, 2019 and 2018, respectively."
    >>> respective_figures(s, "What was the accrued interest in 2018?")
    {'2019': '$3.0 million', '2018': '$1.2 million'}
"""

from __future__ import annotations

import re

from assistant.lexical import terms

_RESPECTIVELY = re.compile(r"\brespectively\b", re.I)
_YEAR = re.compile(r"(?<![\d,.$])(?:19|20)\d{2}(?!\d|,\d)")
_FIGURE = re.compile(
    r"(?<![\w.])[$€£]?\s?\(?-?\d(?:[\d,]*\d)?(?:\.\d+)?\)?(?:\s?%|\s(?:thousand|million|billion)\b|\s?(?:bn|m)\b)?", re.I
)


# a month's name (not "decreased", "market")
_MONTH_BEFORE = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s*$", re.I
)


def _figures(sentence: str) -> list[re.Match[str]]:
    """Amounts in order: years and the day of a date ("December 31") left out."""
    return [
        m
        for m in _FIGURE.finditer(sentence)
        if not _YEAR.fullmatch(m.group().strip()) and not _MONTH_BEFORE.search(sentence[: m.start()])
    ]


def respective_figures(sentence: str, question: str = "") -> dict[str, str]:
    """``{period: figure}`` for a "respectively" sentence, {} when the figures do not line up with
    the periods (a count that is not a multiple of the periods, fewer than two periods)."""
    if not _RESPECTIVELY.search(sentence):
        return {}
    years = list(dict.fromkeys(_YEAR.findall(sentence)))
    figures = _figures(sentence)
    if len(years) < 2 or not figures or len(figures) % len(years):
        return {}
    groups = [figures[i : i + len(years)] for i in range(0, len(figures), len(years))]
    wanted = set(terms(re.sub(r"\d", " ", question)))
    best, best_shared = groups[0], -1
    start = 0
    for group in groups:
        shared = len(wanted & set(terms(sentence[start : group[0].start()])))
        if shared > best_shared:
            best, best_shared = group, shared
        start = group[-1].end()
    return {year: m.group().strip() for year, m in zip(years, best)}
