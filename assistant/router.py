"""Deterministic router: which tools a turn needs.

Example:
    >>> route(Turn(text="What is on this chart?", images=("c.png",)), has_sources=True).retrieve
    False
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.types import Turn

_ABOUT_ATTACHMENT = re.compile(
    r"\b(this|the attached|these|attached|uploaded|the (first|second|third)) (chart|charts|image|images|picture|"
    r"scan|scans|graph|graphs|plot|figure|screenshot|slide|table)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Plan:
    """The tools to run for one turn, in order."""

    transcribe: bool
    images: tuple[str, ...]
    files: tuple[str, ...]
    retrieve: bool

    @property
    def tools(self) -> list[str]:
        names = ["transcribe"] if self.transcribe else []
        names += ["describe_image"] * bool(self.images) + ["read_files"] * bool(self.files)
        return names + (["retrieve"] if self.retrieve else [])


def route(turn: Turn, has_sources: bool, question: str | None = None) -> Plan:
    """Plan a turn. Retrieval is skipped when the workspace is empty, or when the question is about
    the attached images only ("this chart", "the second chart")."""
    text = question if question is not None else (turn.text or "")
    about_attachment = bool(turn.images) and bool(_ABOUT_ATTACHMENT.search(text))
    return Plan(
        transcribe=turn.audio is not None,
        images=tuple(turn.images),
        files=tuple(turn.files),
        retrieve=has_sources and not about_attachment,
    )
