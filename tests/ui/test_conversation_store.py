"""The tab's stored conversation and the session folder a reload takes over (no browser)."""

from __future__ import annotations

from assistant.types import Answer, Citation, Evidence, Locator, Span, Turn
from ui.conversation_store import Conversation, decode_answer, encode_answer, folder_key
from ui.session import SessionFiles, SessionSweeper


def test_a_question_is_kept_before_its_answer_and_answered_once(tmp_path) -> None:
    talk = Conversation(tmp_path / "tab" / "conversations" / "default.json")
    asked = talk.add_question("What was revenue?", ["chart.png"], Turn(text="What was revenue?", images=("/x/chart.png",)))
    assert [m["status"] for m in talk.pending()] == ["pending"]
    assert talk.path.stat().st_mode & 0o777 == 0o600
    answer = Answer("What was revenue?", "Revenue was 4.6 [1].", (Citation(1, "s", Locator("c.png", bbox=(1, 2, 3, 4))),),
                    (Evidence(1, "Q4 = 4.6", "s", Locator("c.png", bbox=(0, 0, 9, 9)), 1.0, (Span(0, 8, Locator("c.png", bbox=(1, 2, 3, 4))),)),))
    assert talk.finish(asked, answer=answer)
    assert not talk.finish(asked, error="late"), "a second session's late result is not stored twice"
    roles = [(m["role"], m.get("status")) for m in talk.messages()]
    assert roles == [("user", "answered"), ("assistant", None)]
    assert decode_answer(talk.messages()[1]["answer"]) == decode_answer(encode_answer(answer))
    assert decode_answer(encode_answer(answer)).evidence[0].spans == answer.evidence[0].spans


def test_a_reloaded_tab_takes_over_its_folder(tmp_path) -> None:
    key = folder_key("a" * 24, "ana@example.com")
    assert key != folder_key("a" * 24, "bo@example.com"), "another user's copy of the URL opens another folder"
    before, after = SessionFiles(tmp_path, key), SessionFiles(tmp_path, key)
    assert before.path == after.path
    sweeper = SessionSweeper(grace=0)
    sweeper.register("old", before.path)
    sweeper.register("new", after.path)
    assert sweeper.sweep(lambda session: session == "new", now=1.0) == []
    before.remove()  # the old session's state goes: the folder stays for the new one
    assert after.path.is_dir()
    after.remove()
    assert not after.path.exists()
