"""The settings page: which backend serves each role and whether its model is loaded; the domain
profile and the workspace for this browser session, validated with clear messages."""

from __future__ import annotations

import logging
from typing import Any

import streamlit as st

from assistant.errors import ModalystError, SettingsError
from assistant.orchestrator import Assistant
from assistant.settings import Settings
from ui.session import allowed_workspaces, assistant, check_workspace, current_settings

logger = logging.getLogger(__name__)

PROFILES = ["general", "finance", "medical"]
NO_MODEL = "no model needed"


def is_loaded(backend: Any) -> str:
    """"loaded", "not loaded yet" or "no model needed" for a backend object (duck-typed: backends
    keep their model in ``_model`` or ``_engine`` once ``warm_up`` ran)."""
    holders = [name for name in ("_model", "_engine") if hasattr(backend, name)]
    if not holders:
        return NO_MODEL
    return "loaded" if any(getattr(backend, name) is not None for name in holders) else "not loaded yet"


def roles(bot: Assistant) -> list[dict[str, str]]:
    """One row per role: backend name, model, and whether the model is in memory."""
    s: Settings = bot.settings
    rows = []
    answerer_model = {"transformers": s.vlm_model, "openai": f"{s.openai_model} @ {s.openai_base_url}"}.get(s.answerer, "")
    parts = [
        ("answerer", s.answerer, answerer_model, bot.answerer),
        ("speech", s.speech_backend, s.speech_model, bot.transcriber),
        ("OCR", s.ocr_backend, "", bot.ocr_reader),
        ("embedder", s.embedder, s.embedder_model or ("all-MiniLM-L6-v2" if s.embedder == "minilm" else ""), lambda: bot.store.embedder),
    ]
    for role, backend, model, build in parts:
        try:
            state = is_loaded(build())
        except ModalystError as exc:
            state = f"unavailable: {exc}"
        rows.append({"role": role, "backend": backend, "model": model or "—", "state": state})
    store = s.store or f"embedded Chroma in {s.store_dir}"
    rows.append({"role": "store", "backend": "chroma", "model": store, "state": NO_MODEL})
    return rows


def warm_up(bot: Assistant) -> None:
    """Load every model now (first answers are then fast)."""
    with st.spinner("Loading models …"):
        for role, build in (("answerer", bot.answerer), ("speech", bot.transcriber), ("OCR", bot.ocr_reader), ("embedder", lambda: bot.store.embedder)):
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
    st.dataframe(roles(bot), hide_index=True)
    if st.button("Load models now", key="warm_up"):
        warm_up(bot)
        st.rerun()
    st.caption(f"data folder: `{settings.data_dir}` · remote models allowed: {'yes' if settings.remote_ok else 'no'}")


if __name__ == "__main__":
    render()
