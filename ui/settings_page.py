"""The settings page: which backend serves each role and whether its model is loaded; the domain
profile and the workspace for this browser session, validated with clear messages."""

from __future__ import annotations

import logging
from urllib.parse import urlparse

import streamlit as st

from assistant.errors import ModalystError, SettingsError
from assistant.orchestrator import Assistant
from assistant.settings import Settings
from ui.inert import inert
from ui.session import allowed_workspaces, assistant, check_workspace, current_settings, sign_in_required

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
                st.error(f"{role}: {inert(exc)}")


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
    switched = st.session_state.pop("ws_switched", None)
    if switched:
        st.success(switched)
    if applied:
        try:
            chosen = check_workspace(str(workspace).strip())
        except SettingsError as exc:
            st.error(inert(exc))
            return
        existing = known_workspaces()
        if allowed is None and chosen.workspace != settings.workspace and chosen.workspace not in existing:
            st.session_state["ws_to_create"] = (chosen.workspace, profile)  # asked below, also after a rerun
        else:
            switch(chosen.workspace, profile)
    asked = st.session_state.get("ws_to_create")
    if asked:
        confirm_new_workspace(*asked)


def known_workspaces() -> list[str]:
    try:
        return assistant().workspaces()
    except ModalystError as exc:
        st.error(inert(exc))
        return []


def confirm_new_workspace(name: str, profile: str) -> None:
    """A name that is no workspace yet (a typo such as 'defualt') is created only when confirmed."""
    others = ", ".join(known_workspaces()) or "none yet"
    st.warning(f"There is no workspace **{inert(name)}** yet (existing: {inert(others)}). Create it?")
    yes, no = st.columns(2)
    if yes.button(f"Create {name}", key="ws_create", type="primary"):
        st.session_state.pop("ws_to_create", None)
        switch(name, profile)
    if no.button("Cancel", key="ws_create_cancel"):
        st.session_state.pop("ws_to_create", None)
        st.rerun()


def switch(workspace: str, profile: str) -> None:
    st.session_state["workspace"] = workspace
    st.session_state["profile"] = profile
    st.session_state["ws_switched"] = f"Now using workspace {inert(workspace)} with the {profile} profile; Chat shows this workspace's conversation."
    st.rerun()  # the page (and its form) redrawn for the new workspace, the notice above it


def image_descriptions(settings: Settings) -> None:
    """How images get a caption (the hint in Chat points here)."""
    st.subheader("Image descriptions")
    if settings.answerer == "extractive":
        st.write("Images are read by OCR and the chart reader; no vision-language model describes them. "
                 "To add captions, set one in `modalyst.toml` (or the environment) and restart `modalyst ui`:")
        st.code('answerer = "transformers"\nvlm_model = "HuggingFaceTB/SmolVLM-256M-Instruct"   # or a local folder\n'
                '# or: answerer = "openai" with openai_base_url and openai_model', language="toml")
    else:
        st.write(f"Images are described by the {settings.answerer} answerer's model.")


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
    image_descriptions(settings)
    folder = "" if sign_in_required() else f"data folder: `{settings.data_dir}` · "  # a shared server's folders stay private
    st.caption(f"{folder}remote models allowed: {'yes' if settings.remote_ok else 'no'}")


if __name__ == "__main__":
    render()
