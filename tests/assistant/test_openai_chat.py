"""The openai answerer against a small chat-completions server on loopback that records each request."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("langchain_openai")

from PIL import Image  # noqa: E402

from assistant.answerers.base import NOT_FOUND  # noqa: E402
from assistant.answerers.openai_chat import OpenAICompatibleAnswerer, is_loopback  # noqa: E402
from assistant.answerers.prompting import PROFILE_PROMPTS  # noqa: E402
from assistant.errors import BackendUnavailableError, SettingsError  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.types import Evidence, ImageDescription, Locator  # noqa: E402


class ChatServer:
    """A chat-completions endpoint on 127.0.0.1 (SSE streaming and plain JSON) that replies with
    ``reply`` and records every request body; it shuts itself down after ``lifetime`` seconds."""

    def __init__(self, reply: str = "Revenue was $4.2 billion in Q1 [1].", lifetime: float = 60.0, delay: float = 0.0) -> None:
        self.reply = reply
        self.delay = delay
        self.requests: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 10  # a stuck client cannot hold a handler thread

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                outer.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                time.sleep(outer.delay)
                if not self.path.endswith("/chat/completions"):
                    self.send_error(404)
                    return
                if body.get("stream"):
                    self._stream(body)
                else:
                    self._send_json(200, outer._completion(body))

            def _stream(self, body: dict[str, Any]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                words = outer.reply.split(" ")
                pieces = [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]
                deltas = [{"role": "assistant", "content": ""}] + [{"content": p} for p in pieces]
                for i, delta in enumerate(deltas):
                    last = i == len(deltas) - 1
                    self._event(outer._chunk(body, delta, "stop" if last else None))
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

            def handle(self) -> None:
                try:
                    super().handle()
                except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                    pass

            def _event(self, data: dict[str, Any]) -> None:
                self.wfile.write(b"data: " + json.dumps(data).encode() + b"\n\n")
                self.wfile.flush()

            def _send_json(self, status: int, data: dict[str, Any]) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._deadline = threading.Timer(lifetime, self.server.shutdown)
        self._deadline.daemon = True

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def _chunk(self, body: dict[str, Any], delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-test", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": body.get("model", "test"), "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    def _completion(self, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "test"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": self.reply}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }

    def __enter__(self) -> ChatServer:
        self._thread.start()
        self._deadline.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._deadline.cancel()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    # -- reading what the answerer sent -------------------------------------------------------
    def messages(self, index: int = -1) -> list[dict[str, Any]]:
        return self.requests[index]["body"]["messages"]

    def prompt_text(self, index: int = -1, role: str = "user") -> str:
        out = []
        for message in self.messages(index):
            if message["role"] != role:
                continue
            content = message["content"]
            out += [content] if isinstance(content, str) else [p["text"] for p in content if p["type"] == "text"]
        return "\n".join(out)

    def image_urls(self, index: int = -1) -> list[str]:
        return [
            p["image_url"]["url"]
            for m in self.messages(index)
            if not isinstance(m["content"], str)
            for p in m["content"]
            if p["type"] == "image_url"
        ]


@pytest.fixture
def chat_server():
    with ChatServer() as server:
        yield server


EVIDENCE = [
    Evidence(1, "Revenue was $4.2 billion in Q1.", "s1", Locator("report.pdf", page=2), 0.9),
    Evidence(2, "Operating margin was 12%.", "s1", Locator("call.wav", start=12.0, end=31.5, speaker="CFO"), 0.7),
]


def _settings(server: ChatServer, **extra: Any) -> Settings:
    return Settings(answerer="openai", openai_base_url=server.base_url, openai_model="tiny-vl", **extra)


def test_streams_the_answer_and_sends_evidence_images_and_profile(chat_server, tmp_path):
    chart = tmp_path / "chart.png"
    Image.new("RGB", (20, 10), "red").save(chart)
    answerer = OpenAICompatibleAnswerer(_settings(chat_server, profile="finance", max_new_tokens=64))
    tokens: list[str] = []
    answerer.on_token = tokens.append

    draft = answerer.run("What was revenue in Q1?", EVIDENCE, images=[ImageDescription(str(chart), 20, 10)])

    assert draft.text == "Revenue was $4.2 billion in Q1 [1]."
    assert "".join(tokens) == draft.text and len(tokens) > 1  # it streamed, piece by piece
    (request,) = chat_server.requests
    body = request["body"]
    assert body["stream"] is True and body["model"] == "tiny-vl" and body["temperature"] == 0
    assert body.get("max_tokens", body.get("max_completion_tokens")) == 64
    urls = chat_server.image_urls()
    assert len(urls) == 1 and urls[0].startswith("data:image/png;base64,")
    user = chat_server.prompt_text()
    assert '<evidence n="1" source="report.pdf · p. 2">\nRevenue was $4.2 billion in Q1.\n</evidence>' in user
    assert '<evidence n="2" source="call.wav · 00:12 CFO">' in user and "Operating margin was 12%." in user
    assert "Valid citations: [1], [2]." in user and "What was revenue in Q1?" in user
    system = chat_server.prompt_text(role="system")
    assert PROFILE_PROMPTS["finance"] in system and "[1]" in system and NOT_FOUND in system


def test_non_streaming_request(chat_server):
    answerer = OpenAICompatibleAnswerer(_settings(chat_server, profile="medical"))
    answerer.streaming = False
    draft = answerer.run("What was the margin?", EVIDENCE)
    assert draft.text == chat_server.reply
    body = chat_server.requests[0]["body"]
    assert not body.get("stream") and chat_server.image_urls() == []
    assert PROFILE_PROMPTS["medical"] in chat_server.prompt_text(role="system")


def test_api_key_comes_from_the_named_env_variable(chat_server, monkeypatch):
    monkeypatch.setenv("MY_SERVER_KEY", "sk-test-123")
    OpenAICompatibleAnswerer(_settings(chat_server, openai_api_key_env="MY_SERVER_KEY")).run("Revenue?", EVIDENCE)
    headers = {k.lower(): v for k, v in chat_server.requests[0]["headers"].items()}
    assert headers["authorization"] == "Bearer sk-test-123"


def test_empty_evidence_is_not_found_without_a_request(chat_server):
    assert OpenAICompatibleAnswerer(_settings(chat_server)).run("Revenue?", []).text == NOT_FOUND
    assert chat_server.requests == []


@pytest.mark.parametrize("url", ["https://api.openai.com/v1", "http://10.0.0.5:8000/v1", "", "http://example.com/v1"])
def test_remote_endpoint_needs_remote_ok(url):
    settings = Settings(answerer="openai", openai_base_url=url, openai_model="m")
    with pytest.raises(SettingsError, match=r"set remote_ok = true to send content to \S+"):
        OpenAICompatibleAnswerer(settings).run("Revenue?", EVIDENCE)
    OpenAICompatibleAnswerer(settings.model_copy(update={"remote_ok": True})).warm_up()  # allowed, nothing sent


def test_loopback_hosts():
    assert all(is_loopback(h) for h in ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"])
    assert not any(is_loopback(h) for h in ["10.0.0.1", "example.com", "128.0.0.1", "::2"])


def test_missing_model_name_names_the_setting(chat_server):
    with pytest.raises(SettingsError, match="openai_model"):
        OpenAICompatibleAnswerer(Settings(answerer="openai", openai_base_url=chat_server.base_url)).warm_up()


def test_unreachable_server_names_the_setting():
    with ChatServer() as server:
        url = server.base_url
    answerer = OpenAICompatibleAnswerer(Settings(answerer="openai", openai_base_url=url, openai_model="m"))
    with pytest.raises(BackendUnavailableError, match="openai_base_url"):
        answerer.run("Revenue?", EVIDENCE)


def test_dicom_becomes_a_png_data_url(chat_server):
    dicom = Path(__file__).resolve().parents[1] / "data" / "scan.dcm"
    if not dicom.is_file():
        pytest.skip("tests/data/scan.dcm is absent")
    answerer = OpenAICompatibleAnswerer(_settings(chat_server, profile="medical"))
    answerer.run("What does the scan show?", EVIDENCE, images=[ImageDescription(str(dicom), 1, 1)])
    assert chat_server.image_urls()[0].startswith("data:image/png;base64,")


@pytest.mark.parametrize(
    "reply, ok",
    [
        ("Revenue rose (4.6 - 4.2) / 4.2 × 100 = 9.5% from Q1 to Q2 [1, 2].", True),
        ("Revenue rose 4.6 - 4.2 = 0.7 billion from Q1 to Q2 [1, 2].", False),  # wrong arithmetic
    ],
)
def test_shown_computations_pass_verification_only_when_they_hold(reply, ok):
    from assistant.citations import verify

    evidence = [
        Evidence(1, "Revenue was $4.2 billion in Q1.", "s1", Locator("r.pdf", page=2), 0.9),
        Evidence(2, "Revenue was $4.6 billion in Q2.", "s1", Locator("r.pdf", page=5), 0.9),
    ]
    with ChatServer(reply=reply) as server:
        draft = OpenAICompatibleAnswerer(_settings(server)).run("How much did revenue grow?", evidence)
    assert draft.text == reply
    _, warnings = verify(draft.text, evidence, draft.computed)
    assert (warnings == []) is ok, warnings


def test_slow_server_times_out_and_the_turn_falls_back_to_extractive(fake_assistant, tmp_path, monkeypatch):
    import assistant.answerers.openai_chat as openai_chat
    from assistant.errors import ToolError
    from assistant.orchestrator import Assistant
    from assistant.types import Turn

    monkeypatch.setattr(openai_chat, "REQUEST_TIMEOUT_S", 0.3)
    (tmp_path / "report.md").write_text("# Q1\n\nRevenue was $4.2 billion in Q1 2026.\n")
    fake_assistant.ingest([tmp_path / "report.md"])
    with ChatServer(delay=1.5) as server:
        answerer = OpenAICompatibleAnswerer(_settings(server))
        with pytest.raises(ToolError, match="did not answer within"):
            answerer.run("What was revenue in Q1?", EVIDENCE)
        assert len(server.requests) == 1  # one try, no retries (counted, not timed: the machine is shared)
        bot = Assistant(fake_assistant.settings.model_copy(update={"answerer": "openai"}), answerer=answerer)
        bot._store = fake_assistant.store
        answer = bot.ask(Turn(text="What was revenue in Q1?"))
    assert answer.answer.startswith("Revenue was $4.2 billion in Q1 2026")
    assert any("openai answerer failed" in w and "extractive" in w for w in answer.warnings)
