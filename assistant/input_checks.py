"""Checks on what a person sends, with one message per problem, the same in Chat, Library, CLI and API.

Each message says what to do next: an empty question asks for one, a long question states the cap
and its setting, an oversize file names the ways that take long recordings, an unsupported file
lists what is accepted (from the one registry of readable kinds, ``extract.KIND_BY_EXT``).

Example:
    >>> from assistant.settings import Settings
    >>> check_question("  What was gross margin?  ", Settings())
    'What was gross margin?'
    >>> check_question(" ", Settings())
    Traceback (most recent call last):
    ...
    assistant.errors.BadInputError: the question is empty: type a question, record one, or attach a recording
"""

from __future__ import annotations

from pathlib import Path

from assistant.errors import BadInputError, UnsupportedFileError
from assistant.extract import KIND_BY_EXT, accepted_kinds, unsupported_type
from assistant.settings import Settings

EMPTY_QUESTION = "the question is empty: type a question, record one, or attach a recording"
LONG_RECORDINGS = "to add a longer recording, name it in the Library's local-file box or run `modalyst ingest PATH`"

__all__ = [
    "EMPTY_QUESTION",
    "LONG_RECORDINGS",
    "accepted_kinds",
    "accepted_types",
    "check_file",
    "check_question",
    "check_upload",
    "file_kind",
]


def accepted_types() -> list[str]:
    """Every extension a file may have, without the dot (for upload widgets)."""
    return sorted(ext.lstrip(".") for ext in KIND_BY_EXT)


def check_question(text: str | None, settings: Settings, has_audio: bool = False) -> str | None:
    """The question stripped of surrounding space (``None`` when only a recording asks it).

    Raises BadInputError when there is no question at all, or when it is longer than
    ``settings.max_question_chars`` (the message states the cap and the setting)."""
    question = (text or "").strip()
    if not question and not has_audio:
        raise BadInputError(EMPTY_QUESTION)
    cap = settings.max_question_chars
    if len(question) > cap:
        raise BadInputError(
            f"the question is {len(question):,} characters, over the limit of {cap:,} (setting max_question_chars): "
            "shorten it, or attach the text as a .txt file and ask about it"
        )
    return question or None


def file_kind(name: str) -> str:
    """The kind a file of this name is read as; UnsupportedFileError (listing what is accepted) else."""
    kind = KIND_BY_EXT.get(Path(name).suffix.lower())
    if kind is None:
        raise UnsupportedFileError(unsupported_type(name))
    return kind


def check_upload(name: str, size: int, settings: Settings, limit_bytes: int | None = None) -> str:
    """The kind of an uploaded file after checking its type and size (``limit_bytes``: the door's own
    upload limit, when smaller than ``max_file_mb``). Messages name the file, never a server folder."""
    kind = file_kind(name)
    limit = settings.max_file_mb * 2**20
    setting = "setting max_file_mb"
    if limit_bytes is not None and limit_bytes < limit:
        limit, setting = float(limit_bytes), "the upload limit"
    if size > limit:
        raise BadInputError(f"{Path(name).name} is {_mb(size)}, over {_mb(limit)} ({setting}); {LONG_RECORDINGS}")
    return kind


def check_file(path: Path, settings: Settings) -> str:
    """:func:`check_upload` for a file on disk (its name and size)."""
    return check_upload(path.name, path.stat().st_size, settings)


def _mb(size: float) -> str:
    return f"{size / 2**20:,.1f} MB" if size < 10 * 2**20 else f"{size / 2**20:,.0f} MB"
