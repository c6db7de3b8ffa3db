"""Which names to give the speech decoder as hints: only those a first pass nearly heard.

A workspace's documents name many people, places and products; nearly all of them are never
spoken in a given recording, and given to Whisper as a prompt they push it into Title Case and
wrong words. So a recording is decoded first without them; a name becomes a hint only where the
first pass's words come close to it without already being it ("Gangisted" for "Gangestad",
"North Wind" for "Northwind"): a name already decoded right gains nothing from a hint. Hints are
passed as faster-whisper ``hotwords`` in their own casing, at most ``MAX_HINTS``, and the hinted
decoding may change only the words where it spells one of those names differently (:func:`splice`):
a hint can fix "North Wind" into "Northwind", never rewrite "$4.2 billion" or "we now expect".

Example:
    >>> heard(["Nicholas Gangestad", "Amazon Web Services", "Free Cash Flow"], "thanks nicholas gangisted and free cash flow")
    ['Nicholas Gangestad']
    >>> heard(["Northwind Instruments"], "joining the north wind instruments call")
    ['Northwind Instruments']
    >>> hint_line(["3M", "Inge Thulin", "3M"], ["Nicholas Gangestad"])
    '3M Inge Thulin Nicholas Gangestad'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from difflib import SequenceMatcher
from typing import TypeVar

T = TypeVar("T")

MAX_HINTS = 12  # hotwords per decoding: the user's terms and speakers first, then names heard
MIN_NAME_CHARS = 5  # shorter names (tickers, "AWS") are too close to ordinary words to match fuzzily
# Similarity (0-100, rapidfuzz's ratio: 2 * common characters / both lengths) a stretch of the first
# pass must reach to count as a near miss of a name; long names tolerate more (vowels misheard).
MIN_SCORE_SHORT = 86.0  # names of MIN_NAME_CHARS to 8 letters
MIN_SCORE_LONG = 76.0  # longer names
_WORD = re.compile(r"[^\W_]+(?:['’.&-][^\W_]+)*")

try:  # rapidfuzz is fast; difflib (standard library) gives close enough scores
    from rapidfuzz.fuzz import ratio as _ratio
    from rapidfuzz.process import extractOne as _extract_one
except ImportError:  # pragma: no cover - rapidfuzz comes with jiwer
    from difflib import SequenceMatcher

    def _ratio(a: str, b: str) -> float:
        return 100.0 * SequenceMatcher(None, a, b).ratio()

    _extract_one = None

MAX_EXTRA_WORDS = 2  # a spliced stretch: at most the name's words and this many more, on either side


def words_of(text: str) -> list[str]:
    """Lower-case words without punctuation (``"Gross-margin, 48%"`` → ``['gross-margin', '48']``)."""
    return [w.casefold() for w in _WORD.findall(text)]


class _Grams:
    """Runs of 1..n words of a text, spaced and unspaced, built once per text."""

    def __init__(self, words: Sequence[str]) -> None:
        self.words = list(words)
        self._runs: dict[int, tuple[list[str], list[str], set[str]]] = {}

    def runs(self, n: int) -> tuple[list[str], list[str], set[str]]:
        if n not in self._runs:
            spaced = [" ".join(self.words[i : i + n]) for i in range(len(self.words) - n + 1)]
            tight = [g.replace(" ", "") for g in spaced]
            self._runs[n] = (spaced, tight, set(spaced))
        return self._runs[n]


def _best(target: str, grams: list[str]) -> float:
    if _extract_one is not None:
        found = _extract_one(target, grams, scorer=_ratio)
        return float(found[1]) if found else 0.0
    return max((_ratio(target, g) for g in grams), default=0.0)


def _score(name: str, grams: _Grams) -> float:
    """Best similarity of ``name`` to a run of words of about its length; 100 only when the text
    holds it word for word ("north wind" for "Northwind" is a near miss, 99)."""
    target = " ".join(words_of(name))
    joined = target.replace(" ", "")
    size = len(target.split())
    best = 0.0
    for n in sorted({max(1, size - 1), size, size + 1}):
        spaced, tight, exact = grams.runs(n)
        if target in exact:
            return 100.0
        best = max(best, min(_best(target, spaced), 99.0), min(_best(joined, tight), 99.0))
    return best


def heard(names: Iterable[str], text: str, limit: int = MAX_HINTS) -> list[str]:
    """The names ``text`` nearly says but does not say exactly, closest first, at most ``limit``."""
    words = words_of(text)
    if not words:
        return []
    grams = _Grams(words)
    scored = []
    for name in dict.fromkeys(n.strip() for n in names if n and n.strip()):
        letters = len("".join(words_of(name)))
        if letters < MIN_NAME_CHARS:
            continue
        score = _score(name, grams)
        if score < 100.0 and score >= (MIN_SCORE_SHORT if letters <= 8 else MIN_SCORE_LONG):
            scored.append((-score, name))
    return [name for _, name in sorted(scored)[:limit]]


def hint_line(terms: Sequence[str], names: Sequence[str] = (), limit: int = MAX_HINTS) -> str | None:
    """The hotwords string: ``terms`` (always given) then ``names``, each once, at most ``limit``."""
    chosen = list(dict.fromkeys(t.strip() for t in (*terms, *names) if t and t.strip()))[:limit]
    return " ".join(chosen) or None


def splice(first: Sequence[T], hinted: Sequence[T], names: Sequence[str], text: Callable[[T], str] = str) -> tuple[list[T], int]:
    """``first`` (a first pass's words), with only the stretches where ``hinted`` (the decoding with
    hints) differs by spelling one of ``names`` taken from ``hinted``; returns them and how many
    stretches changed. ``text(unit)`` gives a unit's word.

    >>> splice("the North Wind call: $4 billion".split(), "the Northwind call: 4 billion dollars".split(), ["Northwind Instruments"])
    (['the', 'Northwind', 'call:', '$4', 'billion'], 1)
    """
    name_words = {w for n in names for w in words_of(n)}
    longest = max((len(words_of(n)) for n in names), default=0) + MAX_EXTRA_WORDS
    a = [" ".join(words_of(text(u))) for u in first]
    b = [" ".join(words_of(text(u))) for u in hinted]
    out: list[T] = []
    changed = 0
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        takes = tag != "equal" and i2 - i1 <= longest and j2 - j1 <= longest
        if takes and any(w in name_words for k in b[j1:j2] for w in k.split()):
            out.extend(hinted[j1:j2])
            changed += 1
        else:
            out.extend(first[i1:i2])
    return out, changed
