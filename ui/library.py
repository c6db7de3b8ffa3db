"""The library page: ingest files (uploaded, or a local file/folder when single-user) into the
current workspace with a progress bar per file; list the sources; remove one."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import streamlit as st

from assistant.errors import ModalystError
from assistant.orchestrator import Assistant
from assistant.types import Source
from ui.session import LIBRARY_FOLDER, assistant, current_settings, display_name, keep_in_library, sign_in_required

logger = logging.getLogger(__name__)


class FileBars:
    """A progress bar per file, driven by ``Assistant.ingest``'s ``progress(path, index, total)``."""

    def __init__(self) -> None:
        self.bars: dict[str, Any] = {}
        self.current: str | None = None

    def __call__(self, path: str, index: int, total: int) -> None:
        if self.current is not None:
            self.bars[self.current].progress(1.0, text=f"{display_name(self.current)}: done")
        self.current = path or None
        if path:
            self.bars[path] = st.progress(0.05, text=f"{display_name(path)}: reading ({index + 1}/{total}) …")


def ingest(bot: Assistant, paths: list[Path]) -> None:
    """Ingest ``paths`` with a bar per file and report what was added, skipped or failed."""
    bars = FileBars()
    try:
        report = bot.ingest(paths, progress=bars)
    except ModalystError as exc:
        st.error(str(exc))
        return
    for source in report.added:
        st.success(f"added {display_name(source.path)}: {describe(source)}")
    for source in report.skipped:
        st.info(f"already in the library: {display_name(source.path)}")
    library = (current_settings().data_dir / LIBRARY_FOLDER).resolve()
    for path, error in report.failed:
        st.error(f"{display_name(path)}: {error.replace(str(path), display_name(path))}")
        if Path(path).resolve().is_relative_to(library):  # our copy of a file that failed: drop it
            Path(path).unlink(missing_ok=True)
    for warning in report.warnings:
        st.warning(warning)


def describe(source: Source) -> str:
    parts = [source.kind]
    if source.pages is not None:
        parts.append(f"{source.pages} pages")
    if source.duration is not None:
        minutes, seconds = divmod(int(round(source.duration)), 60)
        parts.append(f"{minutes}:{seconds:02d}")
    parts.append(f"{source.chunks} chunks")
    return " · ".join(parts)


def upload_form(bot: Assistant) -> None:
    settings = current_settings()
    with st.form("ingest_form", clear_on_submit=True):
        uploads = st.file_uploader("Files (recordings, PDFs, images, text)", accept_multiple_files=True, key="library_uploads")
        local = ""
        if not sign_in_required():  # single-user: the files are on this machine already
            local = st.text_input("…or a file or folder on this machine", key="library_path")
        submitted = st.form_submit_button("Ingest")
    if not submitted:
        return
    paths = [keep_in_library(settings, u.name, u.getvalue()) for u in uploads or []]
    if local.strip():
        paths.append(Path(local.strip()).expanduser())
    if not paths:
        st.warning("Choose files to upload or name a file or folder.")
        return
    ingest(bot, paths)


def source_list(bot: Assistant) -> None:
    try:
        sources = bot.sources()
    except ModalystError as exc:
        st.error(str(exc))
        return
    if not sources:
        st.info("No sources yet. Upload a call recording, a filing or a chart above.")
        return
    for source in sorted(sources, key=lambda s: Path(s.path).name.lower()):
        row = st.columns([5, 3, 1], vertical_alignment="center")
        row[0].markdown(f"**{display_name(source.path)}**")
        row[1].caption(describe(source))
        if row[2].button("Remove", key=f"forget-{source.id}", help=f"Remove {display_name(source.path)} from the workspace"):
            forget(bot, source)


def forget(bot: Assistant, source: Source) -> None:
    try:
        bot.forget(source.id)
    except ModalystError as exc:
        st.error(str(exc))
        return
    library = (current_settings().data_dir / LIBRARY_FOLDER).resolve()
    path = Path(source.path)
    if path.resolve().is_relative_to(library):  # our own copy of an upload: delete it too
        path.unlink(missing_ok=True)
    st.toast(f"removed {display_name(path)}")
    st.rerun()


def render() -> None:
    settings = current_settings()
    st.title("Library")
    st.caption(f"workspace **{settings.workspace}**")
    bot = assistant()
    upload_form(bot)
    st.subheader("Sources")
    source_list(bot)


if __name__ == "__main__":
    render()
