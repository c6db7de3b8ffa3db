"""Terminal-safe text: material and model text with every control character and escape sequence removed.

A document or a model may hold ``\\x1b[2J`` (clear the screen), colours, an OSC 8 hyperlink
(``\\x1b]8;;http://…\\x1b\\\\text\\x1b]8;;\\x1b\\\\``), a window title, a DCS string or a carriage return
that overwrites the line before it. :func:`clean` removes them all, sequences whole (CSI, OSC with a
BEL or ST end, DCS, SOS, PM, APC, other ESC sequences, their 8-bit C1 forms), then any other C0/C1
control character and DEL; newline and tab stay. :class:`StreamCleaner` does the same for text that
arrives piece by piece, holding back a sequence cut between two pieces, so the pieces it returns
join to exactly ``clean(whole)``. :func:`json_safe` escapes DEL and C1 characters that
``json.dumps(..., ensure_ascii=False)`` leaves raw (C0 ones it already writes as ``\\u001b``).

Example:
    >>> clean("\\x1b[2J\\x1b[31mFAKE\\x1b[0m revenue")
    'FAKE revenue'
    >>> clean("see \\x1b]8;;http://203.0.113.7/\\x1b\\\\here\\x1b]8;;\\x1b\\\\ now")
    'see here now'
    >>> cleaner = StreamCleaner()
    >>> cleaner.feed("red \\x1b[3") + cleaner.feed("1mtext") + cleaner.flush()
    'red text'
"""

from __future__ import annotations

import re

__all__ = ["clean", "StreamCleaner", "json_safe"]

_ST = r"(?:\x07|\x1b\\|\x9c)"  # string terminator: BEL, ESC \ or the 8-bit ST
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI: parameters, intermediates, a final byte
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*" + _ST + r"?"  # OSC (OSC 8 hyperlinks, titles), to BEL/ST or the next ESC
    r"|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*" + _ST + r"?"  # DCS, SOS, PM, APC strings
    r"|\x1b[ -/]*[0-~]"  # other escape sequences (charset selection, keypad modes, RIS ...)
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # every C0/C1 control but \t and \n, and DEL
# A sequence that may still be growing at the end of a piece: hold it until the next piece.
_OPEN_TAIL = re.compile(
    r"(?:(?:\x1b\[|\x9b)[0-?]*[ -/]*"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*\x1b?"
    r"|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*\x1b?"
    r"|\x1b[ -/]*|\r)\Z"
)
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f]")


def clean(text: str) -> str:
    """``text`` without escape sequences or control characters other than newline and tab
    (``\\r\\n`` becomes ``\\n``; a lone ``\\r``, which would overwrite the line, goes)."""
    text = text.replace("\r\n", "\n")
    return _CONTROL.sub("", _SEQUENCE.sub("", text))


class StreamCleaner:
    """:func:`clean` over text that arrives in pieces (a streamed answer): ``feed`` returns what is
    safe to print now, ``flush`` the rest at the end; together they equal ``clean`` of the whole."""

    def __init__(self) -> None:
        self._held = ""

    def feed(self, piece: str) -> str:
        text = self._held + piece
        tail = _OPEN_TAIL.search(text)
        cut = tail.start() if tail else len(text)
        self._held = text[cut:]
        return clean(text[:cut])

    def flush(self) -> str:
        held, self._held = self._held, ""
        return clean(held)


def json_safe(dumped: str) -> str:
    """JSON text from ``json.dumps(..., ensure_ascii=False)`` with DEL and C1 characters written as
    ``\\u00XX`` escapes (the same value for a JSON reader; nothing a terminal acts on)."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)
