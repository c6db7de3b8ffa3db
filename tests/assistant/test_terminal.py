"""The terminal sanitizer: escape sequences and control characters from material and models never reach the terminal."""

from __future__ import annotations

import json

import pytest

from assistant.terminal import StreamCleaner, clean, json_safe

ESC = "\x1b"
CASES = [
    # the document: clear screen, colour, reset
    (f"{ESC}[2J{ESC}[31mFAKE: revenue was $99 billion{ESC}[0m", "FAKE: revenue was $99 billion"),
    # OSC 8 hyperlink with ST terminators, and with BEL terminators
    (f"see {ESC}]8;;http://203.0.113.7/x{ESC}\\the filing{ESC}]8;;{ESC}\\ now", "see the filing now"),
    (f"see {ESC}]8;;http://203.0.113.7/x\x07the filing{ESC}]8;;\x07 now", "see the filing now"),
    # window title (OSC 0), clipboard write (OSC 52), unterminated OSC swallows the rest
    (f"a{ESC}]0;pwned\x07b{ESC}]52;c;ZXZpbA==\x07c", "abc"),
    (f"ok{ESC}]8;;http://203.0.113.7/", "ok"),
    # DCS, SOS, PM, APC strings with ST
    (f"x{ESC}P1$r0m{ESC}\\y{ESC}Xsos{ESC}\\z{ESC}^pm{ESC}\\w{ESC}_apc{ESC}\\v", "xyzwv"),
    # 8-bit C1 forms: CSI, OSC with ST, DCS
    ("a\x9b31mred\x9b0m b\x9d8;;http://203.0.113.7/\x9clink\x9d8;;\x9c c\x90q\x9cd", "ared blink cd"),
    # private CSI (cursor hide, alternate screen), cursor moves, erase line, SGR with colons
    (f"{ESC}[?25l{ESC}[?1049h{ESC}[10;20H{ESC}[2K{ESC}[38:2:255:0:0mX", "X"),
    # other ESC sequences: charset selection, reset, keypad, lone ESC at the end
    (f"A{ESC}(0B{ESC}cC{ESC}=D{ESC}", "ABCD"),
    # C0 controls: carriage return overwrite, backspace, bell, NUL, vertical tab, form feed, DEL
    ("revenue $4.2bn\rrevenue $9.9bn", "revenue $4.2bnrevenue $9.9bn"),
    ("a\x08b\x07c\x00d\x0be\x0cf\x7fg", "abcdefg"),
    # newline and tab stay; CRLF becomes LF
    ("line 1\r\nline 2\tcol\n", "line 1\nline 2\tcol\n"),
    # plain text with figures, citations, non-ASCII untouched
    ("Revenue was $4.2 billion [1], up 8% — Größe ½ 収益 [2].", "Revenue was $4.2 billion [1], up 8% — Größe ½ 収益 [2]."),
]


@pytest.mark.parametrize("raw, expected", CASES)
def test_clean_removes_every_sequence_and_control(raw: str, expected: str) -> None:
    assert clean(raw) == expected


def _controls(text: str) -> list[str]:
    return [c for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F]


@pytest.mark.parametrize("raw, expected", CASES)
def test_streamed_pieces_join_to_the_clean_whole_at_every_cut(raw: str, expected: str) -> None:
    for cut in range(len(raw) + 1):
        cleaner = StreamCleaner()
        pieces = [cleaner.feed(raw[:cut]), cleaner.feed(raw[cut:]), cleaner.flush()]
        assert "".join(pieces) == expected, (cut, pieces)
        assert not any(_controls(p) for p in pieces)


@pytest.mark.parametrize("raw, expected", CASES)
def test_streamed_one_character_at_a_time(raw: str, expected: str) -> None:
    cleaner = StreamCleaner()
    assert "".join(cleaner.feed(c) for c in raw) + cleaner.flush() == expected


def test_json_output_escapes_c0_c1_and_del_and_reads_back() -> None:
    data = {"answer": f"{ESC}[2Jrevenue\x9b31m\x7f\x85 ok", "path": f"memo{ESC}]8;;http://x/\x07.txt"}
    text = json_safe(json.dumps(data, indent=2, ensure_ascii=False))
    assert not _controls(text.replace("\n", ""))
    assert "\\u001b[2J" in text and "\\u009b31m" in text and "\\u007f" in text and "\\u0085" in text
    assert json.loads(text) == data


def test_rendered_transcript_and_answer_are_clean() -> None:
    from assistant.render import render_answer, render_transcript
    from assistant.types import Answer, Citation, Evidence, Locator, Segment, Transcript

    transcript = Transcript("x", "en", 4.0, (Segment(0.0, 2.0, f"{ESC}[2Jrevenue {ESC}]8;;http://h/\x07up", f"{ESC}[31mCFO"),))
    assert render_transcript(transcript) == "language en, 4.0 s\n[00:00–00:02] CFO: revenue up"
    loc = Locator(f"memo{ESC}[5m.txt")
    answer = Answer(question="q", answer=f"Revenue {ESC}[31m$9.9m{ESC}[0m [1].", citations=(Citation(1, "s", loc),),
                    evidence=(Evidence(1, f"Revenue $9.9m{ESC}P1$r{ESC}\\.", "s", loc, 1.0),), warnings=(f"uncited: {ESC}[2J",))
    shown = render_answer(answer, streamed="Revenue $9.9m [1].")
    assert not _controls(shown) and "memo.txt" in shown and "“Revenue $9.9m.”" in shown and "uncited: " in shown
