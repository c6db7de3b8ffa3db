"""The chat page: ask by text or voice, attach any file the Library reads; answers cite evidence.

``[n]`` citations render as chips; choosing one opens its evidence preview (audio at the cited
second, the PDF page, the chart with the cited boxes). Verification warnings are shown, and the
per-stage timings are one click away.

Turns stay straight: each workspace has its own conversation in this tab (``ui.conversation_store``,
kept on disk so a reload keeps it); a question is stored before it is answered and the input is
disabled until its answer is stored; an answer whose tab has gone is cancelled between stages.
"""

from __future__ import annotations

import logging
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import streamlit as st

from assistant.citations import citation_label
from assistant.errors import BadInputError, CancelledError, ModalystError
from assistant.input_checks import EMPTY_QUESTION, check_question, check_upload
from assistant.types import Answer, Citation, Evidence, Turn
from ui.conversation_store import Conversation, decode_answer, decode_turn
from ui.evidence import show_evidence, show_passage
from ui.inert import inert
from ui.session import assistant, clear_session, conversation, current_settings, display_name, session_files, workspace_lock
from ui.settings_page import remote_notice

logger = logging.getLogger(__name__)

CAPTION_HINT = "Images get no caption: no vision-language model is set up. Settings › Image descriptions shows how to add one."
WAITING = "⏳ waits for the answer above"


def render() -> None:
    settings = current_settings()
    talk = conversation(settings.workspace)
    st.title("modalyst")
    top = st.columns([4, 1])
    notice = remote_notice(assistant())
    where = "content goes off this machine" if notice else "everything stays on this machine"
    top[0].caption(f"workspace **{inert(settings.workspace)}** · profile {settings.profile} · {where}")
    if notice:
        st.warning(notice, icon="🌐")
    if top[1].button("Clear chat", key="clear_chat", help="Forget this tab's chats (every workspace) and delete their uploaded files"):
        clear_session()
    messages = talk.messages()
    waiting = [m for m in messages if m.get("role") == "user" and m.get("status") == "pending"]
    for index, message in enumerate(messages):
        show_message(talk, message, index, waiting[1:])
    prompt = st.chat_input(
        "Ask about your calls, filings and charts",
        accept_file="multiple",  # every kind the Library reads; others get one message naming what is accepted
        accept_audio=True,
        submit_mode="disable",  # no second question while this run answers the first
        disabled=bool(waiting),
        key=f"chat_prompt-{settings.workspace}",
    )
    if prompt:
        asked = submit(talk, prompt)
        if asked is not None and not waiting:
            waiting = [asked]
    if waiting:
        answer_pending(talk, waiting[0])


def show_message(talk: Conversation, message: dict[str, Any], index: int, queued: list[dict[str, Any]]) -> None:
    with st.chat_message(message["role"]):
        if message.get("answer") is not None:
            show_answer(talk, decode_answer(message["answer"]), index)
        elif message.get("error"):
            st.error(inert(message["error"]))
        else:
            turn = decode_turn(message.get("turn", {}))
            voice = message.get("status") == "pending" and turn.audio is not None and not turn.text
            st.markdown("🎤 transcribing your question …" if voice else inert(message["text"]))
            if message.get("attachments"):
                st.caption("📎 " + inert(", ".join(message["attachments"])))
            if any(m.get("id") == message.get("id") for m in queued):
                st.caption(WAITING)


def show_answer(talk: Conversation, answer: Answer, index: int) -> None:
    st.markdown(inert(answer.answer))
    for warning in answer.warnings:
        if warning.split(": ", 1)[-1].startswith("no caption"):
            if index == first_caption_hint(talk):  # once per conversation, at its first image
                st.info(CAPTION_HINT)
            continue
        st.warning(inert(warning))
    by_n = {e.n: e for e in answer.evidence}
    cited = list(dict.fromkeys(c.n for c in answer.citations if c.n in by_n))
    precise = {c.n: c for c in reversed(answer.citations)}  # the first citation of each n wins
    labels = {n: f"[{n}] {chip_label(precise[n], by_n[n])}" for n in cited}
    chosen = None
    if cited:
        chosen = st.pills("Sources", cited, format_func=lambda n: inert(labels[n]), key=f"cite-{index}", label_visibility="collapsed")
    for n in cited:
        with st.expander(inert(labels[n]), expanded=chosen == n):
            if chosen == n:  # the preview (page image, audio, chart OCR) is built only for the chosen chip
                show_evidence(by_n[n], precise[n].locator)
            else:
                show_passage(by_n[n])
    with st.expander("Timings"):
        st.dataframe(
            [{"stage": stage, "ms": round(ms, 1)} for stage, ms in answer.timings.items()]
            + [{"stage": "total", "ms": round(sum(answer.timings.values()), 1)}],
            hide_index=True,
        )


def first_caption_hint(talk: Conversation) -> int | None:
    """The index of the first answer in the conversation that carries the caption hint (shown there only)."""
    for index, message in enumerate(talk.messages()):
        answer = message.get("answer")
        if answer and any(w.split(": ", 1)[-1].startswith("no caption") for w in answer.get("warnings", ())):
            return index
    return None


def chip_label(citation: Citation, evidence: Evidence | None = None) -> str:
    """A label a person can read ('report.pdf · p. 2', 'call.flac · 00:22 CFO', 'chart.png · Q4 bar'),
    the file named as the user uploaded it (no library hash prefix)."""
    label = citation_label(citation, evidence)
    name = Path(citation.locator.path).name
    return display_name(name) + label[len(name):] if label.startswith(name) else label


def build_turn(prompt: Any) -> tuple[Turn, list[str]]:
    """Check the prompt (text, each file's type and size) and save its files into this tab's folder.

    Raises BadInputError with the one message to show; nothing is saved then."""
    settings = current_settings()
    text = prompt if isinstance(prompt, str) else (prompt.text or "")
    uploads = [] if isinstance(prompt, str) else list(prompt.files or [])
    voice = None if isinstance(prompt, str) else prompt.audio
    kinds = [check_upload(u.name, u.size, settings) for u in uploads]  # unsupported or too large: refused first
    spoken = voice is not None or (not text.strip() and "audio" in kinds)
    if not text.strip() and not spoken:
        named = ", ".join(u.name for u in uploads)
        raise BadInputError(f"{EMPTY_QUESTION}" + (f" about {named}" if named else ""))
    question = check_question(text, settings, has_audio=spoken)
    files = session_files()
    images: list[str] = []
    others: list[str] = []
    audio_path = None
    if voice is not None:
        audio_path = str(files.save(voice.name or "voice.wav", voice.getvalue()))
    for upload, kind in zip(uploads, kinds):
        path = files.save(upload.name, upload.getvalue())
        if kind == "image":
            images.append(str(path))
        elif kind == "audio" and audio_path is None and question is None:
            audio_path = str(path)  # a recording attached without text is the spoken question
        else:
            others.append(str(path))
    turn = Turn(text=question, audio=audio_path, images=tuple(images), files=tuple(others))
    return turn, [u.name for u in uploads]


def submit(talk: Conversation, prompt: Any) -> dict[str, Any] | None:
    """Store a new question (answered next, or after the one being answered); a bad prompt gets its
    message and no bubble."""
    try:
        turn, attachments = build_turn(prompt)
    except ModalystError as exc:
        st.error(inert(str(exc)), icon="✋")
        return None
    message_id = talk.add_question(turn.text or "🎤", attachments, turn)
    with st.chat_message("user"):
        st.markdown(inert(turn.text) if turn.text else "🎤 transcribing your question …")
        if attachments:
            st.caption("📎 " + inert(", ".join(attachments)))
    return next(m for m in talk.messages() if m.get("id") == message_id)


def answer_pending(talk: Conversation, message: dict[str, Any]) -> None:
    """Answer the oldest waiting question and store the answer; stops when the tab has gone."""
    stop = abandoned(talk, message["id"])
    with st.chat_message("assistant"):
        try:
            answer = answer_turn(decode_turn(message["turn"]), stop)
        except CancelledError:
            return  # the tab went away (logged where it was noticed), or another of its sessions answered
        except ModalystError as exc:
            talk.finish(message["id"], error=str(exc))
        else:
            talk.finish(message["id"], answer=answer)
    st.rerun()  # show it from the stored conversation (chips, warnings) and enable the input again


def abandoned(talk: Conversation, message_id: str) -> Any:
    """``should_stop`` for an answer: the browser session has gone, or another session of this tab
    (after a reload) answered the question already."""
    from streamlit import runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    session_id = context.session_id if context is not None else None
    checked = [0.0, False]

    def stop() -> bool:
        if session_id is not None and runtime.exists() and not runtime.get_instance().is_active_session(session_id):
            logger.warning("an abandoned question's answer was cancelled (its browser tab went away)")
            return True
        now = time.monotonic()
        if now - checked[0] > 0.5:  # the file is read at most twice a second
            checked[0], checked[1] = now, talk.status(message_id) != "pending"
        return bool(checked[1])

    return stop


def answer_turn(turn: Turn, should_stop: Any = None) -> Answer:
    """Ask the workspace's assistant, showing the answer as it is produced."""
    bot = assistant()
    box = st.empty()
    pieces: list[str] = []

    def on_token(piece: str) -> None:
        pieces.append(piece)
        box.markdown(inert("".join(pieces)) + "▌")

    streams = hasattr(bot.answerer(), "on_token")  # a streaming answerer's token callback is shared per workspace
    with workspace_lock(bot.settings.workspace) if streams else nullcontext():
        try:
            with st.spinner("Thinking …"):
                return bot.ask(turn, on_token=on_token, should_stop=should_stop)
        finally:
            box.empty()


if __name__ == "__main__":
    render()
