"""``modalyst eval SUITE_DIR``: recognise the suite kind from its files and run it.

Each kind is a (detector, runner) pair in one registry; a second folder laid out the same way
runs unchanged. Output: ``{suite, split, n, backend, metrics, seconds}`` with fractions in [0, 1].
``split`` (``tune``, ``check`` or ``all``) picks the half of the suite's units to run
(:mod:`assistant.evaluation.split`); ``out`` writes one JSON line per item
(:mod:`assistant.evaluation.items`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import BadInputError
from assistant.evaluation.items import ItemRecord, write_items
from assistant.evaluation.split import checked_split
from assistant.settings import Settings


@dataclass(frozen=True)
class SuiteKind:
    """How to recognise one kind of suite, and how to run it."""

    name: str
    detect: Callable[[Path], bool]
    run: Callable[..., tuple[int, str, dict[str, float]]]  # (suite, settings, limit[, task], split=, records=)


def _run_speech(
    suite: Path, settings: Settings, limit: int | None, split: str = "all", records: list[ItemRecord] | None = None
) -> tuple[int, str, dict[str, float]]:
    from assistant.evaluation.speech import run_speech_suite
    from tools.transcribe import make_transcriber

    transcriber = make_transcriber(settings)
    result = run_speech_suite(suite, transcriber, limit, split)
    if records is not None:
        records.extend(
            ItemRecord(
                id=i["id"], question="", gold=i["reference"], answer=i["hypothesis"], correct=i["wer"] == 0,
                answerer=type(transcriber).__name__, extra={"wer": i["wer"], "seconds": round(i["seconds"], 3)},
            )
            for i in result["items"]
        )  # fmt: skip
    backend = f"{settings.speech_backend}:{settings.speech_model}:{settings.speech_compute_type}"
    return result["n"], backend, {"wer": result["wer"], "rtf": result["rtf"]}


def _is_speech(suite: Path) -> bool:
    from assistant.evaluation.speech import is_speech_suite

    return is_speech_suite(suite)


def _lazy(module: str, name: str) -> Callable[..., Any]:
    """A function of an evaluation module, imported only when a suite of that kind runs."""

    def call(*args: Any, **kwargs: Any) -> Any:
        import importlib

        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    return call


def _first_row(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as handle:
            return json.loads(handle.readline() or "{}")
    except (OSError, ValueError):
        return {}


def _is_financebench(suite: Path) -> bool:
    return "financebench_id" in _first_row(suite / "questions.jsonl") and (suite / "pdfs").is_dir()


def _is_chart(suite: Path) -> bool:
    return isinstance(_first_row(suite / "questions.jsonl").get("image"), list)


def _is_tatqa(suite: Path) -> bool:
    return any(suite.glob("tatqa_dataset_*.json"))


def _is_pubmedqa(suite: Path) -> bool:
    return any(suite.glob("pqal_*.json"))


# Each module's ``run(suite_dir, settings, limit)`` returns ``(n, backend, metrics)``.
SUITE_KINDS: list[SuiteKind] = [
    SuiteKind("speech", _is_speech, _run_speech),
    SuiteKind("financebench", _is_financebench, _lazy("assistant.evaluation.financebench", "run")),
    SuiteKind("chart", _is_chart, _lazy("assistant.evaluation.charts", "run")),
    SuiteKind("tatqa", _is_tatqa, _lazy("assistant.evaluation.tatqa", "run")),
    SuiteKind("pubmedqa", _is_pubmedqa, _lazy("assistant.evaluation.pubmedqa", "run")),
]


# Kinds whose runner takes a fourth argument: only the items whose task starts with this text.
TASK_FILTERED = {"chart"}


def run_suite(
    suite_dir: Path,
    settings: Settings,
    limit: int | None = None,
    task: str | None = None,
    split: str = "all",
    out: Path | None = None,
) -> dict[str, Any]:
    """Run the suite in ``suite_dir`` (the items of ``split``); an unrecognised folder is a bad input naming
    what is known. With ``out``, one JSON line per item is written there (whole, or not at all)."""
    checked_split(split)
    if not suite_dir.is_dir():
        raise BadInputError(f"{suite_dir}: no such folder")
    if out is not None and not out.parent.is_dir():
        raise BadInputError(f"--out {out}: no folder {out.parent}")
    for kind in SUITE_KINDS:
        if kind.detect(suite_dir):
            if task and kind.name not in TASK_FILTERED:
                raise BadInputError(f"--task applies to {', '.join(sorted(TASK_FILTERED))} suites, not {kind.name}")
            started = time.perf_counter()
            extra = (task,) if task else ()
            records: list[ItemRecord] = []
            n, backend, metrics = kind.run(suite_dir, settings, limit, *extra, split=split, records=records)
            if out is not None:
                write_items(out, records, split)
            return {
                "suite": kind.name,
                "split": split,
                "n": n,
                "backend": backend,
                "metrics": metrics,
                "seconds": round(time.perf_counter() - started, 2),
            }
    known = ", ".join(k.name for k in SUITE_KINDS)
    raise BadInputError(f"{suite_dir}: not a suite this version can run (known kinds: {known})")
