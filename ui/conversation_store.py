"""A browser tab's conversations, one per workspace, kept on disk so a reload loses nothing.

A tab is known by a random token in its URL (``?c=…``, set on every page); a reload keeps the URL,
so the new Streamlit session finds the same folder (``<data_dir>/ui-sessions/<key>/``, the key a
hash of the token and the signed-in user, so a copied URL opens nothing of another user). The
folder is the session's own (``ui.session.SessionFiles``): removed with the session as uploads are.
Each workspace's conversation is one JSON file there, written atomically with mode 0600.

A question is stored before it is answered (``status: "pending"``); the answer, or the error, is
written into the same message when ready. A page that finds a pending question answers it (after a
reload, or after a click stopped the run that was answering it), so a question is never dropped.

Example:
    >>> talk = Conversation(Path("/tmp/t/default.json"))                    # doctest: +SKIP
    >>> talk.add_question("What was revenue?", [], Turn(text="What was revenue?"))  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import tempfile
import threading
from pathlib import Path
from typing import Any

from assistant.types import Answer, Citation, Evidence, Locator, Span, Turn

logger = logging.getLogger(__name__)

TOKEN_PARAM = "c"
_TOKEN = re.compile(r"^[0-9a-f]{24}$")
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def new_token() -> str:
    return secrets.token_hex(12)


def valid_token(value: object) -> bool:
    return isinstance(value, str) and bool(_TOKEN.fullmatch(value))


def folder_key(token: str, user: str = "") -> str:
    """The session folder's name for a tab token and a user (one user's token opens nothing of another's)."""
    return hashlib.sha256(f"{user}\0{token}".encode()).hexdigest()[:24]


# -- Answer <-> JSON (spans included, so previews still point at the cited second or box) -----------
def encode_answer(answer: Answer) -> dict[str, Any]:
    data = answer.to_dict()
    data["evidence"] = [{**e.to_dict(), "spans": [s.to_list() for s in e.spans]} for e in answer.evidence]
    return data


def decode_answer(data: dict[str, Any]) -> Answer:
    return Answer(
        question=str(data["question"]),
        answer=str(data["answer"]),
        citations=tuple(Citation(int(c["n"]), str(c["source"]), Locator.from_dict(c["locator"])) for c in data["citations"]),
        evidence=tuple(
            Evidence(int(e["n"]), str(e["text"]), str(e["source"]), Locator.from_dict(e["locator"]), float(e["score"]),
                     tuple(Span.from_list(s) for s in e.get("spans", ())))
            for e in data["evidence"]
        ),
        timings={str(k): float(v) for k, v in data.get("timings", {}).items()},
        warnings=tuple(str(w) for w in data.get("warnings", ())),
    )


def encode_turn(turn: Turn) -> dict[str, Any]:
    return {"text": turn.text, "audio": turn.audio, "images": list(turn.images), "files": list(turn.files)}


def decode_turn(data: dict[str, Any]) -> Turn:
    return Turn(text=data.get("text"), audio=data.get("audio"), images=tuple(data.get("images", ())), files=tuple(data.get("files", ())))


class Conversation:
    """One workspace's conversation in one tab: a list of messages in a private JSON file.

    A message is ``{"id", "role": "user", "text", "attachments", "turn", "status"}`` with status
    ``pending`` | ``answered`` | ``failed``, or ``{"id", "role": "assistant", "answer" | "error", "reply_to"}``.
    Every change re-reads the file under a lock, so two sessions of one tab (before and after a
    reload) never overwrite each other's messages.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def _lock(self) -> threading.Lock:
        with _LOCKS_GUARD:
            return _LOCKS.setdefault(str(self.path), threading.Lock())

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"messages": [], "notes": []}
        except (OSError, ValueError) as exc:
            logger.warning("conversation file unreadable, starting afresh: %s", exc)
            return {"messages": [], "notes": []}
        return data if isinstance(data, dict) and isinstance(data.get("messages"), list) else {"messages": [], "notes": []}

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".conversation-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:  # mkstemp creates it 0600
                json.dump(data, out)
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def messages(self) -> list[dict[str, Any]]:
        return list(self._read()["messages"])

    def add_question(self, text: str, attachments: list[str], turn: Turn) -> str:
        """Store a question before it is answered; returns its id."""
        message_id = secrets.token_hex(6)
        with self._lock():
            data = self._read()
            data["messages"].append({"id": message_id, "role": "user", "text": text, "attachments": attachments,
                                     "turn": encode_turn(turn), "status": "pending"})
            self._write(data)
        return message_id

    def pending(self) -> list[dict[str, Any]]:
        """Questions not answered yet, oldest first."""
        return [m for m in self.messages() if m.get("role") == "user" and m.get("status") == "pending"]

    def status(self, message_id: str) -> str | None:
        return next((m.get("status") for m in self.messages() if m.get("id") == message_id), None)

    def finish(self, message_id: str, answer: Answer | None = None, error: str | None = None) -> bool:
        """Store the answer (or error) of a pending question, right after it; False when the question is
        gone (the chat was cleared) or already answered (by the tab's other session)."""
        with self._lock():
            data = self._read()
            messages = data["messages"]
            index = next((i for i, m in enumerate(messages) if m.get("id") == message_id), None)
            if index is None or messages[index].get("status") != "pending":
                return False
            question = messages[index]
            question["status"] = "answered" if answer is not None else "failed"
            if answer is not None and answer.question:
                question["text"] = answer.question  # a voice question shows what was heard
            reply: dict[str, Any] = {"id": secrets.token_hex(6), "role": "assistant", "reply_to": message_id}
            if answer is not None:
                reply["answer"] = encode_answer(answer)
            else:
                reply["error"] = error or "no answer"
            messages.insert(index + 1, reply)
            self._write(data)
        return True

    def noted(self, note: str) -> bool:
        """True if ``note`` was already shown in this conversation; records it otherwise (a hint shown once)."""
        with self._lock():
            data = self._read()
            notes = data.setdefault("notes", [])
            if note in notes:
                return True
            notes.append(note)
            self._write(data)
        return False

    def clear(self) -> None:
        with self._lock():
            self.path.unlink(missing_ok=True)
