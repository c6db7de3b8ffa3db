"""Key sign-in through the whole app (Streamlit's AppTest): the API's isolation matrix repeated in the
UI. key-b opens only beta; every way of reaching alpha from its session (Chat, Library, Settings,
a forged session workspace or token) reads, lists and removes nothing of alpha."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.reliability.conftest import record

APP = str(Path(__file__).resolve().parents[2] / "ui" / "app.py")
ALPHA_SECRET = "Project Falcon acquisition price was 713.25 million dollars."
BETA_NOTE = "Beta team note: revenue was 4.2 million dollars in Q1."
KEYS = "key-a-7f3e9c:alpha;key-b-51d2aa:beta"


@pytest.fixture
def two_workspaces(tmp_path, monkeypatch):
    monkeypatch.setenv("MODALYST_DATA_DIR", str(tmp_path / "data"))
    for name, value in (("EMBEDDER", "fake"), ("SPEECH_BACKEND", "fake"), ("OCR_BACKEND", "fake")):
        monkeypatch.setenv(f"MODALYST_{name}", value)
    monkeypatch.setenv("MODALYST_API_KEYS", KEYS)
    monkeypatch.delenv("MODALYST_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    from assistant.orchestrator import Assistant
    from assistant.settings import load_settings

    ids = {}
    for workspace, text in (("alpha", ALPHA_SECRET), ("beta", BETA_NOTE)):
        note = tmp_path / f"{workspace}.txt"
        note.write_text(text)
        ids[workspace] = Assistant(load_settings({"workspace": workspace})).ingest([note]).added[0].id
    st.cache_resource.clear()  # a fresh throttle and session table for each test
    yield ids
    st.cache_resource.clear()


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [e.label for e in at.expander]
    parts += [str(x.value) for x in (*at.error, *at.info, *at.success, *at.warning)]
    return "\n".join(parts).replace("\\", "").replace("\u2060", "")  # as read: without ui.inert's escapes


def sign_in(key: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert not at.chat_input, "nothing of the app shows before sign-in"
    at.text_input(key="signin_key").input(key)
    next(b for b in at.button if b.label == "Sign in with key").click()
    return at.run()


def library_names(at: AppTest) -> list[str]:
    tables = [d.value for d in at.dataframe if "name" in d.value.columns]  # the Library's source table
    return [str(n) for n in tables[0]["name"]] if tables else []


def alpha_sources(ids) -> list[str]:
    from assistant.orchestrator import Assistant
    from assistant.settings import load_settings

    return [s.id for s in Assistant(load_settings({"workspace": "alpha"})).sources()]


def test_before_sign_in_nothing_is_shown_and_wrong_keys_open_nothing(two_workspaces, caplog):
    caplog.set_level(logging.INFO)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert [t.label for t in at.text_input] == ["API key"] and at.text_input[0].proto.type == 1  # PASSWORD: never shown
    for wrong in ("key-b", "key-b-51d2a", "KEY-B-51D2AA", "key-a-7f3e9c:alpha", " "):
        at.text_input(key="signin_key").input(wrong)
        next(b for b in at.button if b.label == "Sign in with key").click()
        at.run()
        assert not at.exception and not at.chat_input
    shown = texts(at)
    assert "not known" in shown or "try again in" in shown
    assert "key-a-7f3e9c" not in caplog.text and "key-b-51d2aa" not in caplog.text  # never logged
    assert "failed key sign-in" in caplog.text
    assert all(t.value == "" for t in at.text_input)  # the field is cleared, never echoed


def test_a_key_session_never_reads_lists_or_removes_another_workspace(two_workspaces):
    ids = two_workspaces
    attempts, leaks = 0, 0
    at = sign_in("key-b-51d2aa")
    assert not at.exception and at.chat_input, texts(at)
    assert "beta" in texts(at) and "alpha" not in texts(at)

    # Chat: asking about alpha's secret in beta finds nothing of alpha
    at.chat_input[0].set_value("What was the Project Falcon acquisition price?").run()
    attempts += 1
    leaks += "713.25" in texts(at) or "Falcon acquisition price was" in texts(at)

    # a forged session workspace is put back to the key's own, on every page
    for page in ("chat.py", "library.py", "settings_page.py"):
        at.session_state["workspace"] = "alpha"
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        attempts += 1
        leaks += "alpha.txt" in texts(at) or "713.25" in texts(at) or "alpha.txt" in library_names(at)
        assert at.session_state["workspace"] == "beta"
    at.switch_page("library.py").run()
    assert library_names(at) == ["beta.txt"]
    assert not any("on this machine" in t.label for t in at.text_input)  # no server paths once signed in
    [choice] = [s for s in at.selectbox if s.label == "Source to remove"]
    assert list(choice.options) == [f"beta.txt · text · {ids['beta'][:6]}"]  # beta's one source, nothing of alpha's
    attempts += 1
    leaks += any("alpha" in o or ids["alpha"][:6] in o for o in choice.options)
    at.session_state["library_confirm"] = ids["alpha"]  # a forged removal request names alpha's source
    at.run()
    attempts += 1
    leaks += alpha_sources(ids) != [ids["alpha"]] or any(b.label == "Remove" for b in at.button)
    at.switch_page("settings_page.py").run()
    [workspace_box] = [s for s in at.selectbox if s.label == "Workspace"]
    assert list(workspace_box.options) == ["beta"]
    attempts += 1
    leaks += "alpha" in workspace_box.options

    # removing from the Library removes beta's source only
    at.switch_page("library.py").run()
    next(b for b in at.button if b.label == "Remove…").click().run()
    next(b for b in at.button if b.label == "Remove").click().run()
    assert not at.exception
    assert library_names(at) == []
    attempts += 1
    leaks += alpha_sources(ids) != [ids["alpha"]]

    # a guessed session token opens nothing
    at.session_state["signin_token"] = "guessed-token"
    at.switch_page("chat.py").run()
    attempts += 1
    leaks += bool(at.chat_input)
    assert [t.label for t in at.text_input] == ["API key"]
    assert alpha_sources(ids) == [ids["alpha"]]
    assert leaks == 0
    record("UI key sign-in: cross-workspace reads, lists or removals (of attempts)", f"{leaks} of {attempts}")


def test_the_other_key_sees_its_own_workspace_only(two_workspaces):
    at = sign_in("key-a-7f3e9c")
    at.chat_input[0].set_value("What was the Project Falcon acquisition price?").run()
    assert "713.25" in texts(at)
    at.chat_input[0].set_value("What was revenue in Q1?").run()
    assert "4.2 million" not in texts(at)
    at.switch_page("library.py").run()
    assert library_names(at) == ["alpha.txt"]
