"""The chat page: ask by text or voice, attach images, recordings and PDFs; answers cite evidence.

``[n]`` citations render as chips; choosing one opens its evidence preview (audio at the cited
second, the PDF page, the chart with the cited boxes). Verification warnings are shown, and the
per-stage timings are one click away.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import streamlit as st

from assistant.errors import ModalystError
from assistant.types import Answer, Locator, Turn
from ui.evidence import AUDIO_SUFFIXES, plain, show_evidence, show_passage
from ui.session import assistant, clear_session, current_settings, display_name, history, session_files, workspace_lock
from ui.settings_page import remote_notice

logger = logging.getLogger(__name__)

IMAGE_TYPES = ["png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff", "dcm"]
AUDIO_TYPES = [s.lstrip(".") for s in sorted(AUDIO_SUFFIXES)]
DOC_TYPES = ["pdf", "txt", "md", "csv", "json"]
IMAGE_SUFFIXES = {f".{t}" for t in IMAGE_TYPES}


def render() -> None:
    settings = current_settings()
    st.title("modalyst")
    top = st.columns([4, 1])
    notice = remote_notice(assistant())
    where = "content goes off this machine" if notice else "everything stays on this machine"
    top[0].caption(f"workspace **{settings.workspace}** · profile {settings.profile} · {where}")
    if notice:
        st.warning(notice, icon="🌐")
    if top[1].button("Clear chat", key="clear_chat", help="Forget this chat and delete its uploaded files"):
        clear_session()
    for index, message in enumerate(history()):
        show_message(message, index)
    prompt = st.chat_input(
        "Ask about your calls, filings and charts",
        accept_file="multiple",
        file_type=IMAGE_TYPES + AUDIO_TYPES + DOC_TYPES,
        accept_audio=True,
        key="chat_prompt",
    )
    if prompt:
        ask(prompt)


def show_message(message: dict[str, Any], index: int) -> None:
    with st.chat_message(message["role"]):
        if message.get("answer") is not None:
            show_answer(message["answer"], index)
        elif message.get("error"):
            st.error(message["error"])
        else:
            st.markdown(plain(message["text"]))
            if message.get("attachments"):
                st.caption("📎 " + ", ".join(message["attachments"]))


def show_answer(answer: Answer, index: int) -> None:
    st.markdown(plain(answer.answer))
    for warning in answer.warnings:
        st.warning(warning)
    by_n = {e.n: e for e in answer.evidence}
    cited = list(dict.fromkeys(c.n for c in answer.citations if c.n in by_n))
    precise = {c.n: c.locator for c in reversed(answer.citations)}  # the first citation of each n wins
    labels = {n: f"[{n}] {chip_label(loc)}" for n, loc in precise.items()}
    chosen = None
    if cited:
        chosen = st.pills("Sources", cited, format_func=labels.get, key=f"cite-{index}", label_visibility="collapsed")
    for n in cited:
        with st.expander(labels[n], expanded=chosen == n):
            if chosen == n:  # the preview (page image, audio, chart OCR) is built only for the chosen chip
                show_evidence(by_n[n], precise[n])
            else:
                show_passage(by_n[n])
    with st.expander("Timings"):
        st.dataframe(
            [{"stage": stage, "ms": round(ms, 1)} for stage, ms in answer.timings.items()]
            + [{"stage": "total", "ms": round(sum(answer.timings.values()), 1)}],
            hide_index=True,
        )


def chip_label(loc: Locator) -> str:
    """The locator's label with the file named as the user uploaded it (no library hash prefix)."""
    label = loc.label()
    name = Path(loc.path).name
    return display_name(name) + label[len(name):] if label.startswith(name) else label


def build_turn(prompt: Any) -> tuple[Turn, list[str]]:
    """Save the prompt's files into this session's folder and sort them into a Turn."""
    files = session_files()
    text = prompt if isinstance(prompt, str) else (prompt.text or "")
    uploads = [] if isinstance(prompt, str) else list(prompt.files or [])
    voice = None if isinstance(prompt, str) else prompt.audio
    images: list[str] = []
    others: list[str] = []
    audio_path = None
    if voice is not None:
        audio_path = str(files.save(voice.name or "voice.wav", voice.getvalue()))
    for upload in uploads:
        path = files.save(upload.name, upload.getvalue())
        suffix = path.suffix.lower()
        if suffix in IMAGE_SUFFIXES:
            images.append(str(path))
        elif suffix in AUDIO_SUFFIXES and audio_path is None and not text.strip():
            audio_path = str(path)  # a recording attached without text is the spoken question
        else:
            others.append(str(path))
    turn = Turn(text=text.strip() or None, audio=audio_path, images=tuple(images), files=tuple(others))
    return turn, [u.name for u in uploads]


def ask(prompt: Any) -> None:
    turn, attachments = build_turn(prompt)
    message = {"role": "user", "text": turn.text or "🎤 …", "attachments": attachments}
    history().append(message)
    with st.chat_message("user"):
        shown = st.empty()
        shown.markdown(plain(message["text"]) if turn.audio is None else "🎤 transcribing your question …")
        if attachments:
            st.caption("📎 " + ", ".join(attachments))
    with st.chat_message("assistant"):
        try:
            answer = answer_turn(turn)
        except ModalystError as exc:
            history().append({"role": "assistant", "error": str(exc)})
            st.error(str(exc))
            if turn.audio is not None:
                shown.markdown("🎤 (not understood)")
            return
        message["text"] = answer.question
        shown.markdown(plain(answer.question))
        history().append({"role": "assistant", "answer": answer})  # kept even if a click reruns mid-render
        show_answer(answer, len(history()) - 1)


def answer_turn(turn: Turn) -> Answer:
    """Ask the workspace's assistant; an answerer that streams tokens writes them as they come."""
    bot = assistant()
    answerer = bot.answerer()
    if not hasattr(answerer, "on_token"):
        with st.spinner("Thinking …"):
            return bot.ask(turn)
    box = st.empty()
    pieces: list[str] = []

    def on_token(piece: str) -> None:
        pieces.append(piece)
        box.markdown("".join(pieces) + "▌")

    with workspace_lock(bot.settings.workspace):
        answerer.on_token = on_token
        try:
            with st.spinner("Thinking …"):
                return bot.ask(turn)
        finally:
            answerer.on_token = None
            box.empty()


if __name__ == "__main__":
    render()
