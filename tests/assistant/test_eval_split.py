"""`modalyst eval --split tune|check|all` and `--out`: a fixed half by a hash of each item's unit,
per-item lines, and the confident-wrong metrics."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.answerers.base import NOT_FOUND, Draft
from assistant.cli import app
from assistant.errors import BadInputError
from assistant.evaluation import charts, pubmedqa, tatqa
from assistant.evaluation.items import confidence_metrics, record, write_items
from assistant.evaluation.runner import run_suite
from assistant.evaluation.speech import recording_unit
from assistant.evaluation.split import SPLITS, chart_unit, half, in_split, select
from assistant.settings import Settings
from assistant.types import Evidence, Locator


def test_half_is_the_first_sha256_byte_mod_2() -> None:
    for unit in ("ADOBE_2015_10K", "t1", "t8", "222", "charts/a.png|charts/b.png"):
        assert half(unit) == ("tune" if hashlib.sha256(unit.encode()).digest()[0] % 2 == 0 else "check")
    assert (half("t1"), half("t8"), half("111"), half("222")) == ("tune", "check", "tune", "check")


def test_the_halves_partition_the_items_in_their_order() -> None:
    units = [f"unit-{i}" for i in range(200)]
    tune, check, every = (select(units, str, s) for s in SPLITS)
    assert every == units and not set(tune) & set(check) and sorted(tune + check) == sorted(units)
    assert 60 < len(tune) < 140  # a hash, not a fixed side
    assert tune == [u for u in units if u in set(tune)]


def test_a_bad_split_is_a_bad_input() -> None:
    with pytest.raises(BadInputError, match="--split 'dev': expected one of tune, check, all"):
        in_split("x", "dev")


def test_units_of_charts_and_recordings(tmp_path: Path) -> None:
    assert chart_unit(["charts/a.png", "charts/b.png"]) == "charts/a.png|charts/b.png"
    call = tmp_path / "earnings_call_x"
    call.mkdir()
    assert recording_unit(call, {"id": "0001", "audio": "a.mp3", "speaker": "CFO"}) == "earnings_call_x"
    assert recording_unit(call, {"id": "1089-1", "audio": "a.flac"}) == "1089-1"


def _tatqa_suite(root: Path) -> Path:
    suite = root / "tq"
    suite.mkdir()
    items = [
        {"table": {"uid": uid, "table": [["", "2019", "2018"], [label, "$5,010", "$4,320"]]},
         "paragraphs": [{"uid": f"p-{uid}", "order": 1, "text": "All amounts are in thousands of dollars."}],
         "questions": [{"uid": f"q-{uid}", "order": 1, "question": f"What is the change in {label.lower()} from 2018 to 2019?",
                        "answer": 690, "answer_type": "arithmetic", "scale": "thousand", "derivation": "", "answer_from": "table",
                        "rel_paragraphs": ["1"], "req_comparison": False}]}
        for uid, label in (("t1", "Revenue"), ("t8", "Expenses"))
    ]  # fmt: skip
    (suite / "tatqa_dataset_dev.json").write_text(json.dumps(items), encoding="utf-8")
    return suite


def test_tatqa_halves_split_by_table_each_in_its_own_workspace(tmp_path: Path) -> None:
    from assistant.embeddings import HashEmbedding
    from assistant.store import ChromaStore

    suite, settings = _tatqa_suite(tmp_path), Settings(data_dir=tmp_path / "data", embedder="fake")
    records: list = []
    n, _backend, metrics = tatqa.run(suite, settings, None, split="tune", records=records)
    assert n == 1 and [r.id for r in records] == ["q-t1"] and records[0].correct
    assert metrics["wrong_cited"] == 0.0 and metrics["abstained"] == 0.0
    tune_ws = ChromaStore(settings.model_copy(update={"workspace": "eval-tatqa-tune"}), HashEmbedding())
    assert [s.path for s in tune_ws.sources()] == ["tatqa://table/t1"]  # the other half's table is not searched
    result = run_suite(suite, settings, split="check")
    assert (result["split"], result["n"]) == ("check", 1)
    assert run_suite(suite, settings)["n"] == 2 and run_suite(suite, settings)["split"] == "all"


def test_out_writes_one_line_per_item_with_the_answer_and_its_citations(tmp_path: Path) -> None:
    suite, settings = _tatqa_suite(tmp_path), Settings(data_dir=tmp_path / "data", embedder="fake")
    out = tmp_path / "items.jsonl"
    run_suite(suite, settings, split="all", out=out)
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x["id"] for x in lines] == ["q-t1", "q-t8"]
    first = lines[0]
    assert {"id", "question", "gold", "answer", "correct", "cited", "answerer", "by", "warnings", "split"} <= first.keys()
    assert first["gold"] == 690 and first["correct"] is True and first["split"] == "all" and first["by"] is None
    assert first["cited"] and first["cited"][0]["path"].startswith("tatqa://") and first["answerer"]
    with pytest.raises(BadInputError, match="--out .*: no folder"):
        run_suite(suite, settings, out=tmp_path / "absent" / "x.jsonl")


def test_pubmedqa_and_chart_halves(tmp_path: Path) -> None:
    folder = tmp_path / "pubmedqa"
    folder.mkdir()
    items = {pmid: {"QUESTION": "Does drug X reduce mortality?", "CONTEXTS": ["Mortality fell with drug X (p < 0.01)."],
                    "LABELS": ["RESULTS"], "final_decision": "yes"} for pmid in ("111", "222")}  # fmt: skip
    (folder / "pqal_tiny.json").write_text(json.dumps(items), encoding="utf-8")
    records: list = []
    n, _b, metrics = pubmedqa.run(folder, Settings(data_dir=tmp_path / "data", embedder="fake"), None, split="check", records=records)
    assert n == 1 and [r.id for r in records] == ["222"] and {"wrong_cited", "abstained"} <= metrics.keys()
    chart_suite = tmp_path / "charts"
    chart_suite.mkdir()
    rows = [{"id": f"q{i}", "image": images, "question": "?", "answer": "1", "task": "Direct", "type": "open-ended"}
            for i, images in enumerate([["c1.png", "c2.png"], ["t1.png"], ["c1.png", "c2.png"]])]  # fmt: skip
    (chart_suite / "questions.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    expected = {s: [r["id"] for r in rows if half(chart_unit(r["image"])) == s] for s in ("tune", "check")}
    assert [r["id"] for r in charts.load_questions(chart_suite, split="check")] == expected["check"] == ["q0", "q2"]
    assert [r["id"] for r in charts.load_questions(chart_suite, split="tune")] == expected["tune"] == ["q1"]


def test_wrong_cited_counts_cited_wrong_answers_and_not_abstentions() -> None:
    ev = [Evidence(1, "Revenue was 5.", "s", Locator("a.pdf", page=2), 1.0)]
    rows = [
        record("a", "q", "5", Draft("Revenue was 5 [1]."), True, ev, "X"),  # right and cited
        record("b", "q", "6", Draft("Revenue was 5 [1]."), False, ev, "X"),  # wrong and cited
        record("c", "q", "6", Draft("Revenue was 5."), False, ev, "X"),  # wrong, no citation
        record("d", "q", "6", Draft(NOT_FOUND), False, ev, "X"),  # abstained
        record("e", "q", "6", Draft("Revenue was 5 [7]."), False, ev, "X"),  # a mark naming no evidence
    ]
    assert confidence_metrics(rows) == {"wrong_cited": 0.2, "abstained": 0.2}
    assert rows[0].cited == [{"path": "a.pdf", "page": 2}] and rows[4].cited == []
    assert confidence_metrics([]) == {"wrong_cited": 0.0, "abstained": 0.0}


def test_write_items_leaves_nothing_half_written(tmp_path: Path) -> None:
    row = record("a", "q", "5", Draft("5 [1]."), True, [], "X", by_half="tune")
    path = tmp_path / "out.jsonl"
    write_items(path, [row, row], "tune")
    assert [json.loads(x)["by_half"] for x in path.read_text(encoding="utf-8").splitlines()] == ["tune", "tune"]
    assert not list(tmp_path.glob("*.part"))


def test_cli_eval_split_json_and_a_bad_split(tmp_path: Path) -> None:
    suite = _tatqa_suite(tmp_path)
    runner = CliRunner()
    base = ["--data-dir", str(tmp_path / "data")]
    env = {"MODALYST_EMBEDDER": "fake"}
    ok = runner.invoke(app, [*base, "eval", str(suite), "--split", "tune", "--json"], env=env)
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    assert (data["suite"], data["split"], data["n"]) == ("tatqa", "tune", 1) and "wrong_cited" in data["metrics"]
    bad = runner.invoke(app, [*base, "eval", str(suite), "--split", "dev"], env=env)
    assert bad.exit_code == 2
    assert bad.stderr.strip() == "modalyst: error: --split 'dev': expected one of tune, check, all"
