"""Answer and retrieval metrics shared by the document suites (TAT-QA, FinanceBench).

* :func:`normalise_answer` / :func:`exact_match` / :func:`f1_score` follow the TAT-QA metric:
  lower case, punctuation and articles dropped, and every number written as a number
  (``$``, ``,``, ``%`` and ``(…)`` for negatives removed, rounded to two decimals and multiplied by
  its scale word: thousand, million, billion; ``percent`` leaves it as is). So ``"$1,496.5"`` with
  scale ``million`` and ``"1496.5 million"``-scaled predictions compare equal. Token F1 is zero when
  the gold answer holds numbers and the prediction holds none of them (TAT-QA's number check).
  Simplification: a multi-span gold answer is scored as one bag of its spans' tokens.
* :func:`numbers_match` checks that the gold numbers (years left out) appear in a prediction
  within a relative tolerance, with scale words (``13.2 billion``, ``$2,018mn``) applied on both sides.
* :func:`content_coverage` is the share of a gold answer's key content words found in a prediction.
* :func:`hit_at_k` is 1.0 when one of the first ``k`` ranked items is relevant.

Example:
    >>> normalise_answer("$1,496.5", "million")
    '1496500000.0000'
    >>> exact_match("1496.5", ["$1,496.5"], pred_scale="million", gold_scale="million")
    1.0
    >>> numbers_match("Adj. EBITDA was 2,018 million [3].", "AMCOR's Adj. EBITDA was $2,018mn in FY 2023")
    True
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence

from assistant.chunking import split_sentences
from assistant.lexical import terms
from assistant.numbers import parse_number

SCALES = {"": 1.0, "thousand": 1e3, "million": 1e6, "billion": 1e9, "percent": 1.0}
_SCALE_WORDS = {
    "thousand": 1e3, "thousands": 1e3, "k": 1e3,
    "million": 1e6, "millions": 1e6, "mn": 1e6, "m": 1e6, "mm": 1e6,
    "billion": 1e9, "billions": 1e9, "bn": 1e9, "b": 1e9,
}  # fmt: skip
_YEAR = re.compile(r"(?:19|20)\d{2}")
_ARTICLES = {"a", "an", "the"}
_PUNCT = set(string.punctuation) - {"-", "."}
_CITATION = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")
# a number, optionally followed (with or without a space) by a scale word
_NUMBER_WITH_SCALE = re.compile(
    r"(?<![\w.])(\(?[-−]?\$?\s?\d[\d,]*(?:\.\d+)?\)?|[-−]?\$?\.\d+)\s?%?\s?"
    r"(thousands?|millions?|billions?|mn|bn|mm|[kmb])?(?![a-z])",
    re.IGNORECASE,
)


def _number_string(value: float, scale: str) -> str:
    return f"{round(value, 2) * SCALES.get(scale, 1.0):.4f}"


def _tokens(text: str, scale: str = "") -> list[str]:
    text = _CITATION.sub(" ", str(text)).lower().replace("−", "-")
    out: list[str] = []
    for raw in text.split():
        value = parse_number(raw.strip(".;:"))
        if value is not None:
            out.append(_number_string(value, scale))
            continue
        word = "".join(ch for ch in raw if ch not in _PUNCT).strip(".-")
        if word and word not in _ARTICLES:
            out.append(word)
    return out


def normalise_answer(answer: str | float | Sequence[str | float], scale: str = "") -> str:
    """One normalised string per answer; a list of spans is sorted and joined (TAT-QA's convention)."""
    if isinstance(answer, (list, tuple)):
        return " ".join(sorted(normalise_answer(a, scale) for a in answer))
    if isinstance(answer, (int, float)):
        return _number_string(float(answer), scale)
    return " ".join(_tokens(answer, scale))


def exact_match(
    pred: str | float | Sequence[str | float],
    gold: str | float | Sequence[str | float],
    pred_scale: str = "",
    gold_scale: str = "",
) -> float:
    """1.0 when the normalised prediction equals the normalised gold answer (scales applied), else 0.0."""
    return float(normalise_answer(pred, pred_scale) == normalise_answer(gold, gold_scale) != "")


def _is_number_token(token: str) -> bool:
    return parse_number(token) is not None


def f1_score(
    pred: str | float | Sequence[str | float],
    gold: str | float | Sequence[str | float],
    pred_scale: str = "",
    gold_scale: str = "",
) -> float:
    """Numeracy-aware token F1 (TAT-QA): bag-of-tokens F1, zero when gold numbers are all missing."""
    predicted = normalise_answer(pred, pred_scale).split()
    wanted = normalise_answer(gold, gold_scale).split()
    if not predicted or not wanted:
        return 0.0
    gold_numbers = {t for t in wanted if _is_number_token(t)}
    if gold_numbers and not gold_numbers & set(predicted):
        return 0.0
    common = sum((Counter(predicted) & Counter(wanted)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(wanted)
    return 2 * precision * recall / (precision + recall)


def _numbers(text: str, years: bool = True) -> list[tuple[float, float]]:
    found = []
    for match in _NUMBER_WITH_SCALE.finditer(_CITATION.sub(" ", text)):
        value = parse_number(match.group(1))
        if value is None or (not years and _YEAR.fullmatch(match.group(1).strip()) and not match.group(2)):
            continue
        word = (match.group(2) or "").lower()
        found.append((value, value * _SCALE_WORDS.get(word, 1.0)))
    return found


def scaled_numbers(text: str) -> list[tuple[float, float]]:
    """Each number in ``text`` as ``(written value, value with its scale word applied)``.

    >>> scaled_numbers("$13.2 billion and 47 stores")
    [(13.2, 13200000000.0), (47.0, 47.0)]
    """
    return _numbers(text)


def key_numbers(gold: str) -> list[tuple[float, float]]:
    """The numbers a gold answer states in its first sentence, years left out (``FY 2023`` is a period;
    ``2,018`` with a comma is a figure). When the first sentence has none, the first number after it."""
    sentences = split_sentences(gold) or [gold]
    found = _numbers(sentences[0], years=False)
    if not found:
        found = [pair for s in sentences[1:] for pair in _numbers(s, years=False)][:1]
    return found


def _close(a: float, b: float, rel: float) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-12)


def numbers_match(pred_text: str, gold_text: str, rel: float = 0.01, key_only: bool = False) -> bool:
    """Whether every key gold number (or, with ``key_only``, the first one) is in the prediction within
    ``rel``. Written values and scaled values are both compared, so ``$13.2 billion`` matches ``13,200 million``;
    a sign difference is tolerated (``a decline of 0.6%`` vs ``-0.6%``). False when the gold has no number."""
    gold = key_numbers(gold_text)[: 1 if key_only else None]
    predicted = scaled_numbers(pred_text)
    if not gold:
        return False

    def found(pair: tuple[float, float]) -> bool:
        return any(
            _close(abs(g), abs(p), rel) for g in pair for q in predicted for p in q if g or p
        ) or any(g == 0 and q[0] == 0 for g in pair for q in predicted)

    return all(found(pair) for pair in gold)


def content_coverage(pred_text: str, gold_text: str, question: str = "") -> float:
    """Share of the gold answer's key content words (its first sentence's terms that the question does
    not already contain; all its terms when the question contains every one) present in the prediction."""
    sentences = split_sentences(gold_text) or [gold_text]
    gold_terms = set(terms(sentences[0]))
    key = gold_terms - set(terms(question)) or gold_terms
    if not key:
        return 0.0
    return len(key & set(terms(pred_text))) / len(key)


def hit_at_k(ranked: Sequence[object], relevant: Iterable[object], k: int) -> float:
    """1.0 when one of the first ``k`` ranked items is relevant, else 0.0.

    >>> hit_at_k([4, 7, 9], {9}, 2), hit_at_k([4, 7, 9], {9}, 3)
    (0.0, 1.0)
    """
    wanted = set(relevant)
    return float(any(item in wanted for item in list(ranked)[:k]))


def mean(values: Sequence[float]) -> float:
    """Arithmetic mean, 0.0 for no values."""
    return sum(values) / len(values) if values else 0.0
