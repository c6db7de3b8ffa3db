"""The whole job on the real embedded models, through the installed ``modalyst`` command."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA, SAMPLES

pytestmark = [pytest.mark.integration, pytest.mark.slow]
MODALYST = str(Path(sys.executable).with_name("modalyst"))


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("data")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODALYST_")}
    env["HF_HUB_OFFLINE"] = "1"

    def run(*args: str, code: int = 0) -> subprocess.CompletedProcess:
        done = subprocess.run([MODALYST, "--data-dir", str(data_dir), *args], capture_output=True, text=True, env=env, timeout=600)
        assert done.returncode == code, done.stderr
        return done

    return run


@pytest.fixture(scope="module")
def ingested(cli, tmp_path_factory):
    folder = tmp_path_factory.mktemp("material")
    for name in ("q1_call.flac", "q1_call.speakers.json", "northwind_q1_2026_report.pdf"):
        shutil.copy(SAMPLES / name, folder / name)
    report = json.loads(cli("ingest", str(folder), "-w", "e2e", "--json").stdout)
    return {Path(s["path"]).name: s for s in report["added"]}


def ask(cli, question: str, *extra: str) -> dict:
    return json.loads(cli("ask", question, "-w", "e2e", "--json", *extra).stdout)


def test_ingest_adds_both_and_second_ingest_adds_nothing(cli, ingested) -> None:
    assert set(ingested) == {"q1_call.flac", "northwind_q1_2026_report.pdf"}
    assert ingested["q1_call.flac"]["duration"] == pytest.approx(44.05, abs=0.1)
    again = json.loads(cli("ingest", ingested["q1_call.flac"]["path"], "-w", "e2e", "--json").stdout)
    assert again["added"] == [] and len(again["skipped"]) == 1
    assert sum(s["chunks"] for s in json.loads(cli("sources", "-w", "e2e", "--json").stdout)) == sum(s["chunks"] for s in ingested.values())


def test_call_answer_cites_the_second_and_speaker(cli, ingested) -> None:
    answer = ask(cli, "What did the CFO say about free cash flow?")
    assert "610 million" in answer["answer"] and answer["warnings"] == []
    locator = answer["citations"][0]["locator"]
    assert locator["speaker"] == "Sam Okafor, CFO"
    assert 26.0 <= locator["start"] < locator["end"] <= 38.0  # the sentence is spoken at about 31-35 s
    assert locator["end"] - locator["start"] <= 10.0  # narrowed to the sentence, not the 21 s chunk


def test_pdf_answer_cites_the_page(cli, ingested) -> None:
    answer = ask(cli, "What were research and development expenses?")
    assert "$520 million" in answer["answer"]
    assert answer["citations"][0]["locator"] == {"path": ingested["northwind_q1_2026_report.pdf"]["path"], "page": 2}


def test_chart_answer_is_computed_from_the_read_table(cli, ingested) -> None:
    chart = str(SAMPLES / "revenue_chart.png")
    answer = ask(cli, "Which quarter had the highest revenue in this chart?", "--image", chart)
    assert answer["answer"].startswith("Q4 2025 has the highest value, 4.6")
    locator = answer["citations"][0]["locator"]
    assert locator["path"] == chart and len(locator["bbox"]) == 4
    assert set(answer["timings"]) >= {"describe_image", "answer", "verify"} and "retrieve" not in answer["timings"]


def test_unanswerable_question_abstains(cli, ingested) -> None:
    answer = ask(cli, "Who is the chairman of the audit committee?")
    assert answer["answer"] == "Not found in your material." and answer["citations"] == []


def test_voice_question_is_transcribed_and_answered(cli, ingested) -> None:
    question = DATA / "question_gross_margin.wav"  # espeak-ng -s 150: "What was the gross margin in the quarter?"
    answer = json.loads(cli("ask", "--audio", str(question), "-w", "e2e", "--json").stdout)
    assert "gross margin" in answer["question"].lower()
    assert "48%" in answer["answer"] and answer["citations"][0]["locator"]["start"] >= 22.0


def test_bad_image_is_one_line_exit_2(cli, tmp_path) -> None:
    bad = tmp_path / "chart.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    done = cli("describe", str(bad), code=2)
    assert len(done.stderr.strip().splitlines()) == 1 and "chart.png" in done.stderr
