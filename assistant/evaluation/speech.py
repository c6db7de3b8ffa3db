"""Speech suites: ``manifest.jsonl`` rows ``{id, audio, reference}``; scored by WER and real-time factor.

WER is computed with jiwer over normalised text (case, punctuation, hyphens, whitespace,
contractions, and numbers spelled out, so "25%" and "twenty-five percent" compare equal). Both sides
get the same treatment; written and spoken forms of one figure compare equal ("$0.40" and "40
cents", "2% to 5%" and "2 to 5%"), and so do the closed, open and hyphenated spellings of one
compound ("restocking", "re-stocking"), so WER counts words heard wrong, not a transcriber's house
style.

Example:
    >>> normalise_text("Sales grew 4.6%, to $7.7 billion.")
    'sales grew four point six percent to seven point seven billion dollars'
"""

from __future__ import annotations

import json
import logging
import re
import time
from pathlib import Path
from typing import Any

import jiwer

from assistant.errors import BadInputError
from assistant.evaluation.split import select
from tools.transcribe import Transcriber

logger = logging.getLogger(__name__)

MANIFEST = "manifest.jsonl"

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"), (100, "hundred"))
_ORDINAL_ENDINGS = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
                    "nine": "ninth", "twelve": "twelfth"}


def number_words(n: int) -> str:
    """Spell a non-negative integer: 1234 -> 'one thousand two hundred thirty four'."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")
    for size, word in _SCALES:
        if n >= size:
            head, rest = divmod(n, size)
            return f"{number_words(head)} {word}" + (f" {number_words(rest)}" if rest else "")
    raise AssertionError("unreachable")


def _ordinal_words(n: int) -> str:
    words = number_words(n).split()
    last = words[-1]
    if last in _ORDINAL_ENDINGS:
        words[-1] = _ORDINAL_ENDINGS[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def _spell_number(match: re.Match[str]) -> str:
    whole, fraction = match.group("whole").replace(",", ""), match.group("fraction")
    if len(whole) > 15:
        return " ".join(_ONES[int(d)] for d in whole)
    words = number_words(int(whole))
    if fraction:
        words += " point " + " ".join(_ONES[int(d)] for d in fraction)
    return f" {words} "


_MONEY = re.compile(r"\$\s*(?P<amount>\d[\d,]*(?:\.\d+)?)(?P<scale>\s+(?:thousand|million|billion|trillion))?", re.I)
_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b", re.I)
_NUMBER = re.compile(r"(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<fraction>\d+))?")


# "$300 to $500 million" is "$300 million to $500 million": the scale of a range's end applies to its start.
_MONEY_RANGE = re.compile(r"\$\s*(?P<a>\d[\d,]*(?:\.\d+)?)(?P<mid>\s+(?:to|and)\s+\$?\s*\d[\d,]*(?:\.\d+)?\s+(?P<scale>thousand|million|billion|trillion))\b", re.I)
_CENTS = re.compile(r"\$\s*0?\.(?P<cents>\d\d)\b(?!\s+(?:thousand|million|billion|trillion))", re.I)
# Spelling variants and singular/plural units that say the same thing; applied to both sides.
_VARIANTS = {"healthcare": "health care", "healthcares": "health cares", "cent": "cents", "dollar": "dollars",
             "okay": "ok", "alright": "all right"}
_NUMBER_WORD = (r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
                r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|"
                r"ninety|hundred|thousand|point)")
_UNIT = r"(?:(?:thousand |million |billion |trillion )?(?:dollars|cents)|percent(?: points?)?|thousand|million|billion|trillion)"
# "2% to 5%" and "2 to 5%" are said alike: a range repeats its unit only at the end.
_UNIT_RANGE = re.compile(rf"\b(?P<a>{_NUMBER_WORD}(?: {_NUMBER_WORD})*) (?P<unit>{_UNIT}) (?P<join>to|and) "
                         rf"(?P<b>{_NUMBER_WORD}(?: {_NUMBER_WORD})*) (?P=unit)\b")


# Contractions are spelled out ("there'll" and "there will" are one utterance). "'s" and "'d" are
# left alone: each stands for several words ("is"/"has", "would"/"had") or a possessive.
_CONTRACTIONS = ((re.compile(r"\bwon't\b"), "will not"), (re.compile(r"\bcan't\b|\bcannot\b"), "can not"),
                 (re.compile(r"n't\b"), " not"), (re.compile(r"'ll\b"), " will"), (re.compile(r"'re\b"), " are"),
                 (re.compile(r"'ve\b"), " have"), (re.compile(r"\bi'm\b"), "i am"))
# A compound is joined only when both parts and the whole are this long: "in to" stays apart.
COMPOUND_MIN_PART = 2
COMPOUND_MIN_WORD = 6


def _words(text: str) -> str:
    """Word-level canonical forms: spelling variants, repeated units in ranges, doubled currency."""
    words = " ".join(_VARIANTS.get(w, w) for w in text.split())
    words = re.sub(r"\b(dollars|cents|percent)(?: \1\b)+", r"\1", words)
    while (collapsed := _UNIT_RANGE.sub(r"\g<a> \g<join> \g<b> \g<unit>", words)) != words:
        words = collapsed
    return words


def normalise_text(text: str) -> str:
    """Lowercase; spell numbers, %, $ and &; drop apostrophes and punctuation; hyphens become spaces.

    Number formats compare equal: "$0.40" and "40 cents", "2% to 5%" and "2 to 5 percent",
    "$300 million to $500 million" and "300 to 500 million dollars", "healthcare" and "health care".
    """
    out = text.lower().replace("’", "'").replace("‘", "'")
    for pattern, full in _CONTRACTIONS:
        out = pattern.sub(full, out)
    out = re.sub(r"\b[a-z](?:\.[a-z])+\b\.?", lambda m: m.group(0).replace(".", ""), out)  # u.s. -> us
    out = _MONEY_RANGE.sub(lambda m: f"${m.group('a')} {m.group('scale')}{m.group('mid')}", out)
    out = _CENTS.sub(lambda m: f" {int(m.group('cents'))} cents ", out)
    out = _MONEY.sub(lambda m: f" {m.group('amount')}{m.group('scale') or ''} dollars ", out)
    out = out.replace("%", " percent ").replace("&", " and ")
    out = _ORDINAL.sub(lambda m: f" {_ordinal_words(int(m.group(1)))} ", out)
    out = _NUMBER.sub(_spell_number, out)
    out = out.replace("'", "")
    out = re.sub(r"[^\w\s]|_", " ", out)  # punctuation and hyphens become spaces
    return _words(" ".join(out.split()))


def _joined(words: list[str], vocabulary: set[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        if i + 1 < len(words):
            first, second = words[i], words[i + 1]
            whole = first + second
            if min(len(first), len(second)) >= COMPOUND_MIN_PART and len(whole) >= COMPOUND_MIN_WORD and whole in vocabulary:
                out.append(whole)
                i += 2
                continue
        out.append(words[i])
        i += 1
    return out


def join_compounds(reference: str, hypothesis: str) -> tuple[str, str]:
    """Two normalised words written as one word on the other side are joined ("company wide" and
    "companywide", "re stocking" and "restocking"): a compound's spelling is house style, not hearing.

    Example:
        >>> join_compounds("a company wide push", "a companywide push")
        ('a companywide push', 'a companywide push')
    """
    ref_words, hyp_words = reference.split(), hypothesis.split()
    return " ".join(_joined(ref_words, set(hyp_words))), " ".join(_joined(hyp_words, set(ref_words)))


def read_manifest(suite_dir: Path) -> list[dict[str, Any]]:
    """Rows of ``suite_dir/manifest.jsonl``; a row without "audio" or "reference" is a BadInputError."""
    path = Path(suite_dir) / MANIFEST
    rows: list[dict[str, Any]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise BadInputError(f"{path}: cannot read speech manifest ({exc.strerror})") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadInputError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
        if not isinstance(row, dict) or "audio" not in row or "reference" not in row:
            raise BadInputError(f"{path}:{number}: a speech manifest row needs 'audio' and 'reference'")
        rows.append(row)
    return rows


def is_speech_suite(suite_dir: Path) -> bool:
    """True when ``suite_dir/manifest.jsonl`` exists and its first row has "audio" and "reference"."""
    path = Path(suite_dir) / MANIFEST
    if not path.is_file():
        return False
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    row = json.loads(line)
                    return isinstance(row, dict) and "audio" in row and "reference" in row
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return False


def word_error_rate(references: list[str], hypotheses: list[str]) -> float:
    """Corpus WER over normalised texts, compounds joined per pair (errors summed over all items /
    reference words)."""
    pairs = [join_compounds(normalise_text(r), normalise_text(h)) for r, h in zip(references, hypotheses, strict=True)]
    pairs = [(r, h) for r, h in pairs if r]
    if not pairs:
        raise BadInputError("no non-empty reference text to score")
    refs, hyps = zip(*pairs, strict=True)
    return float(jiwer.wer(list(refs), list(hyps)))


def recording_unit(suite_dir: Path, row: dict[str, Any]) -> str:
    """The recording a clip belongs to, the unit of the tune/check split: clips cut from one recording
    (rows naming a ``speaker``, as the earnings-call folders) are one unit, the folder's name, so a whole
    call lies in one half; otherwise the row's own id."""
    if "speaker" in row:
        return Path(suite_dir).resolve().name
    return str(row.get("id", row["audio"]))


def run_speech_suite(
    suite_dir: Path, transcriber: Transcriber, limit: int | None = None, split: str = "all"
) -> dict[str, Any]:
    """Transcribe each clip of the suite (of ``split``'s recordings) one at a time; returns ``{wer, rtf, n, items}``.

    ``rtf`` is total processing seconds (decode + transcribe) over total audio seconds.
    """
    suite_dir = Path(suite_dir)
    rows = read_manifest(suite_dir)
    if not rows:
        raise BadInputError(f"{suite_dir}: speech manifest has no rows")
    rows = select(rows, lambda row: recording_unit(suite_dir, row), split)[: limit if limit is not None else None]
    if not rows:
        raise BadInputError(f"{suite_dir}: no recording of this suite is in the {split} half (a whole call is one unit)")
    transcriber.warm_up()
    items: list[dict[str, Any]] = []
    for row in rows:
        started = time.perf_counter()
        transcript = transcriber.run(suite_dir / str(row["audio"]))
        seconds = time.perf_counter() - started
        reference = str(row["reference"])
        item_wer = word_error_rate([reference], [transcript.text]) if normalise_text(reference) else None
        items.append(
            {
                "id": str(row.get("id", row["audio"])),
                "reference": reference,
                "hypothesis": transcript.text,
                "wer": item_wer,
                "seconds": seconds,
                "audio_seconds": transcript.duration,
            }
        )
        logger.info("%s: wer=%s %.2fs for %.2fs audio", items[-1]["id"], item_wer, seconds, transcript.duration)
    total_audio = sum(i["audio_seconds"] for i in items)
    return {
        "wer": word_error_rate([i["reference"] for i in items], [i["hypothesis"] for i in items]),
        "rtf": sum(i["seconds"] for i in items) / total_audio if total_audio else 0.0,
        "n": len(items),
        "items": items,
    }
