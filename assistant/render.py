"""Plain-text rendering of answers, transcripts and image descriptions for the terminal.

Everything these return has passed :func:`assistant.terminal.clean`: no escape sequence or control
character from a document, a transcript or a model reaches the terminal."""

from __future__ import annotations

from assistant.citations import citation_label
from assistant.terminal import clean
from assistant.types import Answer, ImageDescription, Transcript, clock


def render_answer(answer: Answer, streamed: str | None = None) -> str:
    """The answer, its citations with quotes, warnings and timings. With ``streamed`` (the text
    already printed piece by piece) only what follows it is repeated, such as the profile's note."""
    text = clean(answer.answer)
    if streamed is not None and streamed.strip() and text.startswith(streamed.strip()):
        text = text[len(streamed.strip()) :].removeprefix("\n").rstrip()  # the printed text ended its own line
    lines = [text, ""] if text else [""]
    by_n = {e.n: e for e in answer.evidence}
    for citation in answer.citations:
        evidence = by_n.get(citation.n)
        quote = (evidence.text[:160] + "…") if evidence and len(evidence.text) > 160 else (evidence.text if evidence else "")
        lines.append(f"  [{citation.n}] {citation_label(citation, evidence)}  “{quote}”")
    for warning in answer.warnings:
        lines.append(f"  warning: {warning}")
    timing = ", ".join(f"{stage} {ms:.0f} ms" for stage, ms in answer.timings.items())
    lines.append(f"  timings: {timing}")
    return clean("\n".join(lines))


def render_transcript(transcript: Transcript) -> str:
    lines = [f"language {transcript.language}, {transcript.duration:.1f} s"]
    for s in transcript.segments:
        who = f" {s.speaker}:" if s.speaker else ""
        lines.append(f"[{clock(s.start)}–{clock(s.end)}]{who} {s.text}")
    return clean("\n".join(lines))


def render_description(desc: ImageDescription) -> str:
    lines = [f"{desc.path} ({desc.width}×{desc.height})"]
    if desc.chart is not None:
        chart = desc.chart
        lines.append(f"chart: {chart.type} “{chart.title or ''}”")
        for v in chart.values:
            how = "printed" if v.printed else "estimated"
            lines.append(f"  {v.series} / {v.category}: {v.value:g} ({how})")
    if desc.dicom:
        lines.append("dicom: " + ", ".join(f"{k}={v}" for k, v in desc.dicom.items()))
    if desc.caption:
        lines.append(f"caption: {desc.caption}")
    lines.append("ocr:")
    lines += [f"  {line.text}  [{', '.join(str(round(v)) for v in line.bbox)}]" for line in desc.ocr]
    lines += [f"warning: {w}" for w in desc.warnings]
    return clean("\n".join(lines))
