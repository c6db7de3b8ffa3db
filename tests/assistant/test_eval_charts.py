"""The chart suite runner: scoring rules, metrics, and a tiny suite of matplotlib charts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.errors import BadInputError
from assistant.evaluation.charts import constant_baseline, load_questions, metrics_for, run, score_answer
from assistant.types import OcrLine


@pytest.mark.parametrize(
    ("predicted", "gold", "kind", "ok"),
    [
        ("Answer: B [1].", "B", "multiple-choice", True),
        ("Answer: C [1].", "B", "multiple-choice", False),
        ("Answer: 0.031 [2].", "0.03", "open-ended", True),
        ("Answer: 0.04 [2].", "0.03", "open-ended", False),
        ("Answer: 30000 [1].", "30k", "open-ended", True),
        ("Answer: 3; 2 [1][2].", "3; 2", "open-ended", True),
        ("Answer: 3; 4 [1][2].", "3; 2", "open-ended", False),
        ("Answer: 3 [1].", "3; 2", "open-ended", False),
        ("Answer: Household Financial Transactions [1].", "Household financial transactions", "open-ended", True),
        ("Answer: Women, Men [1].", "Men, Women", "open-ended", True),
        ("Not found in your material.", "Korea", "open-ended", False),
        ("Answer: 2017 [1].", "2022", "open-ended", False),  # years are labels, not "within 5%"
        ("Answer: 2 [1].\nFrom the chart values: Italy = 38.2 [1].", "2", "open-ended", True),  # working below
    ],
)
def test_score_answer(predicted: str, gold: str, kind: str, ok: bool) -> None:
    assert score_answer(predicted, gold, kind) is ok


def test_metrics_per_task_type_and_baseline() -> None:
    rows = [
        {"task": "Direct_Questions/Structure", "type": "open-ended", "answer": "1"},
        {"task": "Direct_Questions/Content", "type": "open-ended", "answer": "1"},
        {"task": "Sequential_Reasoning", "type": "multiple-choice", "answer": "A"},
    ]
    m = metrics_for(rows, [True, False, True])
    assert m["accuracy"] == pytest.approx(2 / 3, abs=1e-3)
    assert m["accuracy.Direct_Questions"] == 0.5
    assert m["accuracy.Direct_Questions/Content"] == 0.0
    assert m["accuracy.type.multiple-choice"] == 1.0
    assert m["constant_baseline.Direct_Questions"] == 1.0


def test_constant_baseline_is_the_best_single_answer_under_the_scorer():
    rows = [{"answer": a, "type": "open-ended"} for a in ("10", "10.4", "9.6", "3", "3", "2022", "2021")]
    assert constant_baseline(rows) == round(3 / 7, 4)  # "10" also scores 10.4 and 9.6 (within 5%)
    years = [{"answer": a, "type": "open-ended"} for a in ("2012", "2017", "2022", "2019")]
    assert constant_baseline(years) == 0.25  # no year scores another
    letters = [{"answer": a, "type": "multiple-choice"} for a in ("A", "C", "C")]
    assert constant_baseline(letters) == round(2 / 3, 4)


def test_task_filter(tmp_path: Path) -> None:
    suite = tmp_path / "s"
    suite.mkdir()
    rows = [{"id": i, "task": t, "type": "open-ended", "answer": "1", "image": [], "question": "q"}
            for i, t in enumerate(["Direct_Questions/Content", "Sequential_Reasoning", "Direct_Questions/Structure"])]
    (suite / "questions.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert [r["id"] for r in load_questions(suite, task="direct")] == [0, 2]
    assert [r["id"] for r in load_questions(suite, limit=1, task="Direct_Questions/Structure")] == [2]
    with pytest.raises(BadInputError, match="no question's task starts with 'Parallel'"):
        load_questions(suite, task="Parallel")


def _suite(tmp_path: Path) -> Path:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    suite = tmp_path / "suite"
    (suite / "charts").mkdir(parents=True)
    for name in ("one.png", "two.png"):
        fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
        ax.plot([0, 1, 2, 3], [0, 10, 20, 30])
        fig.savefig(suite / "charts" / name)
        plt.close(fig)
    rows = [
        {"id": 1, "image": ["charts/one.png", "charts/two.png"], "task": "Direct_Questions/Structure", "type": "open-ended",
         "question": "The first chart is <image>. Question: What is the spatially highest labeled tick on the vertical axis in the second chart?",
         "answer": "30"},
        {"id": 2, "image": ["charts/one.png"], "task": "Direct_Questions/Structure", "type": "open-ended",
         "question": "The first chart is <image>. Question: How many labeled ticks are there on the horizontal axis in the first chart?",
         "answer": "4"},
        {"id": 3, "image": ["charts/two.png"], "task": "Sequential_Reasoning", "type": "open-ended",
         "question": "The first chart is <image>. Question: Why does the first chart rise?", "answer": "Growth"},
    ]
    (suite / "questions.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return suite


def _fake_ticks() -> list[OcrLine]:
    """What OCR would read on the synthetic charts: y ticks 0..30, x ticks 0..3."""
    lines = [OcrLine(str(v), (20.0, 230.0 - 60 * i, 40.0, 244.0 - 60 * i), 1.0) for i, v in enumerate([0, 10, 20, 30])]
    lines += [OcrLine(str(i), (60.0 + 90 * i, 260.0, 70.0 + 90 * i, 274.0), 1.0) for i in range(4)]
    return lines


def test_run_scores_a_tiny_suite_with_fake_ocr(tmp_path: Path, settings) -> None:
    from tools.describe_image.ocr import FakeOcrReader

    suite = _suite(tmp_path)
    reader = FakeOcrReader(settings, lines=_fake_ticks())
    n, backend, metrics = run(suite, settings, None, ocr_reader=reader)
    assert n == 3
    assert backend.startswith("fake")
    assert reader.calls == 2  # each image described once per run
    assert metrics["accuracy.Direct_Questions"] == 1.0
    assert metrics["accuracy.Sequential_Reasoning"] == 0.0
    assert metrics["accuracy"] == pytest.approx(2 / 3, abs=1e-3)
    assert metrics["seconds_per_image"] >= 0.0
    assert run(suite, settings, 1, ocr_reader=reader)[0] == 1


@pytest.mark.integration
def test_run_with_real_ocr(tmp_path: Path, settings) -> None:
    pytest.importorskip("rapidocr")
    n, _backend, metrics = run(_suite(tmp_path), settings, 2)
    assert n == 2
    assert metrics["accuracy.Direct_Questions"] >= 0.5
