"""The Streamlit chat (first version): ask text questions about a workspace; answers show citations.

Run with ``modalyst ui``. Talks to ``assistant`` only through its public API.
"""

from __future__ import annotations

import streamlit as st

from assistant.errors import ModalystError
from assistant.orchestrator import Assistant
from assistant.settings import load_settings
from assistant.types import Answer, Turn


@st.cache_resource(show_spinner="Loading models …")
def get_assistant(workspace: str) -> Assistant:
    """One assistant per workspace and process; it holds models and the store, never user data."""
    return Assistant(load_settings({"workspace": workspace}))


def show_answer(answer: Answer) -> None:
    st.markdown(answer.answer)
    by_n = {e.n: e for e in answer.evidence}
    for citation in answer.citations:
        evidence = by_n.get(citation.n)
        with st.expander(f"[{citation.n}] {citation.locator.label()}"):
            st.write(evidence.text if evidence else "")
    for warning in answer.warnings:
        st.warning(warning)
    with st.expander("timings"):
        st.json({stage: f"{ms:.0f} ms" for stage, ms in answer.timings.items()})


def main() -> None:
    st.set_page_config(page_title="modalyst", page_icon="📈")
    st.title("modalyst")
    workspace = load_settings().workspace
    st.caption(f"workspace: {workspace} · everything stays on this machine")
    history = st.session_state.setdefault("history", [])
    for role, content in history:
        with st.chat_message(role):
            show_answer(content) if isinstance(content, Answer) else st.markdown(content)
    question = st.chat_input("Ask about your calls, filings and charts")
    if not question:
        return
    history.append(("user", question))
    with st.chat_message("user"):
        st.markdown(question)
    with st.chat_message("assistant"):
        try:
            with st.spinner("Thinking …"):
                answer = get_assistant(workspace).ask(Turn(text=question))
        except ModalystError as exc:
            st.error(str(exc))
            history.append(("assistant", f"⚠️ {exc}"))
            return
        show_answer(answer)
    history.append(("assistant", answer))


main()
