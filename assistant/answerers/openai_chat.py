"""The ``openai`` answerer: any OpenAI-compatible chat endpoint (vLLM, Ollama, LM Studio, OpenAI)
through LangChain's ``ChatOpenAI``, with the turn's images sent as base64 data URLs and the answer
streamed token by token.

Nothing is sent to a host off this machine unless ``remote_ok = true``.

Example:
    >>> settings = Settings(answerer="openai", openai_base_url="http://127.0.0.1:11434/v1", openai_model="qwen2.5vl")
    >>> answerer = OpenAICompatibleAnswerer(settings)
    >>> answerer.on_token = lambda piece: print(piece, end="")           # optional: stream to a UI
    >>> answerer.run("What was revenue in Q1?", evidence).text           # doctest: +SKIP
    'Revenue was $4.2 billion in Q1 [1].'
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlparse

from assistant.answerers.base import NOT_FOUND, Draft
from assistant.answerers.prompting import Message, build_messages, image_data_url, shown_results
from assistant.errors import BackendUnavailableError, SettingsError, ToolError
from assistant.settings import Settings
from assistant.types import Evidence, ImageDescription

logger = logging.getLogger(__name__)

OPENAI_INSTALL = "pip install 'modalyst[openai]'"
DEFAULT_BASE_URL = "https://api.openai.com/v1"
# Seconds to wait for the server to send the next piece of the answer (and to connect).
REQUEST_TIMEOUT_S = 60.0
CONNECT_TIMEOUT_S = 5.0


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and addresses in 127.0.0.0/8 or ``::1``."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint(settings: Settings) -> str:
    """The validated base URL: a model is named, and a remote host only with ``remote_ok``."""
    if not settings.openai_model.strip():
        raise SettingsError('setting openai_model is empty: name the model the server serves for answerer = "openai"')
    base_url = settings.openai_base_url.strip() or DEFAULT_BASE_URL
    parsed = urlparse(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise SettingsError(f"setting openai_base_url={settings.openai_base_url!r} is invalid: use http(s)://HOST[:PORT]/v1")
    if not is_loopback(parsed.hostname) and not settings.remote_ok:
        raise SettingsError(
            f"setting openai_base_url points to {parsed.hostname}, off this machine: "
            f"set remote_ok = true to send content to {parsed.hostname}"
        )
    return base_url


def to_langchain(messages: Sequence[Message]) -> list[Any]:
    """LangChain messages; image parts become ``image_url`` parts with base64 data URLs."""
    from langchain_core.messages import HumanMessage, SystemMessage

    converted: list[Any] = []
    for message in messages:
        parts: list[Any] = []
        for part in message["content"]:
            if part["type"] == "image":
                parts.append({"type": "image_url", "image_url": {"url": image_data_url(part["path"])}})
            else:
                parts.append({"type": "text", "text": part["text"]})
        if message["role"] == "system":
            converted.append(SystemMessage(content="\n\n".join(p["text"] for p in parts if p["type"] == "text")))
        else:
            converted.append(HumanMessage(content=parts))
    return converted


def _timeout() -> Any:
    """The request deadline, as the openai package's own ``Timeout`` (its HTTP library's type:
    openai 3.x moved from httpx to httpx2, whose clients refuse an ``httpx.Timeout``)."""
    import openai

    return openai.Timeout(REQUEST_TIMEOUT_S, connect=min(CONNECT_TIMEOUT_S, REQUEST_TIMEOUT_S))


def _direct_clients() -> dict[str, Any]:
    """HTTP clients that ignore proxy settings from the environment, built by the openai package
    (``DefaultHttpxClient``) so they are of the HTTP library it uses."""
    import openai

    return {
        "http_client": openai.DefaultHttpxClient(trust_env=False, timeout=_timeout()),
        "http_async_client": openai.DefaultAsyncHttpxClient(trust_env=False, timeout=_timeout()),
    }


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content or ())


class OpenAICompatibleAnswerer:
    """Answers from numbered evidence and the turn's images with an OpenAI-compatible chat model.

    Set ``on_token`` to a callable to receive the answer as it streams.
    """

    name = "openai"
    description = "any OpenAI-compatible chat server (vLLM, Ollama, LM Studio, OpenAI) via LangChain"
    streaming = True

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.on_token: Callable[[str], None] | None = None
        self._chat: Any = None

    def warm_up(self) -> None:
        self._model()

    def _model(self) -> Any:
        if self._chat is None:
            base_url = endpoint(self.settings)
            try:
                from langchain_openai import ChatOpenAI
            except ImportError as exc:
                raise BackendUnavailableError(f"the openai answerer needs langchain-openai: {OPENAI_INSTALL}") from exc
            # A server on this machine is reached directly, never through a proxy from the environment.
            local = is_loopback(urlparse(base_url).hostname or "")
            clients = _direct_clients() if local else {}
            self._chat = ChatOpenAI(
                base_url=base_url,
                model=self.settings.openai_model,
                api_key=os.environ.get(self.settings.openai_api_key_env) or "not-needed",
                temperature=0,
                max_tokens=self.settings.max_new_tokens,
                streaming=self.streaming,
                timeout=_timeout(),
                max_retries=0,  # a slow server must not double the wait: the orchestrator falls back
                **clients,
            )
        return self._chat

    def run(self, question: str, evidence: Sequence[Evidence], images: Sequence[ImageDescription] = ()) -> Draft:
        if not evidence and not images:
            return Draft(NOT_FOUND)
        chat = self._model()
        messages = to_langchain(build_messages(question, evidence, images, profile=self.settings.profile))
        try:
            text = self._stream(chat, messages) if self.streaming else _text(chat.invoke(messages).content)
        except Exception as exc:  # the openai client's errors become ours at this boundary
            mapped = _mapped(exc, self.settings)
            if mapped is None:
                raise
            raise mapped from exc
        text = text.strip()
        return Draft(text, computed=shown_results(text)) if text else Draft(NOT_FOUND)

    def _stream(self, chat: Any, messages: list[Any]) -> str:
        pieces: list[str] = []
        for chunk in chat.stream(messages):
            piece = _text(chunk.content)
            if piece:
                pieces.append(piece)
                if self.on_token is not None:
                    self.on_token(piece)
        return "".join(pieces)


def _mapped(exc: Exception, settings: Settings) -> Exception | None:
    """An openai client error as a modalyst error naming the setting to check."""
    import openai

    where = f"openai_base_url={settings.openai_base_url or DEFAULT_BASE_URL!r}"
    if isinstance(exc, openai.APITimeoutError):
        return ToolError(f"the chat server at {where} did not answer within {REQUEST_TIMEOUT_S:g} s")
    if isinstance(exc, openai.APIConnectionError):
        return BackendUnavailableError(f"cannot reach the chat server at {where}: {exc}")
    if isinstance(exc, openai.AuthenticationError):
        return BackendUnavailableError(
            f"the chat server at {where} refused the API key: put the key in ${settings.openai_api_key_env} "
            "(setting openai_api_key_env names that variable)"
        )
    if isinstance(exc, openai.NotFoundError):
        return BackendUnavailableError(f"the chat server at {where} does not serve openai_model={settings.openai_model!r}: {exc}")
    if isinstance(exc, openai.APIStatusError):
        return ToolError(f"the chat server at {where} failed (HTTP {exc.status_code}): {exc}")
    return None
