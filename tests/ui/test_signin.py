"""Signed-in users (st.login/OIDC, verified e-mail) reach only the workspaces the secrets map them to;
the key sign-in's throttle and sessions."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from assistant.api_keys import KeyTable
from assistant.errors import SettingsError
from ui import session
from ui.signin import KeySessions, Throttle

SECRETS = {
    "auth": {"redirect_uri": "http://localhost:8501/oauth2callback"},
    "workspaces": {"Ana@Clinic.org": ["radiology"], "*": ["public"]},
}


def _signed_in_as(monkeypatch, tmp_path, email: str | None, secrets=SECRETS, verified: bool | None = True) -> None:
    user = {"email": email, "is_logged_in": email is not None, "email_verified": verified}
    fake_st = SimpleNamespace(secrets=secrets, user=user, session_state={})
    monkeypatch.setattr(session, "st", fake_st)
    monkeypatch.setattr(session, "key_table", lambda: KeyTable({}))
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


@pytest.mark.parametrize("verified", [False, None, "true"])
def test_an_unverified_email_opens_nothing(monkeypatch, tmp_path, verified):
    _signed_in_as(monkeypatch, tmp_path, "ana@clinic.org", verified=verified)  # the mapped e-mail, not vouched for
    assert session.oidc_user_unverified()
    assert session.signed_in_workspaces() is None
    assert session.allowed_workspaces() == []
    with pytest.raises(SettingsError, match="'radiology' is not open to you; yours: none"):
        session.check_workspace("radiology")


# -- key sign-in -------------------------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failures_double_the_wait_up_to_the_cap_and_a_success_clears_it():
    clock = Clock()
    throttle = Throttle(base=0.5, cap=60.0, burst=10_000, clock=clock)
    waits = []
    for _ in range(10):
        throttle.failed("10.0.0.7")
        waits.append(throttle.wait("10.0.0.7"))
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]
    assert throttle.wait("10.0.0.8") == 0  # another client is not slowed by this one
    clock.now += 61
    assert throttle.wait("10.0.0.7") == 0
    throttle.succeeded("10.0.0.7")
    throttle.failed("10.0.0.7")
    assert throttle.wait("10.0.0.7") == 0.5


def test_a_flood_of_wrong_keys_from_many_clients_brakes_everyone_and_stays_bounded():
    clock = Clock()
    throttle = Throttle(burst=30, window=60.0, global_wait=5.0, clients=1000, clock=clock)
    for n in range(50_000):
        throttle.failed(f"10.{n % 250}.{n // 250 % 250}.{n % 7}")
    assert throttle.total_failures == 50_000
    assert len(throttle._failures) <= 1000  # memory stays bounded
    assert throttle.wait("192.0.2.1") == 5.0  # a fresh client waits out the global brake
    clock.now += 5.1
    assert throttle.wait("192.0.2.1") == 0


def test_sessions_hold_tokens_not_keys_and_expire():
    clock = Clock()
    sessions = KeySessions(hours=1, clock=clock)
    token = sessions.open(frozenset({"beta", "alpha"}))
    assert sessions.workspaces(token) == ("alpha", "beta")
    assert sessions.workspaces("guess") is None and sessions.workspaces(None) is None and sessions.workspaces(["x"]) is None
    clock.now += 3601
    assert sessions.workspaces(token) is None
    other = sessions.open(frozenset({"beta"}))
    sessions.close(other)
    assert sessions.workspaces(other) is None
