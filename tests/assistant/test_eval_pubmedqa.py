"""PubMedQA suites in `modalyst eval`: detection, reading, metrics, and the gold conclusion kept away."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.errors import BadInputError
from assistant.evaluation import pubmedqa
from assistant.evaluation.runner import run_suite
from assistant.settings import Settings
from assistant.store import ChromaStore
from tests.conftest import shared_eval

CONCLUSION = "Drug X is the definitive cure and should be given to everyone."
ITEMS = {
    "111": {
        "QUESTION": "Does drug X reduce mortality after stroke?",
        "CONTEXTS": [
            "We aimed to assess whether drug X reduces mortality after stroke.",
            "Mortality did not differ significantly between drug X and placebo (12% vs 13%, p = 0.62).",
        ],
        "LABELS": ["OBJECTIVE", "RESULTS"],
        "LONG_ANSWER": CONCLUSION,
        "final_decision": "no",
    },
    "222": {
        "QUESTION": "Is early mobilisation associated with shorter hospital stay?",
        "CONTEXTS": [
            "Two hundred patients were studied.",
            "Early mobilisation was significantly associated with a shorter hospital stay (p < 0.001).",
        ],
        "LABELS": ["METHODS", "RESULTS"],
        "LONG_ANSWER": "Early mobilisation shortens stay.",
        "final_decision": "yes",
    },
}


def _suite(tmp_path: Path, items: object = ITEMS) -> Path:
    folder = tmp_path / "pubmedqa"
    folder.mkdir()
    (folder / "pqal_tiny.json").write_text(json.dumps(items), encoding="utf-8")
    return folder


def test_runner_recognises_and_scores_a_pubmedqa_folder(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", embedder="fake")
    result = run_suite(_suite(tmp_path), settings)
    assert result["suite"] == "pubmedqa" and result["n"] == 2 and result["backend"] == "fake+hybrid+extractive+yes_no"
    metrics = result["metrics"]
    assert metrics["accuracy"] == 1.0 and metrics["baseline.always_yes"] == 0.5
    assert metrics["predicted.no"] == 1.0 and metrics["gold.yes"] == 1.0 and metrics["unsupported_numbers"] == 0.0
    assert {"ms.retrieve", "ms.answer", "ms.verify", "s.ingest"} <= metrics.keys()
    store = ChromaStore(settings.model_copy(update={"workspace": pubmedqa.WORKSPACE}), None)
    texts = [c.text for s in store.sources() for c in store.chunks_of(s.id)]
    assert len(texts) == 4 and not any(CONCLUSION in t or "shortens stay" in t for t in texts)  # gold stays out


def test_bad_files_are_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="not a PubMedQA file"):
        pubmedqa.read_items(_suite(tmp_path, [{"QUESTION": "q"}]))
    (tmp_path / "b").mkdir()
    broken = {"1": {**ITEMS["111"], "final_decision": "perhaps"}}
    with pytest.raises(BadInputError, match="final_decision 'perhaps'"):
        pubmedqa.read_items(_suite(tmp_path / "b", broken))


def test_metrics_count_classes() -> None:
    m = pubmedqa.metrics(["yes", "no", "maybe", "yes"], ["yes", "yes", "maybe", "no"])
    assert m["accuracy"] == 0.5 and m["baseline.always_yes"] == 0.5
    assert m["accuracy.yes"] == 0.5 and m["accuracy.maybe"] == 1.0 and m["predicted.yes"] == 2.0


def test_shared_suite_reads_without_gold_conclusions() -> None:
    items = pubmedqa.read_items(shared_eval("pubmedqa"))
    assert len(items) == 500 and {i.gold for i in items} == {"yes", "no", "maybe"}
    assert sum(i.gold == "yes" for i in items) == 276
    source, chunks = pubmedqa.item_source(items[0])
    assert source.chunks == len(items[0].contexts) and chunks[0].locator.path.startswith(f"pubmedqa://{items[0].pmid}/1-")
