"""Golden drafts: the answerers' drafts on fixed tune-half items are as committed in tests/golden/.

A structural refactor must leave every draft unchanged; a change meant to move answers fails here
with the list of moved items, and is committed with ``python -m tests.golden.regenerate`` and a
message explaining the diff. Needs ../shared/eval (skips without it); about 30 s on 2 idle cores.
"""

from __future__ import annotations

import pytest

from assistant.answerers.base import Draft
from tests.conftest import shared_eval
from tests.golden import drafts


@pytest.mark.parametrize("name", list(drafts.SUITES))
def test_drafts_match_the_golden_files(name: str) -> None:
    folder, _rows = drafts.SUITES[name]
    shared_eval(folder)
    golden = drafts.load(name)
    assert golden, f"{drafts.golden_path(name)} is empty"
    changed = drafts.differences(golden, drafts.compute(name))
    assert not changed, (
        f"{len(changed)} {name} draft(s) changed (run `python -m tests.golden.regenerate {name}` if meant):\n"
        + "\n".join(changed)
    )


def test_golden_rows_hold_ids_and_answers_only() -> None:
    long = "x" * 400
    row = drafts.row("q7", Draft(long + " [1].", computed=(1 / 3,), values=("5",)))
    assert set(row) == {"id", "text", "text_sha256", "computed", "values", "by"}
    assert len(row["text"]) == drafts.TEXT_CHARS + 1 and row["computed"] == [0.333333]
    assert drafts.row("q7", Draft(long + " [2].", computed=(1 / 3,), values=("5",)))["text_sha256"] != row["text_sha256"]


def test_differences_name_each_changed_missing_and_new_item() -> None:
    before = [drafts.row("a", Draft("5 [1].")), drafts.row("b", Draft("x")), drafts.row("c", Draft("y"))]
    after = [drafts.row("a", Draft("6 [1].", computed=(6.0,))), drafts.row("c", Draft("y")), drafts.row("d", Draft("z"))]
    lines = drafts.differences(before, after)
    assert lines[0].startswith("a: computed [] -> [6.0]; text '5 [1].' -> '6 [1].'; text_sha256 ")
    assert lines[1:] == ["b: missing now", "d: new item"]
    assert drafts.differences(before, before) == []
    many = drafts.differences([], [drafts.row(str(i), Draft("x")) for i in range(30)], shown=5)
    assert many[-1] == "... and 25 more" and len(many) == 6


def test_every_golden_item_is_a_tune_item() -> None:
    from assistant.evaluation.split import half

    assert all(half(r["id"]) == "tune" for r in drafts.load("pubmedqa"))
    assert all(half(name) == "tune" for name in drafts.FINANCEBENCH_FILINGS)
