"""The one amount a sentence states for the period a question asks about.

A sentence often gives a figure for two periods ("improved from $62.6 million in FY18 to $85.1 million
in FY19", "$200 (December 31, 2018: $169)", "the rate for 2019 was 13.0% compared to 18.3% for 2018").
An amount belongs to a period only through a tight link: the period right after it ("X in 2019",
"X for the year ended December 31, 2019"), right before it ("for 2019 was X"), or a comparative
"(2018: X)". When exactly one amount is linked to the asked period, that amount is the answer.

Example:
    >>> amount_for_period("What was the underlying EBITDA in FY19?",
    ...                   "EBITDA improved from $62.6 million in FY18 to $85.1 million in FY19.", percent=False)
    '$85.1 million'
"""

from __future__ import annotations

import re

from assistant.answerers.table_rows import question_years

_AMOUNT = re.compile(
    r"(?<![\w.])(?:[$€£]|US\$|AU\$)\s?\(?\d[\d,]*(?:\.\d+)?\)?(?:\s?(?:thousand|million|billion|bn|m)\b)?"
    r"|(?<![\w.$,])\d[\d,]*(?:\.\d+)?\s?(?:thousand|million|billion)\b",
    re.I,
)
_PERCENT = re.compile(r"(?<![\w.$,])\d[\d,]*(?:\.\d+)?\s?(?:%|per ?cent\b)", re.I)
# a year (2019), or a fiscal year's short form (FY19, FY 2019, F19)
_PERIOD = re.compile(r"\bF(?:Y\s?)?'?(\d{2})\b|\b(?:FY\s?)?((?:19|20)\d{2})\b", re.I)
_MONTH_DAY = r"(?:[A-Z][a-z]+\.?\s+\d{1,2},?\s+|\d{1,2}\s+[A-Z][a-z]+\s+)?"
# amount, then these words, then the period: "$1.8 million for the year ended December 31, 2018"
_THEN_PERIOD = re.compile(
    rf"^\s*,?\s*(?:in|for|during|at|as of|as at|on)\s+(?:the\s+)?(?:(?:fiscal|financial)\s+)?"
    rf"(?:(?:year|quarter|period|month|half)s?\s+)?(?:(?:ended|ending)\s+)?(?:(?:fiscal|financial)\s+)?{_MONTH_DAY}$",
    re.I,
)
# the period, then these words, then the amount: "for 2019 was 13.0%", "2018: $169"
_PERIOD_THEN = re.compile(r"^\s*(?::|,)?\s*(?:(?:was|were|is|are|of|stood at|totall?ed|amounted to|reached)\s+)?(?:approximately\s+|about\s+)?$", re.I)


def _year(match: re.Match[str]) -> str:
    return match.group(2) or f"20{match.group(1)}"


def owners_of(sentence: str, start: int, end: int) -> set[str]:
    """The periods tightly linked to the figure at ``sentence[start:end]`` (see the module doc).

    >>> sorted(owners_of("It rose to $5 million in 2019 from $4 million in 2018.", 11, 21))
    ['2019']
    """
    periods = [(m.start(), m.end(), _year(m)) for m in _PERIOD.finditer(sentence)]
    after = [y for s, _, y in periods if s >= end and _THEN_PERIOD.match(sentence[end:s])]
    before = [y for _, e, y in periods if e <= start and _PERIOD_THEN.match(sentence[e:start])]
    return set(after[:1] + before[-1:])


def amount_for_period(question: str, sentence: str, percent: bool) -> str:
    """The amount (a percentage when ``percent``) linked to the one period the question names, or ''."""
    years = question_years(question)
    if len(years) != 1:
        return ""
    amounts = list((_PERCENT if percent else _AMOUNT).finditer(sentence))
    if len(amounts) < 2:
        return ""
    linked = []
    for amount in amounts:
        if owners_of(sentence, amount.start(), amount.end()) == {years[0]}:
            text = amount.group().strip()
            linked.append(text.rstrip(")") if text.count(")") > text.count("(") else text)
    return linked[0] if len(linked) == 1 else ""
