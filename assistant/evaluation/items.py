"""Per-item records of an eval run (``modalyst eval ... --out ITEMS.jsonl``) and the confident-wrong metrics.

Every answer-scored suite builds one :class:`ItemRecord` per question, whether or not ``--out`` is
given, and reports from them:

* ``wrong_cited``: the share of items answered with at least one citation (a ``[n]`` mark naming
  an evidence item) and scored wrong: the answers a reader would trust and should not.
* ``abstained``: the share of items the answerer declined (:data:`NOT_FOUND` or an empty answer).

A record's ``by`` is the skill that answered when the draft names one (``Draft.by``), else null;
``answerer`` is the class of the answerer that was run.

Example:
    >>> from assistant.types import Locator
    >>> ev = [Evidence(1, "Revenue was 5.", "s", Locator("a.pdf", page=2), 1.0)]
    >>> r = record("q1", "What was revenue?", "6", Draft("Revenue was 5 [1]."), False, ev, "ExtractiveAnswerer")
    >>> r.cited, confidence_metrics([r])
    ([{'path': 'a.pdf', 'page': 2}], {'wrong_cited': 1.0, 'abstained': 0.0})
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.answerers.base import NOT_FOUND, Draft
from assistant.citations import cited_numbers
from assistant.errors import BadInputError
from assistant.types import Evidence


@dataclass(frozen=True)
class ItemRecord:
    """One scored item: what was asked, the gold answer, what was answered and whether it was right."""

    id: str
    question: str
    gold: Any
    answer: str
    correct: bool
    cited: list[dict[str, Any]] = field(default_factory=list)
    answerer: str = ""
    by: str | None = None
    warnings: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def abstained(self) -> bool:
        return not self.answer.strip() or self.answer.strip().startswith(NOT_FOUND)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(data.pop("extra"))
        return data


def record(
    item_id: str,
    question: str,
    gold: Any,
    draft: Draft,
    correct: bool,
    evidence: Sequence[Evidence],
    answerer: str,
    warnings: Sequence[str] = (),
    **extra: Any,
) -> ItemRecord:
    """The record of one answered item; ``cited`` holds the locators of the evidence its marks name."""
    by_n = {e.n: e for e in evidence}
    cited = [by_n[n].locator.to_dict() for n in cited_numbers(draft.text) if n in by_n]
    return ItemRecord(
        id=str(item_id), question=question, gold=gold, answer=draft.text, correct=bool(correct), cited=cited,
        answerer=answerer, by=getattr(draft, "by", None), warnings=list(warnings), extra=dict(extra),
    )  # fmt: skip


def confidence_metrics(records: Sequence[ItemRecord]) -> dict[str, float]:
    """``wrong_cited`` and ``abstained`` shares (0.0 for no records)."""
    n = len(records) or 1
    wrong_cited = sum(1 for r in records if r.cited and not r.correct and not r.abstained)
    return {"wrong_cited": round(wrong_cited / n, 4), "abstained": round(sum(r.abstained for r in records) / n, 4)}


def write_items(path: Path, records: Sequence[ItemRecord], split: str) -> None:
    """One JSON line per record (with its ``split``), written whole to ``path`` or not at all."""
    tmp = path.with_name(path.name + ".part")
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            for r in records:
                handle.write(json.dumps({**r.to_dict(), "split": split}, ensure_ascii=False, default=str) + "\n")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise BadInputError(f"--out {path}: cannot write ({exc.strerror or exc})") from exc
