"""The chart suite (``questions.jsonl`` rows ``{id, image: [...], question, answer, task, type}``).

Every image of a question is attached in order ("the first chart" is ``image[0]``), described
once per run (OCR + chart reader, one shared OCR reader), turned into evidence the way the
orchestrator does it, and the question is answered by :func:`answer_chart_question`, falling back
to the extractive answerer. Scoring: letters for multiple choice, numbers within 5% (years exactly),
normalised strings otherwise; a multi-part gold answer ``"3; 2"`` needs every part right.
``wrong_cited`` / ``abstained`` (:mod:`assistant.evaluation.items`): wrong answers that cite an image
/ no answer.

Example:
    >>> score_answer("The answer is 0.031 [1].", "0.03", "open-ended")
    True
    >>> score_answer("B [2]", "B", "multiple-choice")
    True
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.answerers.base import Draft
from assistant.answerers.chart_qa import answer_chart_question
from assistant.errors import BadInputError, ModalystError
from assistant.evaluation.items import ItemRecord, confidence_metrics, record
from assistant.evaluation.split import chart_unit, select
from assistant.settings import Settings
from assistant.types import Evidence, ImageDescription, Locator

logger = logging.getLogger(__name__)

NUMBER_TOLERANCE = 0.05
_MARK = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")
_YEAR = re.compile(r"(1[89]|20)\d\d")
_NUMBER = re.compile(r"[-−+]?\d[\d,]*(?:\.\d+)?|[-−+]?\.\d+")


def load_questions(
    suite_dir: Path, limit: int | None = None, task: str | None = None, split: str = "all"
) -> list[dict[str, Any]]:
    """The suite's rows in file order (only tasks starting with ``task`` when given, only the chart
    groups of ``split``, then the first ``limit``); a missing or malformed file, or a task filter
    matching nothing, is a bad input."""
    path = suite_dir / "questions.jsonl"
    try:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError) as exc:
        raise BadInputError(f"{path}: cannot read the chart questions ({exc})") from None
    if task:
        rows = [row for row in rows if str(row.get("task", "")).lower().startswith(task.lower())]
        if not rows:
            raise BadInputError(f"{path}: no question's task starts with {task!r}")
    rows = select(rows, lambda row: chart_unit(row.get("image") or []), split)
    return rows[:limit] if limit else rows


def image_evidence(descriptions: Sequence[ImageDescription]) -> list[Evidence]:
    """Numbered evidence from the attached images, as ``Assistant._image_evidence`` builds it."""
    from tools.describe_image import image_pieces

    items: list[Evidence] = []
    for desc in descriptions:
        name = Path(desc.path).name
        for text, bbox, spans in image_pieces(desc):
            items.append(Evidence(len(items) + 1, text, f"attachment:{name}", Locator(path=desc.path, bbox=bbox), 1.0, spans))
    return items


def answer(question: str, descriptions: Sequence[ImageDescription], evidence: Sequence[Evidence]) -> Draft:
    """The chart answerer's draft, or the extractive answerer's when it declines."""
    return answer_named(question, descriptions, evidence)[0]


def answer_named(
    question: str, descriptions: Sequence[ImageDescription], evidence: Sequence[Evidence]
) -> tuple[Draft, str]:
    """:func:`answer`'s draft and the name of what answered (``answer_chart_question`` or ``ExtractiveAnswerer``)."""
    draft = answer_chart_question(question, descriptions, evidence)
    if draft is not None:
        return draft, "answer_chart_question"
    from assistant.answerers.extractive import ExtractiveAnswerer

    return ExtractiveAnswerer().run(question, evidence, descriptions), "ExtractiveAnswerer"


def _clean(text: str) -> str:
    if re.match(r"\s*answer\s*:", text, flags=re.IGNORECASE):
        text = text.strip().splitlines()[0]  # the "Answer: …" line; lines after it show the working
    text = _MARK.sub(" ", text).strip()
    text = re.sub(r"^\s*answer\s*:\s*", "", text, flags=re.IGNORECASE)
    return text.strip().rstrip(".").strip()


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w.\-]+", " ", text.lower().replace("−", "-")).split()).strip(" .")


def _number(text: str) -> float | None:
    t = text.strip().replace("−", "-").replace(" ", "")
    match = re.fullmatch(r"([-+]?\d[\d,]*(?:\.\d+)?|[-+]?\.\d+)\s*(%|k|K|m|M|bn|B)?", t)
    if match:
        value = float(match.group(1).replace(",", ""))
        return value * {"k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6, "bn": 1e9, "B": 1e9}.get(match.group(2) or "", 1.0)
    power = re.fullmatch(r"([-+]?\d+(?:\.\d+)?)\^\{?([-+]?\d+)\}?", t)
    if power:
        return float(power.group(1)) ** float(power.group(2))
    return None


def _letter(text: str) -> str | None:
    found = re.findall(r"\b([A-H])\b", text)
    return found[0] if found else None


def _part_matches(predicted: str, gold: str) -> bool:
    gold = gold.strip()
    if re.fullmatch(r"[A-H]", gold):
        return _letter(predicted) == gold
    expected = _number(gold)
    if expected is not None:
        got = _number(predicted)
        if got is None:
            found = _NUMBER.findall(predicted)
            got = _number(found[0]) if len(found) == 1 else None
        if got is None:
            return False
        if _YEAR.fullmatch(gold):
            return got == expected  # a year is a label: 2017 is not "within 5%" of 2022
        return abs(got - expected) <= NUMBER_TOLERANCE * abs(expected) + 1e-9
    if _normal(predicted) == _normal(gold):
        return True
    items = lambda s: sorted(_normal(x) for x in s.split(","))  # noqa: E731
    return "," in gold and items(predicted) == items(gold)


def score_answer(predicted: str, gold: str, kind: str) -> bool:
    """True when ``predicted`` answers like ``gold``: every ``;``-separated part must match."""
    text = _clean(predicted)
    if kind == "multiple-choice" and re.fullmatch(r"[A-H]", gold.strip()):
        return _letter(text) == gold.strip()
    golds = [g for g in gold.split(";")] if ";" in gold else [gold]
    parts = [p for p in text.split(";")] if len(golds) > 1 else [text]
    return len(parts) == len(golds) and all(_part_matches(p, g) for p, g in zip(parts, golds))


def _prefix(task: str) -> str:
    return task.split("/")[0]


def constant_baseline(rows: Sequence[dict[str, Any]]) -> float:
    """The best share one constant answer scores on ``rows`` under :func:`score_answer` (numbers within
    5%, letters, lists in any order count as they do for real answers); candidates are the gold
    answers themselves and the letters A-D.

    Example:
        >>> constant_baseline([{"answer": "10", "type": "open-ended"}, {"answer": "10.3", "type": "open-ended"},
        ...                    {"answer": "B", "type": "multiple-choice"}])
        0.6667
    """
    if not rows:
        return 0.0
    candidates = list(dict.fromkeys([str(r["answer"]) for r in rows] + ["A", "B", "C", "D"]))
    best = max(sum(score_answer(c, str(r["answer"]), r["type"]) for r in rows) for c in candidates)
    return round(best / len(rows), 4)


def metrics_for(rows: Sequence[dict[str, Any]], correct: Sequence[bool]) -> dict[str, float]:
    """Accuracy overall, per task prefix, per task and per type, and constant-answer baselines."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        for key in (_prefix(row["task"]), row["task"], f"type.{row['type']}"):
            groups[key].append(i)
    out: dict[str, float] = {"accuracy": round(sum(correct) / len(rows), 4) if rows else 0.0}
    for key in sorted(groups):
        members = groups[key]
        out[f"accuracy.{key}"] = round(sum(correct[i] for i in members) / len(members), 4)
    for key in sorted(groups):
        out[f"constant_baseline.{key}"] = constant_baseline([rows[i] for i in groups[key]])
    return out


class _Describer:
    """Describes each image once per run with one shared OCR reader; records the seconds spent."""

    def __init__(self, settings: Settings, ocr_reader: Any = None) -> None:
        from tools.describe_image.ocr import make_ocr_reader

        self.settings = settings
        self.reader = ocr_reader if ocr_reader is not None else make_ocr_reader(settings)
        self.cache: dict[Path, ImageDescription] = {}
        self.seconds = 0.0

    def __call__(self, path: Path) -> ImageDescription:
        from tools.describe_image import describe_image

        if path not in self.cache:
            started = time.perf_counter()
            self.cache[path] = describe_image(path, self.settings, ocr_reader=self.reader)
            self.seconds += time.perf_counter() - started
        return self.cache[path]


def run(
    suite_dir: Path,
    settings: Settings,
    limit: int | None = None,
    task: str | None = None,
    ocr_reader: Any = None,
    split: str = "all",
    records: list[ItemRecord] | None = None,
) -> tuple[int, str, dict[str, float]]:
    """Answer and score the suite's questions (``task``: only tasks starting with it; ``split``: the chart
    groups of one half, :mod:`assistant.evaluation.split`); returns ``(n, backend, metrics)``, one record
    per question going to ``records``."""
    rows = load_questions(Path(suite_dir), limit, task, split)
    describe = _Describer(settings, ocr_reader)
    describe.reader.warm_up()
    correct: list[bool] = []
    done: list[ItemRecord] = []
    for row in rows:
        evidence: list[Evidence] = []
        warnings: list[str] = []
        by = ""
        try:
            descriptions = [describe(Path(suite_dir) / name) for name in row["image"]]
            evidence = image_evidence(descriptions)
            draft, by = answer_named(row["question"], descriptions, evidence)
            ok = score_answer(draft.text, str(row["answer"]), row["type"])
        except ModalystError as exc:
            logger.warning("%s: %s", row.get("id"), exc)
            draft, ok, warnings = Draft(""), False, [str(exc)]
        logger.debug("%s %s gold=%r", row.get("id"), "ok" if ok else "wrong", row["answer"])
        correct.append(ok)
        done.append(
            record(
                row.get("id", ""), row["question"], row["answer"], draft, ok, evidence, by,
                warnings, task=row.get("task"), type=row.get("type"), images=list(row.get("image") or []),
            )
        )  # fmt: skip
    metrics = metrics_for(rows, correct)
    metrics.update(confidence_metrics(done))
    if records is not None:
        records.extend(done)
    metrics["seconds_per_image"] = round(describe.seconds / len(describe.cache), 3) if describe.cache else 0.0
    backend = f"{describe.reader.name}+chart_reader+chart_qa"
    return len(rows), backend, metrics
