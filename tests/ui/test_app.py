"""The Streamlit app's pages, driven headless with Streamlit's AppTest (fake backends)."""

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import DATA, SAMPLES

APP = str(Path(__file__).resolve().parents[2] / "ui" / "app.py")
REPORT = SAMPLES / "northwind_q1_2026_report.pdf"


@pytest.fixture
def app_env(tmp_path, monkeypatch):
    monkeypatch.setenv("MODALYST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MODALYST_EMBEDDER", "fake")
    monkeypatch.setenv("MODALYST_SPEECH_BACKEND", "fake")
    monkeypatch.setenv("MODALYST_OCR_BACKEND", "fake")
    monkeypatch.setenv("MODALYST_WORKSPACE", "ui-test")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "data"


@pytest.fixture
def ingested(app_env):
    from assistant.orchestrator import Assistant
    from assistant.settings import load_settings

    Assistant(load_settings()).ingest([REPORT])
    return app_env


def run_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    return at


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def shown(text: str) -> str:
    """Text as the reader sees it: the inert markdown's backslash escapes and word joiners removed."""
    return re.sub(r"\\(.)", r"\1", text).replace("\u2060", "")


# -- chat -------------------------------------------------------------------------------------------
def test_chat_answers_with_a_citation(ingested) -> None:
    at = run_app()
    at.chat_input[0].set_value("What was the operating margin?").run()
    assert not at.exception
    texts = [shown(m.value) for m in at.markdown]
    assert any("19.0%" in t and "[1]" in t for t in texts), texts
    assert any("northwind_q1_2026_report.pdf · p. 2" in shown(e.label) for e in at.expander)
    chips = at.button_group[0]
    assert shown(chips.options[0]) == "[1] northwind_q1_2026_report.pdf · p. 2"


def test_choosing_a_citation_chip_opens_the_page_preview(ingested) -> None:
    at = run_app()
    at.chat_input[0].set_value("What was the operating margin?").run()
    at.button_group[0].set_value(1).run()
    assert not at.exception
    page = next(e for e in at.expander if "p. 2" in shown(e.label))
    assert page.proto.expanded
    images = page.get("image")
    assert images, "the cited PDF page is shown as an image"
    assert any("19.0%" in shown(m.value) for m in page.markdown)


def test_chat_says_not_found_without_inventing(ingested) -> None:
    at = run_app()
    at.chat_input[0].set_value("Who chairs the audit committee?").run()
    assert any(shown(m.value) == "Not found in your material." for m in at.markdown)
    assert not at.button_group  # nothing cited, no chips


def test_voice_question_is_shown_transcribed(ingested) -> None:
    at = run_app()
    at.chat_input[0].upload("question.wav", (DATA / "question_gross_margin.wav").read_bytes(), "audio/wav").run()
    assert not at.exception
    user = at.chat_message[0]
    assert any("fake transcript" in shown(m.value) for m in user.markdown), [m.value for m in user.markdown]


def test_attached_image_is_read_and_files_stay_in_the_session(app_env) -> None:
    at = run_app()
    at.chat_input[0].set_value("What does the chart show?").upload(
        "chart.png", (DATA / "chart_bar_labels.png").read_bytes(), "image/png"
    ).run()
    assert not at.exception
    assert any("chart.png" in shown(c.value) for c in at.caption)
    folder = at.session_state["session_files"].path
    assert list(folder.rglob("chart.png"))
    button(at, "Clear chat").click().run()
    assert not list(folder.rglob("*.png"))
    assert not at.chat_message


def test_timings_are_one_click_away(ingested) -> None:
    at = run_app()
    at.chat_input[0].set_value("What was the operating margin?").run()
    timings = next(e for e in at.expander if e.label == "Timings")
    assert timings.dataframe


# -- library ----------------------------------------------------------------------------------------
def test_library_ingests_an_upload_and_removes_it(app_env) -> None:
    at = run_app()
    at.switch_page("library.py").run()
    assert not at.exception
    assert any("No sources yet" in i.value for i in at.info)
    at.file_uploader[0].set_value(("report.pdf", REPORT.read_bytes(), "application/pdf"))
    button(at, "Ingest").click().run()
    assert not at.exception
    assert any("added" in s.value and "report.pdf" in shown(s.value) for s in at.success), [s.value for s in at.success]
    table = at.dataframe[0].value
    assert list(table["name"]) == ["report.pdf"] and list(table["kind"]) == ["pdf"]  # the name given, not the stored one
    assert "pdf · 3 pages" in table["contents"][0] and table["size (KB)"][0] > 0 and table["date"][0][:2] == "20"
    kept = list((app_env / "library" / "ui-test").iterdir())
    assert len(kept) == 1
    button(at, "Remove…").click().run()
    assert not at.exception
    assert kept[0].exists(), "nothing is removed before the confirmation"
    assert any("Remove **report.pdf**" in shown(m.value) for m in at.markdown), [m.value for m in at.markdown]
    button(at, "Remove").click().run()
    assert not at.exception
    assert any("Removed report.pdf from the workspace." == shown(s.value) for s in at.success), [s.value for s in at.success]
    assert any("No sources yet" in i.value for i in at.info)
    assert not kept[0].exists()


def test_library_refuses_an_unsupported_type_with_what_is_accepted(app_env) -> None:
    at = run_app()
    at.switch_page("library.py").run()
    at.file_uploader[0].set_value([("memo.docx", b"PK fake", "application/octet-stream"), ("report.pdf", REPORT.read_bytes(), "application/pdf")])
    button(at, "Ingest").click().run()
    errors = [shown(e.value) for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("memo.docx: unsupported file type '.docx'; accepted: recordings ("), errors
    assert ".xlsx" in errors[0] and ".vtt" in errors[0] and "/" not in errors[0].split("accepted")[0]
    assert any("report.pdf" in shown(s.value) for s in at.success)


def test_library_reports_a_bad_file_without_stopping(app_env) -> None:
    at = run_app()
    at.switch_page("library.py").run()
    at.file_uploader[0].set_value([("broken.pdf", b"not a pdf", "application/pdf"), ("report.pdf", REPORT.read_bytes(), "application/pdf")])
    button(at, "Ingest").click().run()
    errors = [shown(e.value) for e in at.error]
    assert any(e.startswith("broken.pdf: ") for e in errors) and not any(str(app_env) in e for e in errors), errors
    assert any("report.pdf" in shown(s.value) for s in at.success)


# -- settings ---------------------------------------------------------------------------------------
def test_settings_rejects_an_invalid_workspace(app_env) -> None:
    at = run_app()
    at.switch_page("settings_page.py").run()
    assert not at.exception
    at.text_input(key="ws_input").set_value("bad name!")
    button(at, "Apply").click().run()
    assert any("workspace" in shown(e.value) and "bad name!" in shown(e.value) for e in at.error), [e.value for e in at.error]
    assert "workspace" not in at.session_state or at.session_state["workspace"] == "ui-test"


def test_settings_switches_workspace_and_profile(app_env) -> None:
    at = run_app()
    at.switch_page("settings_page.py").run()
    at.text_input(key="ws_input").set_value("acme")
    at.selectbox(key="profile_input").set_value("medical")
    button(at, "Apply").click().run()
    assert not at.error
    assert "workspace" not in at.session_state, "a new workspace is opened only when confirmed"
    assert any("There is no workspace **acme** yet" in shown(w.value) for w in at.warning), [w.value for w in at.warning]
    button(at, "Create acme").click().run()
    assert at.session_state["workspace"] == "acme"
    assert at.session_state["profile"] == "medical"


def test_a_typo_of_a_workspace_name_is_not_created(ingested) -> None:
    at = run_app()
    at.switch_page("settings_page.py").run()
    at.text_input(key="ws_input").set_value("ui-tset")
    button(at, "Apply").click().run()
    assert any("existing: ui-test" in shown(w.value) for w in at.warning), [w.value for w in at.warning]
    button(at, "Cancel").click().run()
    assert "workspace" not in at.session_state and not at.warning


def test_each_workspace_has_its_own_conversation(ingested) -> None:
    at = run_app()
    at.chat_input[0].set_value("What was the operating margin?").run()
    assert len(at.chat_message) == 2
    at.session_state["workspace"] = "other"
    at.run()
    assert not at.chat_message, "the other workspace's conversation is empty"
    at.session_state["workspace"] = "ui-test"
    at.run()
    assert [shown(m.markdown[0].value) for m in at.chat_message][0] == "What was the operating margin?"


def test_bad_prompts_get_one_message_and_no_bubble(ingested) -> None:
    at = run_app()
    at.chat_input[0].set_value("   ").run()
    assert not at.chat_message
    assert [shown(e.value) for e in at.error] == ["the question is empty: type a question, record one, or attach a recording"]
    at.chat_input[0].set_value("why? " * 1000).run()
    assert not at.chat_message
    assert [shown(e.value) for e in at.error] == [
        "the question is 4,999 characters, over the limit of 2,000 (setting max_question_chars): shorten it, "
        "or attach the text as a .txt file and ask about it"
    ]
    at.chat_input[0].set_value("What is in it?").upload("memo.docx", b"PK fake", "application/octet-stream").run()
    assert not at.chat_message
    errors = [shown(e.value) for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("memo.docx: unsupported file type '.docx'; accepted: "), errors


def test_a_conversation_survives_a_new_session_of_the_same_tab(ingested) -> None:
    at = run_app()
    at.chat_input[0].set_value("What was the operating margin?").run()
    token = at.query_params["c"]
    token = token[0] if isinstance(token, list) else token
    again = AppTest.from_file(APP, default_timeout=60)
    again.query_params["c"] = token  # a reload: a new Streamlit session, the same URL
    again.run()
    assert [shown(m.markdown[0].value) for m in again.chat_message][0] == "What was the operating margin?"
    assert any("19.0%" in shown(m.value) for m in again.markdown)
    files = list((ingested / "ui-sessions").rglob("*.json"))
    assert files and all(f.stat().st_mode & 0o777 == 0o600 for f in files)


def test_settings_lists_each_role_and_its_backend(app_env) -> None:
    at = run_app()
    at.switch_page("settings_page.py").run()
    table = at.dataframe[0].value
    assert list(table["role"]) == ["answerer", "speech", "ocr", "embedder", "store"]
    assert dict(zip(table["role"], table["backend"]))["speech"] == "fake"
    assert set(table["runs on"]) == {"this machine"}
    assert not at.warning


def test_a_remote_answerer_is_shown_on_chat_and_settings(app_env, monkeypatch) -> None:
    monkeypatch.setenv("MODALYST_ANSWERER", "openai")
    monkeypatch.setenv("MODALYST_OPENAI_MODEL", "qwen")
    monkeypatch.setenv("MODALYST_OPENAI_BASE_URL", "http://10.1.2.3:8000/v1")
    at = run_app()
    assert any("Remote endpoint in use: the answerer at 10.1.2.3" in w.value for w in at.warning), [w.value for w in at.warning]
    assert any("content goes off this machine" in c.value for c in at.caption)
    at.switch_page("settings_page.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert dict(zip(table["role"], table["runs on"]))["answerer"] == "remote: 10.1.2.3"
    assert any("refuses until remote_ok = true" in w.value for w in at.warning)


def test_a_cited_recording_plays_from_the_cited_second(app_env) -> None:
    from assistant.orchestrator import Assistant
    from assistant.settings import load_settings

    Assistant(load_settings()).ingest([SAMPLES / "q1_call.flac"])
    at = run_app()
    at.chat_input[0].set_value("What does the fake transcript say?").run()
    assert not at.exception
    assert at.button_group, [m.value for m in at.markdown]
    assert not at.expander[0].get("audio"), "previews are built only for the chosen citation"
    at.button_group[0].set_value(1).run()
    first = at.expander[0]
    players = first.get("audio")
    assert players, [type(c).__name__ for c in first.children.values()]
    start = players[0].proto.start_time
    assert ":" in first.label and start == int(start)
