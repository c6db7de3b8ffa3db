"""The Streamlit chat page, driven headless with Streamlit's AppTest."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import SAMPLES

APP = str(Path(__file__).resolve().parents[2] / "ui" / "app.py")


@pytest.fixture
def app_env(tmp_path, monkeypatch):
    monkeypatch.setenv("MODALYST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MODALYST_EMBEDDER", "fake")
    monkeypatch.setenv("MODALYST_WORKSPACE", "ui-test")
    monkeypatch.chdir(tmp_path)
    from assistant.orchestrator import Assistant
    from assistant.settings import load_settings

    Assistant(load_settings()).ingest([SAMPLES / "northwind_q1_2026_report.pdf"])


def test_chat_answers_with_a_citation(app_env) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    at.chat_input[0].set_value("What was the operating margin?").run()
    assert not at.exception
    texts = [m.value for m in at.markdown]
    assert any("19.0%" in t and "[1]" in t for t in texts), texts
    assert any("p. 2" in e.label for e in at.expander)


def test_chat_says_not_found_without_inventing(app_env) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.chat_input[0].set_value("Who chairs the audit committee?").run()
    assert any(m.value == "Not found in your material." for m in at.markdown)
