"""The settings page: which backend serves each role and whether its model is loaded; the domain
profile and the workspace for this browser session, validated with clear messages."""

from __future__ import annotations

import logging
from urllib.parse import urlparse

import streamlit as st

from assistant.errors import ModalystError, SettingsError
from assistant.orchestrator import Assistant
from assistant.settings import Settings
from ui.session import allowed_workspaces, assistant, check_workspace, current_settings

logger = logging.getLogger(__name__)

PROFILES = ["general", "finance", "medical"]


def roles(bot: Assistant) -> list[dict[str, str]]:
    """One row per role: backend, model, whether the model is in memory, and where it runs."""
    return [
        {
            "role": row.role,
            "backend": row.backend,
            "model": row.model or "—",
            "state": row.state,
            "runs on": f"remote: {urlparse(row.endpoint).hostname}" if row.remote else "this machine",
        }
        for row in bot.backend_status()
    ]


def remote_notice(bot: Assistant) -> str:
    """A one-line notice naming each role that sends content off this machine ('' when none does)."""
    remote = [row for row in bot.backend_status() if row.remote]
    if not remote:
        return ""
    where = ", ".join(f"the {row.role} at {urlparse(row.endpoint).hostname}" for row in remote)
    refused = any(row.role == "answerer" for row in remote) and not bot.settings.remote_ok
    return f"Remote endpoint in use: {where}; questions and evidence are sent there" + (
        " (the answerer refuses until remote_ok = true)." if refused else "."
    )


def warm_up(bot: Assistant) -> None:
    """Load every model now (first answers are then fast)."""
    with st.spinner("Loading models …"):
        for role, build in (("answerer", bot.answerer), ("speech", bot.transcriber), ("ocr", bot.ocr_reader), ("embedder", lambda: bot.store.embedder)):
            try:
                build().warm_up()
            except ModalystError as exc:
                st.error(f"{role}: {exc}")


def choose_workspace_and_profile(settings: Settings) -> None:
    allowed = allowed_workspaces()
    with st.form("session_settings"):
        if allowed is None:
            workspace = st.text_input("Workspace", value=settings.workspace, key="ws_input", help="letters, digits, '-' and '_'")
        else:
            options = allowed or [settings.workspace]
            workspace = st.selectbox("Workspace", options, index=options.index(settings.workspace) if settings.workspace in options else 0, key="ws_input")
        profile = st.selectbox("Domain profile", PROFILES, index=PROFILES.index(settings.profile), key="profile_input")
        applied = st.form_submit_button("Apply")
    if not applied:
        return
    try:
        chosen = check_workspace(str(workspace).strip())
    except SettingsError as exc:
        st.error(str(exc))
        return
    st.session_state["workspace"] = chosen.workspace
    st.session_state["profile"] = profile
    st.success(f"Now using workspace {chosen.workspace!r} with the {profile} profile.")


def render() -> None:
    settings = current_settings()
    st.title("Settings")
    choose_workspace_and_profile(settings)
    st.subheader("Backends")
    bot = assistant()
    notice = remote_notice(bot)
    if notice:
        st.warning(notice, icon="🌐")
    st.dataframe(roles(bot), hide_index=True)
    if st.button("Load models now", key="warm_up"):
        warm_up(bot)
        st.rerun()
    st.caption(f"data folder: `{settings.data_dir}` · remote models allowed: {'yes' if settings.remote_ok else 'no'}")


if __name__ == "__main__":
    render()
