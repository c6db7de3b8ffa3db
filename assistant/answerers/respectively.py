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


_NOTE_MARK = re.compile(r"\(\d{1,2}\)")
# the words just before a group of figures name what they are ("revenue from sales into Taiwan accounted for"):
# the group is the one whose nearest such words, found before no other group, the question shares
NAMING_WORDS = 8


def _figures(sentence: str) -> list[re.Match[str]]:
    """Amounts in order: years, the day of a date ("December 31") and a note marker opening the
    sentence ("(1)") left out."""
    return [
        m
        for m in _FIGURE.finditer(sentence)
        if not _YEAR.fullmatch(m.group().strip())
        and not _MONTH_BEFORE.search(sentence[: m.start()])
        and not (_NOTE_MARK.fullmatch(m.group().strip()) and not sentence[: m.start()].strip())  # "(1) During ..."
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
    wanted = set(terms(re.sub(r"\d", " ", question))) - {"respectively", "respective"}
    windows, start = [], 0
    for group in groups:
        words = sentence[start : group[0].start()].split()[-NAMING_WORDS:]
        windows.append([(set(terms(w)) & wanted, len(words) - i) for i, w in enumerate(words)])
        start = group[-1].end()
    best, best_key = groups[0], (-1.0, -1)
    for index, (group, window) in enumerate(zip(groups, windows)):
        elsewhere = set().union(*(found for other in windows[:index] + windows[index + 1 :] for found, _ in other))
        own = sum(1 / distance for found, distance in window for _ in found - elsewhere)
        key = (own, len(set().union(*(found for found, _ in window))))
        if key > best_key:
            best, best_key = group, key
    return {year: m.group().strip() for year, m in zip(years, best)}


_ASKS_RESPECTIVELY = re.compile(r",?\s*\brespectively\b", re.I)
_LISTED = re.compile(r",\s|\s(?:and|or)\s")


def respective_items(sentence: str, question: str) -> tuple[str, ...]:
    """The figures of a "respectively" sentence for the items a "respectively" question lists, when
    their counts match ("What was the federal, state and foreign tax credit carryforwards
    respectively?" over "... of $41.8 million, $86.3 million and $5.7 million, respectively"), else ().

    >>> respective_items("We expect payments of $14.2 million and $10.8 million to our pension and postretirement plans, respectively.",
    ...                  "How much will the company pay to its pension and postretirement plans, respectively?")
    ('$14.2 million', '$10.8 million')
    """
    if not (_RESPECTIVELY.search(sentence) and _ASKS_RESPECTIVELY.search(question)):
        return ()
    items = 1 + len(_LISTED.findall(_ASKS_RESPECTIVELY.sub("", question)))
    figures = [m.group().strip() for m in _figures(sentence)]
    return tuple(figures) if 2 <= len(figures) == items else ()
