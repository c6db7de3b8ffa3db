"""Fixtures of the reliability suite: the bad-input corpus (written once per session into
``tests/data/bad/``, which git ignores) and helpers to run the CLI and to snapshot a store."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.reliability import corpus

BAD = REPO / "tests" / "data" / "bad"
MODALYST = Path(sys.executable).with_name("modalyst")
FAKE_BACKENDS = {"MODALYST_EMBEDDER": "fake", "MODALYST_OCR_BACKEND": "fake"}


@pytest.fixture(scope="session")
def bad_corpus() -> list[corpus.Case]:
    shutil.rmtree(BAD, ignore_errors=True)
    return corpus.build(BAD)


def clean_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The environment for a modalyst run: no user settings file, offline, fake embedder and OCR."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODALYST_")}
    env.update(XDG_CONFIG_HOME=str(tmp / "config"), HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False", **FAKE_BACKENDS)
    env.update(extra)
    return env


def run_modalyst(args: list[str], env: dict[str, str], timeout: float = 120, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The real ``modalyst`` console script as a subprocess."""
    return subprocess.run([str(MODALYST), *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd)


# -- figures for RELIABILITY.md ---------------------------------------------------------------------
FIGURES: dict[str, object] = {}


def record(name: str, value: object) -> None:
    """Keep a figure of this run; all are printed at the end and written to test-artifacts/reliability.json."""
    FIGURES[name] = value


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not FIGURES:
        return
    import json

    terminalreporter.write_sep("-", "reliability figures")
    for name, value in FIGURES.items():
        terminalreporter.write_line(f"{name}: {value}")
    out = REPO / "test-artifacts" / "reliability.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(FIGURES, indent=2))
