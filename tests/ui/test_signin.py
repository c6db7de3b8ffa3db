"""Signed-in users (st.login/OIDC) reach only the workspaces the secrets map them to."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from assistant.errors import SettingsError
from ui import session

SECRETS = {
    "auth": {"redirect_uri": "http://localhost:8501/oauth2callback"},
    "workspaces": {"Ana@Clinic.org": ["radiology"], "*": ["public"]},
}


def _signed_in_as(monkeypatch, tmp_path, email: str | None, secrets=SECRETS) -> None:
    fake_st = SimpleNamespace(secrets=secrets, user={"email": email}, session_state={})
    monkeypatch.setattr(session, "st", fake_st)
    monkeypatch.setenv("MODALYST_DATA_DIR", str(tmp_path))


def test_without_sign_in_any_workspace_opens(monkeypatch, tmp_path):
    _signed_in_as(monkeypatch, tmp_path, None, secrets={})
    assert session.allowed_workspaces() is None
    assert session.check_workspace("anything").workspace == "anything"


def test_a_mapped_user_opens_only_their_workspaces(monkeypatch, tmp_path):
    _signed_in_as(monkeypatch, tmp_path, "ana@clinic.org")  # e-mail compared case-insensitively
    assert session.allowed_workspaces() == ["radiology"]
    assert session.check_workspace("radiology").workspace == "radiology"
    with pytest.raises(SettingsError, match="'public' is not open to you; yours: radiology"):
        session.check_workspace("public")


def test_other_users_get_the_star_entry_and_nothing_else(monkeypatch, tmp_path):
    _signed_in_as(monkeypatch, tmp_path, "mallory@example.com")
    assert session.allowed_workspaces() == ["public"]
    with pytest.raises(SettingsError, match="'radiology' is not open to you"):
        session.check_workspace("radiology")


def test_no_star_entry_means_no_workspace(monkeypatch, tmp_path):
    _signed_in_as(monkeypatch, tmp_path, "mallory@example.com", secrets={"auth": {}, "workspaces": {"a@b.c": ["x"]}})
    assert session.allowed_workspaces() == []
    with pytest.raises(SettingsError, match="yours: none"):
        session.check_workspace("x")
