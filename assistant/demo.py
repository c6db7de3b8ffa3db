"""The main job (``make demo``): build a workspace from sample material and print three cited answers.

With ``--data ../shared/eval`` the same job runs on real material: the 3M Q1 2017 earnings call
(its clips joined into one recording), a FinanceBench 8-K PDF and a MultiChartQA (Pew) chart.
"""

from __future__ import annotations

import json
import logging
import wave
from dataclasses import dataclass
from pathlib import Path

import typer

from assistant.answerers.base import NOT_FOUND
from assistant.errors import BadInputError, ModalystError
from assistant.orchestrator import Assistant
from assistant.render import render_answer
from assistant.settings import Settings
from assistant.types import Answer, Turn

logger = logging.getLogger(__name__)
SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@dataclass(frozen=True)
class Case:
    """One demo question, what it attaches, and which kind of locator its answer must cite."""

    question: str
    locator: str  # "start", "page" or "bbox"
    expect: str  # a figure the answer must contain
    images: tuple[str, ...] = ()


def sample_cases() -> tuple[list[Path], list[Case]]:
    files = [SAMPLES / "q1_call.flac", SAMPLES / "northwind_q1_2026_report.pdf"]
    cases = [
        Case("What did the CFO say about free cash flow?", "start", "610"),
        Case("What was the operating margin in Q1 2026?", "page", "19.0%"),
        Case("Which quarter had the highest revenue in this chart?", "bbox", "4.6", (str(SAMPLES / "revenue_chart.png"),)),
    ]
    return files, cases


def _join_call(suite: Path, out_dir: Path) -> Path:
    """Join the 3M call's clips (in id order) into one 16 kHz WAV with a speaker sidecar."""
    from tools.audio import decode_audio

    target = out_dir / "3m_2017q1_call.wav"
    if target.is_file():
        return target
    rows = sorted((json.loads(line) for line in (suite / "manifest.jsonl").read_text().splitlines() if line.strip()), key=lambda r: r["id"])
    out_dir.mkdir(parents=True, exist_ok=True)
    turns, clock = [], 0.0
    partial = target.with_suffix(".partial")
    with wave.open(str(partial), "wb") as sink:
        sink.setnchannels(1)
        sink.setsampwidth(2)
        sink.setframerate(16000)
        for row in rows:
            samples = decode_audio(suite / row["audio"])
            sink.writeframes((samples.clip(-1, 1) * 32767).astype("<i2").tobytes())
            length = len(samples) / 16000
            if turns and turns[-1]["speaker"] == row["speaker"]:
                turns[-1]["end"] = round(clock + length, 2)
            else:
                turns.append({"start": round(clock, 2), "end": round(clock + length, 2), "speaker": row["speaker"]})
            clock += length
    target.with_name(target.stem + ".speakers.json").write_text(json.dumps(turns))
    partial.replace(target)
    return target


def real_cases(data: Path, work_dir: Path) -> tuple[list[Path], list[Case]]:
    call_suite = data / "earnings_call_3m_2017q1"
    pdf = data / "financebench" / "pdfs" / "JOHNSON_JOHNSON_2023_8K_dated-2023-08-30.pdf"
    chart = data / "multichartqa" / "charts" / "pew_0_journalism_2023_04_18_podcasts-as-a-source-of-news-and-information" / "PJ_2023.04.18_podcasts_0-03.png"
    for needed in (call_suite / "manifest.jsonl", pdf, chart):
        if not needed.is_file():
            raise BadInputError(f"{needed}: missing; --data must be the shared eval folder")
    typer.echo("joining the 3M call's 179 clips into one recording …", err=True)
    files = [_join_call(call_suite, work_dir), pdf]
    cases = [
        Case("What was organic growth in Asia-Pacific?", "start", "10.1"),
        Case("How much cash did Johnson & Johnson realise from the separation of Kenvue?", "page", "13.2"),
        Case("Which activity did the most podcast listeners do, according to this chart?", "bbox", "60", (str(chart),)),
    ]
    return files, cases


def check(answer: Answer, case: Case) -> str | None:
    """Why an answer fails its case, or None when it is right and cited."""
    if answer.answer.startswith(NOT_FOUND):
        return "no answer found"
    if case.expect and case.expect not in answer.answer:
        return f"the answer lacks {case.expect!r}"
    if not any(getattr(c.locator, case.locator) is not None for c in answer.citations):
        return f"no citation with a {case.locator} locator"
    return None


def run_demo(settings: Settings, data: Path | None) -> None:
    workspace = "demo-real" if data else "demo"
    settings = settings.model_copy(update={"workspace": workspace, "profile": "finance"})
    bot = Assistant(settings)
    files, cases = real_cases(data, settings.data_dir / "demo-material") if data else sample_cases()
    typer.echo(f"workspace {workspace!r} in {settings.data_dir}")
    typer.echo("ingesting: " + ", ".join(p.name for p in files) + " (transcribing the call takes a while)")
    report = bot.ingest(files)
    for source in report.added + report.skipped:
        typer.echo(f"  {source.kind:5} {source.chunks:4} chunks  {Path(source.path).name}")
    if report.failed:
        raise ModalystError("; ".join(f"{p}: {e}" for p, e in report.failed))
    failures = []
    for i, case in enumerate(cases, start=1):
        answer = bot.ask(Turn(text=case.question, images=case.images))
        typer.echo(f"\n── Q{i}: {case.question}" + (f"  (attached: {Path(case.images[0]).name})" if case.images else ""))
        typer.echo(render_answer(answer))
        problem = check(answer, case)
        if problem:
            failures.append(f"Q{i}: {problem}")
    if failures:
        raise ModalystError("demo answers fell short: " + "; ".join(failures))
    typer.echo("\nall three answers are cited (time range, page, chart box).")
