"""Every file of the bad-input corpus through ``ingest``, ``ask`` (as an attachment) and ``describe``:
exit 2 with one line on stderr, or exit 0 (with a warning where something was off); never a
traceback; the store is unchanged unless the file was accepted whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from tests.reliability.conftest import clean_env, record, run_modalyst
from tests.reliability.corpus import GOOD_TEXT, Case
from tests.reliability.storecheck import snapshot

RUNS: list[dict[str, object]] = []  # what was tried, for the figures in RELIABILITY.md


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A data dir whose workspace already holds one good document."""
    tmp = tmp_path_factory.mktemp("bad-inputs")
    good = tmp / "good.md"
    good.write_text(GOOD_TEXT)
    data = tmp / "data"
    result = CliRunner().invoke(app, ["--data-dir", str(data), "ingest", str(good)], env=clean_env(tmp))
    assert result.exit_code == 0, result.output
    return tmp, data


def commands(case: Case) -> list[tuple[str, list[str]]]:
    attach = ["--audio", str(case.path)] if case.kind == "audio" else ["--image", str(case.path)]
    return [
        ("ingest", ["ingest", str(case.path)]),
        ("ask", ["ask", "What was revenue in Q1?", *attach, "--json"]),
        ("describe", ["describe", str(case.path), "--json"]),
    ]


def check_outcome(case: Case, command: str, code: int, stdout: str, stderr: str) -> None:
    assert "Traceback" not in stderr + stdout, f"{case.name} {command}: traceback\n{stderr}"
    assert code in (0, 2), f"{case.name} {command}: exit {code}\n{stderr}"
    if code == 2:
        errors = [line for line in stderr.splitlines() if line.startswith("modalyst:")]
        assert errors and all(len(line) < 600 for line in errors), stderr
        assert len(stderr.strip().splitlines()) == len(errors), f"{case.name} {command}: more than error lines\n{stderr}"
    # ask reads an attachment by its content: a PNG named .md is still an image there
    really_image = case.path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and command == "ask"
    expected_error = case.expect == "error" or (command != "ingest" and case.kind not in ("image", "dicom"))
    expected_error = expected_error and not (really_image and case.expect == "error" and "mislabeled" in case.name)
    if expected_error:
        assert code == 2, f"{case.name} {command}: expected a bad-input error, got exit {code}\n{stdout[:400]}\n{stderr}"
    elif code == 0 and command == "ingest":
        assert "added" in stdout or "present" in stdout


def test_every_bad_input_is_refused_cleanly_and_leaves_the_store_alone(bad_corpus, workspace):
    tmp, data = workspace
    runner = CliRunner()
    failures: list[str] = []
    for case in bad_corpus:
        for command, args in commands(case):
            before = snapshot(data, "default")
            result = runner.invoke(app, ["--data-dir", str(data), *args], env=clean_env(tmp, **case.env))
            try:
                check_outcome(case, command, result.exit_code, result.stdout, result.stderr)
            except AssertionError as exc:
                failures.append(str(exc).split("\nassert")[0])
            after = snapshot(data, "default")
            assert after.problems() == []
            if command == "ingest" and result.exit_code == 0:
                added = set(after.sources) - set(before.sources)
                assert len(added) <= 1 and set(before.sources) <= set(after.sources), case.name
                assert [c for c in after.chunks if c[1] not in added] == before.chunks
            else:
                assert after == before, f"{case.name} {command}: store changed"
            RUNS.append({"case": case.name, "command": command, "exit": result.exit_code})
    assert not failures, "\n".join(failures)
    kinds = {c.kind for c in bad_corpus}
    assert kinds == {"audio", "image", "pdf", "dicom", "text", "transcript"}
    record("bad input files", len(bad_corpus))
    record("bad input command runs (ingest, ask, describe)", len(RUNS))
    record("bad input runs refused with exit 2", sum(r["exit"] == 2 for r in RUNS))
    accepted = [f"{r['case']} {r['command']}" for r in RUNS if r["exit"] == 0]
    record("bad input runs accepted (exit 0, source whole)", f"{len(accepted)}: {', '.join(accepted)}")
    record("bad input runs with a traceback, another exit code or a changed store", 0)
    print(f"\nbad inputs: {len(bad_corpus)} files, {len(RUNS)} command runs, "
          f"{sum(r['exit'] == 2 for r in RUNS)} refused (exit 2), {sum(r['exit'] == 0 for r in RUNS)} accepted")


@pytest.mark.slow
@pytest.mark.parametrize("name, command", [("image-decompression-bomb", "describe"), ("pdf-corrupt", "ingest"), ("audio-truncated", "ask"), ("pdf-zip-bomb", "ingest")])
def test_real_console_script_refuses_bad_inputs(bad_corpus, tmp_path: Path, name: str, command: str):
    case = next(c for c in bad_corpus if c.name == name)
    args = dict(commands(case))[command]
    result = run_modalyst(["--data-dir", str(tmp_path / "data"), *args], clean_env(tmp_path, **case.env))
    check_outcome(case, command, result.returncode, result.stdout, result.stderr)
    assert result.returncode == 2
    assert str(case.path.name) in result.stderr
