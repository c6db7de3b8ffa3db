"""The clause of a sentence that answers a question: the sentence without the words that only echo the
question.

A filing sentence restates the question around its answer: "The Group operates defined benefit
indemnity plans in Greece and Turkey" answers "Which countries does the group operate defined benefit
indemnity plans in?" with the words after the echo. The echo is a run of the question's own words (with
function words between them); the run that repeats most of the question anchors the answer, which is
the text after it up to the next echo of two or more question words ("..., the United States and the
Group operates defined benefit indemnity plans in ..."), or, when the echo closes the sentence ("To
assess ..., we analyse net debt as a proportion of EBITDA"), the text before it.

Example:
    >>> answer_clause("Which countries does the group operate defined benefit indemnity plans in?",
    ...               "The Group operates defined benefit schemes in Germany and the Group operates defined benefit indemnity plans in Greece and Turkey.")
    'Greece and Turkey'
"""

from __future__ import annotations

import re
import math
from dataclasses import dataclass

from assistant.lexical import root, terms

# a figure opening the answer, after an "approximately" that the answer leaves out
_LEADING_FIGURE = re.compile(
    r"^(?:(?:approximately|about|around)\s)?"
    r"((?:(?:US|AU|S|HK|C|A)?[$€£]|(?:RMB|USD|EUR|GBP|INR|HKD|SGD)\s?)?\(?-?\d[\d,]*(?:\.\d+)?\)?(?:%|\sper ?cent\b)?"
    r"(?:\s?(?:thousand|million|billion|bn|m)\b)?(?:\s(?:years?|months?|days?|cents?|pence)\b)?)(?=[\s,;]|$)",
    re.I,
)
NOT_AMOUNT = re.compile(
    r"\b(reasons?|caus\w*|why|purpose|impact\w*|effects?|nature|basis|method|defin\w*|consist\w*|include\w*|comprise\w*|due to|date|when)\b"
    r"|\bhow\b(?! much| many)|\brelat\w* to\W*$",
    re.I,
)
_OWED = re.compile(r"\b(amounts?|balances?|receivables?|payables?)\s+due\s+(?:to|from)\b", re.I)
_HOW_MUCH = re.compile(r"^\s*how (?:much|many)\b", re.I)


def not_amount(question: str) -> bool:
    """Whether a question asks for something other than an amount (a reason, a method, a date); "How
    much ...?" always asks for one, and "the amount due to related parties" names no cause.

    >>> not_amount("What was the amount due to related parties in 2018?"), not_amount("Why did revenue rise?")
    (False, True)
    """
    return not _HOW_MUCH.search(question) and bool(NOT_AMOUNT.search(_OWED.sub(r"\1", question)))


# a prior period's figure after the answer: "£59.1m (2018: £56.5m)"
_COMPARATIVE = re.compile(r"\s*\((?:19|20)\d{2}:[^()]*\)\s*$")
# note markers and connectives that open a sentence without being part of any answer
_LEAD_IN = re.compile(
    r"^(?:\(\w{1,4}\)\s*|(?:in addition|additionally|overall|furthermore|moreover|also|however|as a result|accordingly|therefore|thus|as such|specifically),\s*)+",
    re.I,
)
# an opening phrase of time or place before the sentence's subject: "During fiscal 2019, ", "On 27 May 2019, "
_INTRO = re.compile(r"^(during|in|on|as of|as at|at|for|through|since|effective(?: as of)?|beginning(?: in| on)?)\s+((?:[^,]|,\s?(?=(?:19|20)\d{2}\b)){2,60}),\s+", re.I)
_WHEN_QUESTION = re.compile(r"^\s*(when|on what date|what date|in (?:which|what) (?:period|quarter|month))\b|\bwhat was the date\b", re.I)
_DATE_WORD = re.compile(
    r"(?:19|20)\d{2}|\d{1,2}|jan\w*|feb\w*|mar\w*|apr\w*|may|jun\w*|jul\w*|aug\w*|sep\w*|oct\w*|nov\w*|dec\w*|"
    r"year|quarter|month|fiscal|fy\d*|first|second|third|fourth|half|end|period|date|ended|end\w*",
    re.I,
)
AMOUNT_QUESTION = re.compile(r"^\s*(?:how much|what (?:is|was|are|were) (?:the )?)", re.I)
_FIGURE = re.compile(r"\d")
REASON_QUESTION = re.compile(r"^\s*(?:(?:in|during|for) [^,?]{2,30},\s*)?(why|what (drove|caused|led to|contributed to)|what (is|was|were|are) the (main |primary )?(reasons?|drivers?|causes?))\b", re.I)
CAUSE = re.compile(
    r"\b(?:(?:primarily|mainly|largely|partly|principally|partially) )?(?:due to|driven by|as a result of|attributable to|because of|resulting from|caused by|benefit+ing from|owing to|thanks to)\b",
    re.I,
)
_CAUSE_FIRST = re.compile(rf"^(?:{CAUSE.pattern})", re.I)
# the verb that links an echoed subject to its answer: "represents", "is comprised of", "results from"
_LINKING = re.compile(
    r"^(?:(?:is|are|was|were|has been|have been|had been|can be|will be)\s+)?(?:(?:primarily|mainly|principally|generally|largely|significantly)\s+)?"
    r"(?:represents?|consists?\s+of|comprised\s+of|results?\s+from|refers?\s+to|relates?\s+to|related\s+to|based\s+(?:up)?on|"
    r"defined\s+as|classified\s+as|calculated\s+as|influenced\s+by|describes?)\s+"
    r"|^(?:primarily|mainly|principally|largely)\s+(?:of|by)\s+",  # "(is comprised) primarily of ..."
    re.I,
)
# an answer that opens on an absence ("there were no uncertain tax positions that resulted") is the whole sentence
_MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
# a date opening the answer to "When ...?": "effective January 1, 2018 using the modified retrospective method"
_OPENING_DATE = re.compile(
    rf"^(?:(?:effective|on|in|as of|since|from|beginning)\s+)?({_MONTHS}\s+\d{{1,2}},\s+(?:19|20)\d{{2}}|\d{{1,2}}\s+{_MONTHS}\s+(?:19|20)\d{{2}}|{_MONTHS}\s+(?:19|20)\d{{2}})\b"
)
_WHO_QUESTION = re.compile(r"^\s*who\b", re.I)
# what follows the name that answers "Who ...?": "the Board of Directors | on 6 June 2019 and authorised for issue"
_WHO_TAIL = re.compile(rf"\s(?:on|in|at|during|since|from)\s(?=\d|{_MONTHS})|,\s|\s(?:and|who|which|that)\s(?=[a-z]+ed\b)")
# the verb after a sentence's subject
_AUXILIARY = re.compile(r"\s(?:is|are|was|were|has|have|had|will|would|serves?|served)\b")
# a name that answers "Who ...?" before the echo of the question has at most this many words
MAX_NAME = 6
_NONE = re.compile(r"^(?:\S+\s+){0,3}(?:no|none|nil)\b(?!\.)", re.I)
# a closing aside: ", which varies from 2 to 10 years", "(subject, at Lamb Weston's option, to extension ...)"
_ASIDE = re.compile(r",\s(?:which|each of which)\s(?:varies|vary|ranges?)\b[^,;]*$|\s\((?:subject|excluding|including|see|refer)\b[^()]*\)$", re.I)
# a sentence that ends inside a quotation ('under the symbol “LWAY.” Trading commenced ...') ends the answer
_QUOTED_STOP = re.compile(r"(?<=[.!?][”\"’])\s+(?=[A-Z])")
_CONTRAST = re.compile(r",\s(?:while|whereas|but|although|which will)\s|;\s(?:therefore|thus|however|accordingly|as a result)\b", re.I)
# words that join an echo of the question without adding to it ("has", "also")
_WEAK = {"has", "have", "had", "also", "s"}
# an echo of this many question words after the answer closes it
ECHO_CLOSES = 2
# a later echo anchors the answer only when it repeats at least this share of the question's words
ANCHOR_SHARE = 0.6
# an answer before a closing echo is taken only when it has at least this many words ("recognized" is no answer)
MIN_BEFORE = 4
# nor one word between an echo and the next ("generally" before ", for two years ...")
MIN_AFTER = 2
# a yes/no question is answered with the whole sentence that settles it
_YES_NO = re.compile(r"^\s*(?:is|are|was|were|did|does|do|has|have|had|can|will)\b", re.I)


@dataclass(frozen=True)
class _Echo:
    start: int  # first word of the run (function words before its first question word included)
    end: int  # one past its last word (function words after its last question word included)
    asked: int  # distinct question words it repeats
    opened: bool  # whether it opens with a function word ("and the Group ...", "to record ...")


def _kinds(asked: set[str], words: list[str]) -> list[frozenset[str] | None]:
    """Per word: the question words it repeats (empty for a function word), None for a new word."""
    kinds: list[frozenset[str] | None] = []
    for word in words:
        found = frozenset(root(t) for t in terms(_plain(word)) if t not in _WEAK)
        kinds.append(found if found <= asked else None)
    return kinds


def _echoes(kinds: list[frozenset[str] | None]) -> list[_Echo]:
    """Runs of question and function words holding at least one question word."""
    echoes: list[_Echo] = []
    start, seen = 0, set()
    for i, kind in enumerate(kinds + [None]):
        if kind is None:
            if seen:
                echoes.append(_Echo(start, i, len(seen), not kinds[start]))
            start, seen = i + 1, set()
        else:
            seen |= kind
    return echoes


def _later_anchor(asked: set[str], echoes: list[_Echo], leading: _Echo | None) -> _Echo | None:
    """An echo after the opening one that repeats most of the question, and more of it than the
    opening one does ("... and the Group operates defined benefit indemnity plans in Greece and Turkey")."""
    floor = max(ECHO_CLOSES, (leading.asked + 2 if leading else 0), math.ceil(ANCHOR_SHARE * len(asked)))
    later = [e for e in echoes if e is not leading and e.asked >= floor]
    return max(later, key=lambda e: e.asked, default=None)


def _closes(asked: set[str], echo: _Echo, n_words: int) -> bool:
    """Whether an echo after the answer ends it: one that closes the sentence ("... to record its
    revenue"), or one that restates much of the question ("and the Group operates defined benefit").
    It must open with a function word: "operating expenses in the consolidated statement" goes on the
    answer's own phrase."""
    return echo.opened and echo.asked >= ECHO_CLOSES and (echo.end >= n_words or echo.asked >= max(3, math.ceil(len(asked) / 2)))


def _around(asked: set[str], words: list[str], echoes: list[_Echo], anchor: _Echo) -> str:
    """The words after an echo up to the next echo that closes them; when the echo ends the sentence,
    the words before it (from the previous closing echo on)."""
    stop = next((e.start for e in echoes if e.start > anchor.end and _closes(asked, e, len(words))), len(words))
    if anchor.end < len(words):
        return " ".join(words[anchor.end : stop]) if stop - anchor.end >= MIN_AFTER or stop == len(words) else ""
    begin = max((e.end for e in echoes if e.end <= anchor.start and _closes(asked, e, len(words))), default=0)
    return " ".join(words[begin : anchor.start]) if anchor.start - begin >= MIN_BEFORE else ""


def answer_clause(question: str, sentence: str) -> str:
    """The part of a sentence that answers (see :func:`_clause`); the whole sentence when that part
    opens on an absence ("there were no ...", "the Company had no ..."); for "When ...?", the date that
    opens it.

    >>> answer_clause("What was the adjustment to the provision in 2019?", "In 2019, there were no positions that resulted in any adjustment to the provision.")
    'In 2019, there were no positions that resulted in any adjustment to the provision'
    >>> answer_clause("When did the company adopt ASC 606?", "The Company adopted ASC 606 effective January 1, 2018 using the modified retrospective method.")
    'January 1, 2018'
    """
    clause = _clause(question, sentence)
    if _NONE.match(clause) and clause != sentence.strip().rstrip(".!?"):
        return _LEAD_IN.sub("", sentence.strip()).rstrip(".!?")
    date = _OPENING_DATE.match(clause) if _WHEN_QUESTION.search(question) else None
    if date:
        return date.group(1)
    if _WHO_QUESTION.search(question):
        return _WHO_TAIL.split(clause, maxsplit=1)[0].strip(" ,") or clause
    return clause


def _clause(question: str, sentence: str) -> str:
    """The part of a sentence that answers: the sentence without the words that only restate the
    question (see the module doc), its opening lead-in and a trailing contrast (", while ...").
    A figure right after the restated part is the answer by itself (with its scale word).

    >>> answer_clause("What do capital leases reflect?", "Capital leases reflect building and office equipment lease obligations.")
    'building and office equipment lease obligations'
    >>> answer_clause("How many PSUs were granted in December 2019?", "In December 2019, we granted 375,000 PSUs with targets.")
    '375,000'
    >>> answer_clause("What does the company rely on to record its revenue?", "The Company relies on royalty reports from licensees to record its revenue.")
    'royalty reports from licensees'
    """
    asked = {root(t) for t in terms(_plain(question))}
    sentence = _LEAD_IN.sub("", sentence.strip())  # "(2) ...", "In addition, ..."
    intro = _INTRO.match(sentence)
    if intro and _WHEN_QUESTION.search(question) and _DATE_WORD.search(intro.group(2)):
        return intro.group(2).strip()  # "When did ...?" over "On 27 May 2019, the Group completed ..."
    restated = False
    if intro and all(root(t) in asked or _DATE_WORD.fullmatch(t) for t in terms(intro.group(2))):
        sentence = sentence[intro.end() :]  # "During the second quarter of fiscal 2019, we ..." restates the question's time
        restated = True
    whole = sentence.strip().rstrip(".!?")
    words = whole.split()
    kinds = _kinds(asked, words)
    echoes = _echoes(kinds)
    if _YES_NO.search(question) or whole.endswith(":"):  # a yes/no question, a table's introduction
        echoes = echoes[:1]
    leading = echoes[0] if echoes and echoes[0].start == 0 else None
    if leading is None and not restated:
        anchor = _later_anchor(asked, echoes, None)
        if anchor is None or (_FIGURE.search(whole) and AMOUNT_QUESTION.search(question)):
            return whole
        subject = _AUXILIARY.split(" ".join(words[: anchor.start]), maxsplit=1)[0]
        if _WHO_QUESTION.search(question) and 0 < len(subject.split()) <= MAX_NAME:
            return subject  # "Deloitte was appointed as intu's external auditor ..." answers "Who is intu's external auditor?"
        rest = _trim(_around(asked, words, echoes, anchor))
        if _CAUSE_FIRST.match(rest) and not REASON_QUESTION.search(question):
            return whole  # "The increase in interest income is due to ..." does not say what interest income was
        return rest or whole
    if leading:
        rest = _around(asked, words, echoes, leading)
    else:  # restated by its opening phrase: "As of December 31, 2019, there was $1.1 billion ..."
        rest = " ".join(words[next((i for i, k in enumerate(kinds) if k != frozenset()), 0) :])
    figure = _LEADING_FIGURE.match(rest)
    if figure and not not_amount(question):  # "comprises a 32.4 per cent holding in ..." is not an amount
        return figure.group(1).strip(" ,")
    anchor = None if _FIGURE.search(rest) and AMOUNT_QUESTION.search(question) else _later_anchor(asked, echoes, leading)
    if anchor is not None:
        rest = _around(asked, words, echoes, anchor)
    return _trim(rest) or whole


def _trim(rest: str) -> str:
    """The answer without a trailing contrast or comparative and without an opening linking verb."""
    rest = _QUOTED_STOP.split(rest, maxsplit=1)[0]
    rest = _COMPARATIVE.sub("", _CONTRAST.split(rest, maxsplit=1)[0]).strip(" ,;:")
    rest = _ASIDE.sub("", rest).strip(" ,;:") or rest
    linked = _LINKING.match(rest)
    return rest[linked.end() :] if linked and len(rest) - linked.end() > 2 else rest


def _plain(text: str) -> str:
    """Curly apostrophes made straight and possessive 's dropped, so "Company’s" meets "company's"."""
    return re.sub(r"['’]s\b", "", text.replace("’", "'"))
