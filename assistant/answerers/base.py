"""The answerer Protocol and the draft it returns.

Example:
    >>> draft = Draft(text="Revenue was 4.2 [1].")
    >>> draft.computed
    ()
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from assistant.types import Evidence, ImageDescription

NOT_FOUND = "Not found in your material."


@dataclass(frozen=True)
class Draft:
    """An answer before verification; ``computed`` lists numbers the answerer derived in code;
    ``values`` holds the bare answer (a table cell, a phrase, each of several spans) when the answerer
    found one, so evaluation can score the answer rather than the sentence that explains it."""

    text: str
    computed: tuple[float, ...] = ()
    values: tuple[str, ...] = ()


class Answerer(Protocol):
    name: str
    description: str

    def warm_up(self) -> None: ...

    def run(self, question: str, evidence: Sequence[Evidence], images: Sequence[ImageDescription] = ()) -> Draft:
        """Answer from numbered evidence; ``images`` are the turn's attached images, in order, as read
        by the image tools (``.path`` is the file, ``.chart`` the table, ``.ocr`` the text lines)."""
        ...
