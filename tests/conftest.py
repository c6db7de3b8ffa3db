"""Shared fixtures: fake backends, a temporary data dir, and paths to real eval material."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
SAMPLES = REPO / "samples"
SHARED_EVAL = REPO.parent / "shared" / "eval"


@pytest.fixture
def settings(tmp_path: Path):
    from assistant.settings import Settings

    return Settings(data_dir=tmp_path / "data", workspace="test", embedder="fake")


@pytest.fixture
def fake_assistant(settings):
    from assistant.embeddings import HashEmbedding
    from assistant.orchestrator import Assistant
    from tools.describe_image.ocr import FakeOcrReader
    from tools.transcribe import FakeTranscriber

    return Assistant(settings, embedder=HashEmbedding(), transcriber=FakeTranscriber(settings), ocr_reader=FakeOcrReader(settings))


def shared_eval(name: str) -> Path:
    """A folder of ../shared/eval, or a skip saying it is absent."""
    path = SHARED_EVAL / name
    if not path.is_dir():
        pytest.skip(f"{path} is absent: the shared eval material is not beside this checkout")
    return path
