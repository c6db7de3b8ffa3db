"""``modalyst eval SUITE_DIR``: recognise the suite kind from its files and run it.

Each kind is a (detector, runner) pair in one registry; a second folder laid out the same way
runs unchanged. Output: ``{suite, n, backend, metrics, seconds}`` with fractions in [0, 1].
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import BadInputError
from assistant.settings import Settings


@dataclass(frozen=True)
class SuiteKind:
    """How to recognise one kind of suite, and how to run it."""

    name: str
    detect: Callable[[Path], bool]
    run: Callable[[Path, Settings, int | None], tuple[int, str, dict[str, float]]]


def _run_speech(suite: Path, settings: Settings, limit: int | None) -> tuple[int, str, dict[str, float]]:
    from assistant.evaluation.speech import run_speech_suite
    from tools.transcribe import make_transcriber

    transcriber = make_transcriber(settings)
    result = run_speech_suite(suite, transcriber, limit)
    backend = f"{settings.speech_backend}:{settings.speech_model}:{settings.speech_compute_type}"
    return result["n"], backend, {"wer": result["wer"], "rtf": result["rtf"]}


def _is_speech(suite: Path) -> bool:
    from assistant.evaluation.speech import is_speech_suite

    return is_speech_suite(suite)


SUITE_KINDS: list[SuiteKind] = [SuiteKind("speech", _is_speech, _run_speech)]


def run_suite(suite_dir: Path, settings: Settings, limit: int | None = None) -> dict[str, Any]:
    """Run the suite in ``suite_dir``; an unrecognised folder is a bad input naming what is known."""
    if not suite_dir.is_dir():
        raise BadInputError(f"{suite_dir}: no such folder")
    for kind in SUITE_KINDS:
        if kind.detect(suite_dir):
            started = time.perf_counter()
            n, backend, metrics = kind.run(suite_dir, settings, limit)
            return {
                "suite": kind.name,
                "n": n,
                "backend": backend,
                "metrics": metrics,
                "seconds": round(time.perf_counter() - started, 2),
            }
    known = ", ".join(k.name for k in SUITE_KINDS)
    raise BadInputError(f"{suite_dir}: not a suite this version can run (known kinds: {known})")
