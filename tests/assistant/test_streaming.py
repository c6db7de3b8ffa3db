"""Answers stream to the caller as they are produced: tokens from the openai backend (a loopback
chat server), sentences from the extractive one; `modalyst ask` prints them, then citations and warnings."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.orchestrator import sentence_pieces
from assistant.render import render_answer
from assistant.types import Turn
from tests.conftest import SAMPLES

NOTES = "Adjusted gross margin was 41%. Operating costs fell by 3% in the quarter. Headcount was unchanged."


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text(NOTES, encoding="utf-8")
    return path


STUDY = (
    "We aimed to assess whether drug X reduces mortality after stroke. "
    "Two hundred patients were randomised to drug X or placebo. "
    "Mortality at 90 days did not differ significantly between drug X and placebo (12% vs 13%, p = 0.62). "
    "Drug X was not associated with lower mortality in any subgroup."
)


def test_medical_yes_no_answer_streams_sentence_by_sentence_and_defers(settings, tmp_path: Path) -> None:
    from assistant.embeddings import HashEmbedding
    from assistant.orchestrator import Assistant

    study = tmp_path / "study.txt"
    study.write_text(STUDY, encoding="utf-8")
    bot = Assistant(settings.model_copy(update={"profile": "medical"}), embedder=HashEmbedding())
    bot.ingest([study])
    pieces: list[str] = []
    answer = bot.ask(Turn(text="Does drug X reduce mortality after stroke?"), on_token=pieces.append)
    assert len(pieces) >= 2 and pieces[0].startswith("The cited evidence suggests no, as reported in the material:")
    assert answer.answer.startswith("".join(pieces).strip())
    assert answer.answer.endswith("This is not medical advice; a clinician must confirm any finding.")
    assert "did not differ significantly" in answer.answer and not answer.warnings


def test_extractive_answer_streams(fake_assistant, notes: Path) -> None:
    fake_assistant.ingest([notes])
    pieces: list[str] = []
    answer = fake_assistant.ask(Turn(text="What was the adjusted gross margin?"), on_token=pieces.append)
    assert pieces and "".join(pieces) == answer.answer and "41%" in answer.answer


def test_openai_answer_streams_tokens_then_cli_prints_citations_and_warnings(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("langchain_openai")
    from tests.assistant.test_openai_chat import ChatServer

    reply = "Revenue was $9.9 billion [1]. Margins held [1]."
    with ChatServer(reply=reply) as server:
        for key, value in {
            "MODALYST_EMBEDDER": "fake",
            "MODALYST_ANSWERER": "openai",
            "MODALYST_OPENAI_BASE_URL": server.base_url,
            "MODALYST_OPENAI_MODEL": "tiny",
        }.items():
            monkeypatch.setenv(key, value)
        monkeypatch.chdir(tmp_path)
        runner = CliRunner()
        data = str(tmp_path / "data")
        assert runner.invoke(app, ["--data-dir", data, "ingest", str(SAMPLES / "northwind_q1_2026_report.pdf")]).exit_code == 0
        result = runner.invoke(app, ["--data-dir", data, "ask", "What was revenue?"])
        assert server.requests[-1]["body"]["stream"] is True
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == reply  # streamed once, not repeated by the rendering after it
    assert result.stdout.count(reply) == 1
    assert any(line.startswith("  [1] ") for line in lines[1:])  # the citation with its locator
    assert any("warning: unsupported number 9.9" in line for line in lines[1:])  # verification still ran


def test_openai_tokens_reach_on_token_one_by_one(fake_assistant, notes: Path) -> None:
    pytest.importorskip("langchain_openai")
    from assistant.answerers.openai_chat import OpenAICompatibleAnswerer
    from tests.assistant.test_openai_chat import ChatServer

    fake_assistant.ingest([notes])
    with ChatServer(reply="Adjusted gross margin was 41% [1].") as server:
        settings = fake_assistant.settings.model_copy(
            update={"answerer": "openai", "openai_base_url": server.base_url, "openai_model": "tiny"}
        )
        fake_assistant._answerer = OpenAICompatibleAnswerer(settings)
        pieces: list[str] = []
        answer = fake_assistant.ask(Turn(text="What was the adjusted gross margin?"), on_token=pieces.append)
    assert pieces == ["Adjusted ", "gross ", "margin ", "was ", "41% ", "[1]."]
    assert answer.answer == "Adjusted gross margin was 41% [1]." and not answer.warnings
    assert fake_assistant._answerer.on_token is None  # the hook is taken off after the turn


def test_render_after_streaming_repeats_only_the_note() -> None:
    from assistant.types import Answer

    answer = Answer(question="q", answer="Yes [1].\n\nThis is not medical advice.", citations=(), evidence=(), timings={}, warnings=("w",))
    shown = render_answer(answer, streamed="Yes [1].")
    assert shown.splitlines()[:2] == ["", "This is not medical advice."] and "Yes [1]." not in shown  # blank line kept
    assert render_answer(answer).startswith("Yes [1].")


def test_sentence_pieces_join_back() -> None:
    text = "Sales rose 4.2% [1]. Costs fell?  Yes [2]"
    assert sentence_pieces(text) == ["Sales rose 4.2% [1]. ", "Costs fell?  ", "Yes [2]"]
    assert sentence_pieces("") == []
