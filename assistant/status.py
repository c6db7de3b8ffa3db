"""Which backend serves each role, with which model, whether that model is in memory, and whether
content leaves this machine for it. ``Assistant.backend_status()`` is the public entry point.

Example:
    >>> rows = backend_status(Settings(embedder="fake"), {"speech": lambda: object()})
    >>> [(r.role, r.backend, r.state) for r in rows]
    [('speech', 'faster-whisper', 'no model needed'), ('store', 'chroma (embedded)', 'no model needed')]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from assistant.answerers.openai_chat import DEFAULT_BASE_URL, is_loopback
from assistant.errors import ModalystError
from assistant.settings import Settings

ROLES = ("answerer", "speech", "ocr", "embedder", "store")
MODEL_HOLDERS = ("_model", "_engine", "_chat")  # where the backends keep a model once warm_up ran


@dataclass(frozen=True)
class BackendStatus:
    """One role: its backend (registry name), model (id, path or URL), and state.

    ``loaded`` is None when the backend needs no model; ``remote`` is True when this role sends
    content (questions, evidence, chunks) to a host off this machine; ``error`` says why a backend
    cannot be built (an unknown name, a missing setting).
    """

    role: str
    backend: str
    model: str
    loaded: bool | None
    remote: bool = False
    endpoint: str = ""
    error: str = ""

    @property
    def state(self) -> str:
        if self.error:
            return f"unavailable: {self.error}"
        if self.loaded is None:
            return "no model needed"
        return "loaded" if self.loaded else "not loaded yet"

    def to_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "backend": self.backend,
            "model": self.model,
            "state": self.state,
            "remote": self.remote,
            "endpoint": self.endpoint,
        }


def model_loaded(backend: Any) -> bool | None:
    """True/False whether ``backend`` holds its model; None for a backend without one.

    A backend may say so itself with a ``loaded`` attribute; otherwise the model holders the
    backends of this package use are looked at (``_model``, ``_engine``, ``_chat``, ``runtime.model``).
    """
    own = getattr(type(backend), "loaded", None)
    if own is not None and not callable(own):
        return bool(backend.loaded)
    runtime = getattr(backend, "runtime", None)
    if runtime is not None and hasattr(runtime, "model"):
        return runtime.model is not None
    fields = getattr(backend, "__dict__", {})  # instance fields only (``_model`` may be a method elsewhere)
    holders = [name for name in MODEL_HOLDERS if name in fields]
    if not holders:
        return None
    return any(fields[name] is not None for name in holders)


def _model_names(settings: Settings) -> dict[str, str]:
    answerer = {
        "transformers": settings.vlm_model,
        "openai": settings.openai_model,
    }.get(settings.answerer, "")
    embedder = settings.embedder_model or ("all-MiniLM-L6-v2" if settings.embedder == "minilm" else "")
    return {"answerer": answerer, "speech": settings.speech_model, "ocr": "", "embedder": embedder}


def _endpoints(settings: Settings) -> dict[str, str]:
    """The URL each role talks to, where it talks to a server at all."""
    out = {}
    if settings.answerer == "openai":
        out["answerer"] = settings.openai_base_url.strip() or DEFAULT_BASE_URL
    if settings.store:
        out["store"] = settings.store
    return out


def _is_remote(url: str) -> bool:
    return bool(url) and not is_loopback(urlparse(url).hostname or "")


def backend_status(settings: Settings, builders: Mapping[str, Callable[[], Any]]) -> list[BackendStatus]:
    """One row per role in ``builders`` (role → a function returning the built backend), then the store."""
    backends = {"answerer": settings.answerer, "speech": settings.speech_backend, "ocr": settings.ocr_backend, "embedder": settings.embedder}
    models = _model_names(settings)
    endpoints = _endpoints(settings)
    rows = []
    for role in ROLES:
        if role not in builders:
            continue
        url = endpoints.get(role, "")
        try:
            loaded, error = model_loaded(builders[role]()), ""
        except ModalystError as exc:
            loaded, error = None, str(exc)
        rows.append(BackendStatus(role, backends[role], models[role] or url, loaded, _is_remote(url), url, error))
    store_url = endpoints.get("store", "")
    kind = "chroma (server)" if store_url else "chroma (embedded)"
    rows.append(BackendStatus("store", kind, store_url or str(settings.store_dir), None, _is_remote(store_url), store_url))
    return rows
