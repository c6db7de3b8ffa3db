"""Inert display text: anything a document, a transcript, an OCR'd image or a model wrote, as
Streamlit markdown in which nothing is active.

Streamlit renders GitHub-flavoured Markdown in ``st.markdown`` (even with ``unsafe_allow_html=False``
an image ``![x](http://…)`` becomes an ``<img>`` the browser fetches) and in nearly every other text it
shows: captions, alerts, toasts, progress texts, tooltips, expander, button and pill labels (labels
render links and images too). :func:`inert` makes such text literal:

* every ASCII punctuation character is backslash-escaped (CommonMark's character escape), so no
  image, link, reference definition, autolink ``<…>``, raw HTML tag, entity, emphasis, heading, list,
  table, LaTeX ``$…$`` or Streamlit directive (``:red[…]``) can start, and a link shows as its
  text with its URL visible;
* GFM's literal autolinks (``http://…``, ``www.…``, ``name@host.tld``) are found in the text after
  parsing, where escapes are already gone, so a WORD JOINER (U+2060, invisible) is put before
  ``://``, after ``www`` before ``.`` and before ``@``: the URL reads the same and is never a link;
* control characters and terminal escape sequences are removed (:func:`assistant.terminal.clean`),
  and leading blanks of a line dropped (else four spaces start a code block showing the escapes).

Escaping is per character, so the escape of any prefix of a text is inert too: a streamed answer
re-escaped token by token can never assemble ``![`` … ``](`` … ``)`` into an image. Unicode
look-alikes (fullwidth ``［］（）＜＞``) are no markdown syntax and stay as they are. The product's own
formatting (the bold speaker, a blockquote ``>``, a code span) goes around the escaped text.

Example:
    >>> print(inert("Revenue was $4.2 billion [1]. ![x](http://203.0.113.7/p.png)").replace(WORD_JOINER, "<WJ>"))
    Revenue was \\$4\\.2 billion \\[1\\]\\. \\!\\[x\\]\\(http<WJ>\\:\\/\\/203\\.0\\.113\\.7\\/p\\.png\\)
    >>> print(inert_code("a`b"))
    `` a`b ``
"""

from __future__ import annotations

import re
import string

from assistant.terminal import clean

__all__ = ["inert", "inert_code", "WORD_JOINER"]

WORD_JOINER = "\u2060"
_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_AUTOLINK = re.compile(r"(?=://)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)
_LEADING = re.compile(r"^[ \t]+", re.MULTILINE)


def inert(text: object) -> str:
    """``text`` (anything, shown as ``str``) as markdown that displays literally and loads nothing."""
    plain = _LEADING.sub("", clean(str(text)))
    plain = _AUTOLINK.sub(WORD_JOINER, plain)
    return _PUNCTUATION.sub(r"\\\1", plain)


def inert_code(text: object) -> str:
    """``text`` as an inline code span (shown verbatim, monospaced; never a link), fenced by more
    backticks than any run inside it."""
    plain = " ".join(clean(str(text)).split())
    longest = max((len(run) for run in re.findall(r"`+", plain)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {plain} {fence}"
