"""One error hierarchy for modalyst. The CLI and UI turn these into messages at their boundary."""

from __future__ import annotations


class ModalystError(Exception):
    """Base of every error modalyst raises on purpose."""

    exit_code = 1


class BadInputError(ModalystError):
    """The user gave something unusable: a missing file, an empty question, an unreadable file."""

    exit_code = 2


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


class ToolError(ModalystError):
    """A tool failed while running a turn; recorded as a ToolResult error and an Answer warning."""
