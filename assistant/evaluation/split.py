"""Tune and check halves of every suite: one fixed split, by a hash of the unit that must not straddle halves.

Design reads only ``tune`` items; ``check`` items are scored, never read. An item's half is the
first byte of the SHA-256 of its unit's string, mod 2: even is ``tune``, odd is ``check``. The unit
is what several items share, so that no half holds a question about material of the other:

| suite | unit (the string hashed) |
|---|---|
| FinanceBench | the filing: ``doc_name`` (``3M_2018_10K``) |
| TAT-QA | the table: ``table.uid`` (its paragraphs and every question on it go with it) |
| MultiChartQA | the chart group: the item's image list joined by ``|`` (``charts/a.png|charts/b.png``) |
| PubMedQA | the abstract: the PMID |
| speech | the recording: the row's ``id``; a manifest of clips cut from one recording (rows with a
  ``speaker``, as the earnings-call folders) is one unit, the folder's name, so a whole call lies in one half |

The split never depends on the run (no seed, no ordering, no item count): a second folder of the
same dataset splits its own units the same way, and a unit keeps its half when items are added.

Example:
    >>> half("ADOBE_2015_10K"), half("ADOBE_2015_10K") == half("ADOBE_2015_10K")
    ('tune', True)
    >>> in_split("ADOBE_2015_10K", "all"), in_split("ADOBE_2015_10K", "check")
    (True, False)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import TypeVar

from assistant.errors import BadInputError

SPLITS = ("tune", "check", "all")
T = TypeVar("T")


def half(unit: str) -> str:
    """``tune`` or ``check``: the first byte of ``sha256(unit)`` mod 2 (0 is tune)."""
    return ("tune", "check")[hashlib.sha256(unit.encode("utf-8")).digest()[0] % 2]


def checked_split(split: str) -> str:
    """The split name, or a bad input naming the valid ones."""
    if split not in SPLITS:
        raise BadInputError(f"--split {split!r}: expected one of {', '.join(SPLITS)}")
    return split


def in_split(unit: str, split: str) -> bool:
    """Whether a unit belongs to ``split`` (``all`` holds every unit)."""
    return checked_split(split) == "all" or half(unit) == split


def select(items: Iterable[T], unit: Callable[[T], str], split: str) -> list[T]:
    """The items whose unit lies in ``split``, in their order.

    >>> select(["a", "e", "b", "f"], str, "tune"), select(["a", "e", "b", "f"], str, "check")
    (['a', 'b'], ['e', 'f'])
    """
    checked_split(split)
    return [item for item in items if in_split(unit(item), split)]


def chart_unit(images: Iterable[str]) -> str:
    """A chart question's unit: its image list, in order, joined by ``|``."""
    return "|".join(str(x) for x in images)
