"""One error hierarchy for modalyst. The CLI and UI turn these into messages at their boundary."""

from __future__ import annotations

from pathlib import Path


class ModalystError(Exception):
    """Base of every error modalyst raises on purpose."""

    exit_code = 1


class BadInputError(ModalystError):
    """The user gave something unusable: a missing file, an empty question, an unreadable file."""

    exit_code = 2


def require_file(path: str | Path, what: str = "file") -> Path:
    """``path`` as a Path when it is a non-empty regular file; otherwise a one-line BadInputError."""
    file = Path(path)
    if not file.exists():
        raise BadInputError(f"{file}: {what} not found")
    if not file.is_file():
        raise BadInputError(f"{file}: not a regular file")
    if file.stat().st_size == 0:
        raise BadInputError(f"{file}: {what} is empty")
    return file


class UnsupportedFileError(BadInputError):
    """A file whose kind modalyst does not ingest."""


class SettingsError(BadInputError):
    """A settings value is invalid; the message names the field and the bad value."""


class UnknownBackendError(SettingsError):
    """A backend name not in its registry; the message lists the valid names."""


class BackendUnavailableError(ModalystError):
    """A backend's package or model is missing; the message carries the exact line to fix it."""

    exit_code = 2


class ModelIntegrityError(ModalystError):
    """Provisioned model weights do not match their pinned checksum."""


class StoreError(ModalystError):
    """The vector store cannot be opened or written."""


class DataDirError(StoreError, BadInputError):
    """The data dir cannot be written: read-only, no permission, or no space left (exit 2)."""


class ToolError(ModalystError):
    """A tool failed while running a turn; recorded as a ToolResult error and an Answer warning."""


class CancelledError(ModalystError):
    """The asker went away (a closed or reloaded browser tab): the turn's remaining work is dropped."""
