from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.errors import SettingsError, UnknownBackendError
from assistant.settings import Settings, choose, load_settings


def test_defaults_are_embedded_and_local(tmp_path: Path) -> None:
    s = load_settings(cwd=tmp_path, environ={})
    assert (s.workspace, s.store, s.answerer, s.embedder, s.speech_model) == ("default", "", "extractive", "minilm", "embedded-base")
    assert s.remote_ok is False


def test_toml_then_env_then_overrides(tmp_path: Path) -> None:
    (tmp_path / "modalyst.toml").write_text('[modalyst]\nworkspace = "from-file"\ntop_k = 3\nprofile = "medical"\n')
    s = load_settings(cwd=tmp_path, environ={"MODALYST_TOP_K": "9"})
    assert (s.workspace, s.top_k, s.profile) == ("from-file", 9, "medical")
    s = load_settings({"workspace": "cli"}, cwd=tmp_path, environ={"MODALYST_TOP_K": "9"})
    assert s.workspace == "cli"


def test_bad_toml_is_a_settings_error(tmp_path: Path) -> None:
    (tmp_path / "modalyst.toml").write_text("workspace = [unclosed\n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(cwd=tmp_path, environ={})


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("workspace", "../etc", "workspace='../etc' is invalid"),
        ("top_k", "many", "top_k='many' is invalid"),
        ("store", "ftp://x", "store='ftp://x' is invalid"),
        ("profile", "legal", "profile='legal' is invalid"),
        ("colour", "red", "colour='red' is invalid"),
    ],
)
def test_invalid_values_name_field_and_value(tmp_path: Path, field: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings({field: value}, cwd=tmp_path, environ={})


def test_store_url_accepted_and_normalised() -> None:
    assert Settings(store="http://127.0.0.1:8000/").store == "http://127.0.0.1:8000"


def test_choose_lists_valid_names() -> None:
    with pytest.raises(UnknownBackendError, match="unknown speech backend 'nope'; choose one of: a, b"):
        choose({"b": 1, "a": 2}, "nope", "speech")
    assert choose({"a": 2}, "a", "speech") == 2


@given(st.text(max_size=80))
def test_workspace_validation_never_crashes(name: str) -> None:
    try:
        s = Settings(workspace=name)
    except ValueError:
        return
    assert "/" not in s.workspace and ".." not in s.workspace and len(s.workspace) <= 63
