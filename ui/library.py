"""The library page: ingest files (uploaded, or a local file/folder when single-user) into the
current workspace with a progress bar per file; list the sources by the names users gave them (kind,
size, date; sortable); remove one after a confirmation. No message shows a server folder."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import streamlit as st

from assistant.errors import ModalystError
from assistant.input_checks import LONG_RECORDINGS, check_upload
from assistant.orchestrator import Assistant
from assistant.types import Source
from ui.inert import inert
from ui.session import LIBRARY_FOLDER, assistant, current_settings, display_name, keep_in_library, server_paths_allowed

logger = logging.getLogger(__name__)


class FileBars:
    """A progress bar per file, driven by ``Assistant.ingest``'s ``progress(path, index, total)``."""

    def __init__(self) -> None:
        self.bars: dict[str, Any] = {}
        self.current: str | None = None

    def __call__(self, path: str, index: int, total: int) -> None:
        if self.current is not None:
            self.bars[self.current].progress(1.0, text=f"{inert(display_name(self.current))}: done")
        self.current = path or None
        if path:
            self.bars[path] = st.progress(0.05, text=f"{inert(display_name(path))}: reading ({index + 1}/{total}) …")


def ingest(bot: Assistant, paths: list[Path]) -> None:
    """Ingest ``paths`` with a bar per file and report what was added, skipped or failed."""
    bars = FileBars()
    try:
        report = bot.ingest(paths, progress=bars)
    except ModalystError as exc:
        st.error(inert(without_folders(str(exc), paths)))
        return
    for source in report.added:
        st.success(f"added {inert(display_name(source.path))}: {describe(source)}")
    for source in report.skipped:
        st.info(f"already in the library: {inert(display_name(source.path))}")
    library = (current_settings().data_dir / LIBRARY_FOLDER).resolve()
    for path, error in report.failed:
        message = without_folders(error, [Path(path)])
        name = display_name(path)
        st.error(inert(message if message.startswith(f"{name}:") else f"{name}: {message}"))
        if Path(path).resolve().is_relative_to(library):  # our copy of a file that failed: drop it
            Path(path).unlink(missing_ok=True)
    for warning in report.warnings:
        st.warning(inert(without_folders(warning, paths)))


def without_folders(text: str, paths: list[Path]) -> str:
    """``text`` with each path (as given or resolved, and the library folder) shown as the file's name."""
    library = current_settings().data_dir / LIBRARY_FOLDER
    for path in sorted(paths, key=lambda p: -len(str(p))):
        for form in {str(path.resolve()), str(path)}:
            text = text.replace(form, display_name(path))
    return text.replace(f"{library.resolve()}/", "").replace(f"{library}/", "")


def describe(source: Source) -> str:
    parts = [source.kind]
    if source.pages is not None:
        parts.append(f"{source.pages} pages")
    if source.duration is not None:
        minutes, seconds = divmod(int(round(source.duration)), 60)
        parts.append(f"{minutes}:{seconds:02d}")
    parts.append(f"{source.chunks} chunks")
    if source.kind == "speakers":  # a speaker sidecar: which recording it labels
        parts[-1] = f"speakers of {source.speakers}" if source.speakers else "speakers, waiting for a recording of the same name"
    elif source.speakers:
        parts.append(f"speakers from {source.speakers}")
    return " · ".join(parts)


def upload_form(bot: Assistant) -> None:
    settings = current_settings()
    limit_mb = float(st.get_option("server.maxUploadSize"))
    with st.form("ingest_form", clear_on_submit=True):
        uploads = st.file_uploader("Files (recordings, PDFs, images, tables, web pages, text, transcripts)", accept_multiple_files=True, key="library_uploads")
        st.caption(f"Up to {limit_mb:g} MB per upload; {LONG_RECORDINGS}.")
        local = ""
        if server_paths_allowed():  # loopback without sign-in (or an administrator's ui_server_paths)
            local = st.text_input("…or a file or folder on this machine", key="library_path")
        submitted = st.form_submit_button("Ingest")
    if not submitted:
        return
    uploads = checked_uploads(uploads or [], settings, int(limit_mb * 2**20))
    paths = [keep_in_library(settings, u.name, u.getvalue()) for u in uploads or []]
    if local.strip() and server_paths_allowed():
        paths.append(Path(local.strip()).expanduser())
    if not paths:
        st.warning("Choose files to upload or name a file or folder.")
        return
    ingest(bot, paths)


def checked_uploads(uploads: list[Any], settings: Any, limit_bytes: int) -> list[Any]:
    """The uploads whose type and size are accepted; each refused one gets its message."""
    kept = []
    for upload in uploads:
        try:
            check_upload(upload.name, upload.size, settings, limit_bytes)
        except ModalystError as exc:
            st.error(inert(str(exc)))
            continue
        kept.append(upload)
    return kept


def source_rows(sources: list[Source]) -> list[dict[str, Any]]:
    """One row per source, named as the user gave it, with kind, size, date and what was read."""
    rows = []
    for source in sorted(sources, key=lambda s: display_name(s.path).lower()):
        path = Path(source.path)
        try:
            stat = path.stat()
            size, date = round(stat.st_size / 1024, 1), time.strftime("%Y-%m-%d %H:%M", time.localtime(stat.st_mtime))
        except OSError:
            size, date = None, "file gone"
        rows.append({"name": display_name(path), "kind": source.kind, "size (KB)": size, "date": date, "contents": describe(source)})
    return rows


def source_list(bot: Assistant) -> None:
    try:
        sources = bot.sources()
    except ModalystError as exc:
        st.error(inert(str(exc)))
        return
    done = st.session_state.pop("library_removed", None)
    if done:
        st.success(f"Removed {inert(done)} from the workspace.")
    if not sources:
        st.info("No sources yet. Upload a call recording, a filing or a chart above.")
        return
    st.dataframe(source_rows(sources), hide_index=True, key="library_table")  # click a column to sort
    by_id = {s.id: s for s in sources}
    ordered = sorted(sources, key=lambda s: display_name(s.path).lower())
    row = st.columns([4, 1], vertical_alignment="bottom")
    chosen = row[0].selectbox("Source to remove", [s.id for s in ordered], format_func=lambda i: label_of(by_id[i]), key="remove_choice")
    if row[1].button("Remove…", key="remove_source") and chosen in by_id:
        st.session_state["library_confirm"] = chosen
    asked = st.session_state.get("library_confirm")
    if asked in by_id:  # the question stays open until answered (also across a full rerun)
        confirm_remove(bot, by_id[asked])


def _dismissed() -> None:
    st.session_state.pop("library_confirm", None)


def label_of(source: Source) -> str:
    return f"{display_name(source.path)} · {source.kind} · {source.id[:6]}"


@st.dialog("Remove a source", on_dismiss=_dismissed)
def confirm_remove(bot: Assistant, source: Source) -> None:
    name = display_name(source.path)
    st.write(f"Remove **{inert(name)}** from workspace **{inert(bot.settings.workspace)}**? Its {source.chunks} chunks go "
             "from the index and answers can no longer cite it.")
    yes, no = st.columns(2)
    if yes.button("Remove", type="primary", key="remove_confirmed"):
        _dismissed()
        forget(bot, source)
    if no.button("Cancel", key="remove_cancelled"):
        _dismissed()
        st.rerun()


def forget(bot: Assistant, source: Source) -> None:
    try:
        bot.forget(source.id)
    except ModalystError as exc:
        st.error(inert(without_folders(str(exc), [Path(source.path)])))
        return
    library = (current_settings().data_dir / LIBRARY_FOLDER).resolve()
    path = Path(source.path)
    if path.resolve().is_relative_to(library):  # our own copy of an upload: delete it too
        path.unlink(missing_ok=True)
    st.session_state["library_removed"] = display_name(path)  # confirmed on the page after the rerun
    st.rerun()


def render() -> None:
    settings = current_settings()
    st.title("Library")
    st.caption(f"workspace **{inert(settings.workspace)}**")
    bot = assistant()
    upload_form(bot)
    st.subheader("Sources")
    source_list(bot)


if __name__ == "__main__":
    render()
