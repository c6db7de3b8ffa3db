"""Speech hints benchmark: does a workspace's filing help or hurt a call's transcript?

Each setup transcribes a recording with the hints a workspace would give (``Assistant.vocabulary``:
the documents' names, each document its share of chunks, matched by the transcriber against its
first pass) and scores WER, names heard right, and key phrases:

- ``sample``: samples/q1_call.flac (reference: samples/make_samples.py's script) in an empty
  workspace, with AMAZON_2017_10K, with the company's own report, and with the old rule (the 40
  most frequent names of the 10-K as hotwords everywhere) to show what the new rule avoids;
- ``call``: the dev 3M call (../shared/eval/earnings_call_3m_2017q1, clips joined) alone and with
  three unrelated 10-Ks (Amazon, Coca-Cola, Netflix 2017).

The PDFs' chunk texts are read with the product's extractor once and their names cached under
bench/results/vocab_names/ (names only, no text). Prints a table and writes JSON.

    .venv/bin/python bench/vocabulary.py [--only sample|call] [--alone-from bench/results/speech.json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import sys
import tempfile
import time
import wave
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.evaluation.speech import read_manifest, word_error_rate  # noqa: E402
from assistant.extract import ExtractContext, extract_pdf  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.vocabulary import Hints, chunk_share, chunk_terms, hints_from, names_in  # noqa: E402
from tools.audio import SAMPLE_RATE, concat_audio  # noqa: E402
from tools.hints import words_of  # noqa: E402
from tools.transcribe import make_transcriber  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
PDFS = EVAL / "financebench" / "pdfs"
CALL_SUITE = EVAL / "earnings_call_3m_2017q1"
SAMPLE_CALL = ROOT / "samples" / "q1_call.flac"
OWN_REPORT = ROOT / "samples" / "northwind_q1_2026_report.pdf"
UNRELATED = ("AMAZON_2017_10K", "COCACOLA_2017_10K", "NETFLIX_2017_10K")
CACHE = ROOT / "bench" / "results" / "vocab_names"
OLD_RULE_TERMS = 40  # the rule this replaces: the 40 most frequent names, as hotwords for every clip
logger = logging.getLogger("bench.vocabulary")


class HintLog(logging.Handler):
    """Collects the transcriber's lines about decoding again with hints."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "with hints" in message:
            self.lines.append(message)


def document_terms(pdf: Path, settings: Settings) -> list[list[list[str]]]:
    """``vocabulary.chunk_terms`` of each of the PDF's first chunks (as the workspace would store
    them): names and lower-case words, cached (no text)."""
    cached = CACHE / f"{pdf.stem}.terms.json"
    if cached.is_file():
        return json.loads(cached.read_text(encoding="utf-8"))
    started = time.perf_counter()
    ctx = ExtractContext(settings, transcriber=lambda: None, ocr_reader=lambda: None)
    chunks = extract_pdf(pdf, "bench", ctx).chunks[: chunk_share(1)]
    names = [list(chunk_terms(c.text)) for c in chunks]
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(names) + "\n", encoding="utf-8")
    logger.info("%s: %d chunks read for names in %.0f s", pdf.name, len(chunks), time.perf_counter() - started)
    return names


def workspace_hints(pdfs: list[Path], settings: Settings) -> Hints:
    """What Assistant.vocabulary gives for a workspace holding these documents (no user terms)."""
    share = chunk_share(len(pdfs))
    return hints_from([], ((names, words) for pdf in pdfs for names, words in document_terms(pdf, settings)[:share]))


def name_recall(names: list[str], reference: str, hypothesis: str) -> dict[str, Any]:
    """How many of the reference's mentions of ``names`` the hypothesis has (case and punctuation aside)."""
    ref, hyp = " " + " ".join(words_of(reference)) + " ", " " + " ".join(words_of(hypothesis)) + " "
    said = right = 0
    for name in dict.fromkeys(names):
        key = " " + " ".join(words_of(name)) + " "
        said += ref.count(key)
        right += min(ref.count(key), hyp.count(key))
    return {"mentions": said, "right": right, "recall": right / said if said else None}


def sample_reference() -> str:
    spec = importlib.util.spec_from_file_location("make_samples", ROOT / "samples" / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return " ".join(text for _, _, text in module.CALL)


def transcribe(transcriber: Any, audio: Path, hints: Hints, log: HintLog) -> dict[str, Any]:
    log.lines.clear()
    started = time.perf_counter()
    transcript = transcriber.run(audio, vocabulary=hints.terms, names=hints.names)
    return {"text": transcript.text, "seconds": time.perf_counter() - started, "hint_lines": list(log.lines),
            "candidate_names": len(hints.names), "terms": list(hints.terms)}  # fmt: skip


def old_rule(settings: Settings, pdf: Path) -> dict[str, Any]:
    """The replaced rule on a short recording: the workspace's 40 most frequent names as hotwords for
    the whole decoding (faster-whisper called as tools/transcribe.py's sequential path called it)."""
    from faster_whisper import WhisperModel

    from tools.audio import decode_audio
    from tools.speech_weights import embedded_whisper_dir
    from tools.transcribe import BEAM_SIZE, VAD_PARAMETERS

    model = WhisperModel(str(embedded_whisper_dir(settings.models_dir)), device="cpu", compute_type=settings.speech_compute_type)
    counts: Counter[str] = Counter()  # the old build_vocabulary: every name of the first 300 chunks
    for names, _ in document_terms(pdf, settings):
        counts.update(names)
    terms = [name for name, _ in counts.most_common(OLD_RULE_TERMS)]
    started = time.perf_counter()
    pieces, _ = model.transcribe(decode_audio(SAMPLE_CALL), language="en", beam_size=BEAM_SIZE, vad_filter=True,
                                 vad_parameters=dict(VAD_PARAMETERS), hotwords=" ".join(terms))  # fmt: skip
    text = " ".join(p.text.strip() for p in pieces)
    return {"text": text, "seconds": time.perf_counter() - started, "hint_lines": [f"all {len(terms)} names as hotwords"],
            "candidate_names": len(counts), "terms": terms}  # fmt: skip


def bench_sample(transcriber: Any, settings: Settings, log: HintLog) -> dict[str, Any]:
    reference = sample_reference()
    names = ["Northwind Instruments", "Dana", "Sam Okafor", "Dana Reyes"]
    amazon = workspace_hints([PDFS / "AMAZON_2017_10K.pdf"], settings)
    setups = {
        "empty workspace": Hints(),
        "with AMAZON_2017_10K": amazon,
        "with its own report": workspace_hints([OWN_REPORT], settings),
    }
    rows = {}
    for label, hints in [*setups.items(), ("with AMAZON_2017_10K, old rule", None)]:
        run = transcribe(transcriber, SAMPLE_CALL, hints, log) if hints is not None else old_rule(settings, PDFS / "AMAZON_2017_10K.pdf")
        low = run["text"].lower()
        run.update(wer=word_error_rate([reference], [run["text"]]), names=name_recall(names, reference, run["text"]),
                   keeps_gross_margin="gross margin was 48%" in low, keeps_guidance="8% to 10%" in low or "8 to 10%" in low)  # fmt: skip
        rows[label] = run
        logger.info("sample, %s: WER %.2f%%", label, 100 * run["wer"])
    return rows


def _write_wav(samples: np.ndarray, path: Path) -> None:
    pcm = np.clip(np.round(samples * 32768.0), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm.tobytes())


def bench_call(transcriber: Any, settings: Settings, log: HintLog, alone_from: Path | None) -> dict[str, Any]:
    rows = sorted(read_manifest(CALL_SUITE), key=lambda r: str(r["id"]))
    reference = " ".join(str(r["reference"]) for r in rows)
    speakers = [str(r["speaker"]) for r in rows if r.get("speaker")]
    names = [*names_in(reference), *speakers, *(s.split()[-1] for s in speakers)]
    setups: dict[str, Hints | None] = {"alone": Hints(), "with 3 unrelated 10-Ks": workspace_hints([PDFS / f"{n}.pdf" for n in UNRELATED], settings)}
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="modalyst-bench-") as folder:
        recording = Path(folder) / "call.wav"
        _write_wav(concat_audio(CALL_SUITE / str(r["audio"]) for r in rows), recording)
        for label, hints in setups.items():
            if label == "alone" and alone_from is not None:
                text = json.loads(alone_from.read_text(encoding="utf-8"))["earnings_call"]["hypothesis"]
                run: dict[str, Any] = {"text": text, "seconds": None, "hint_lines": [], "from": str(alone_from), "candidate_names": 0, "terms": []}
            else:
                run = transcribe(transcriber, recording, hints or Hints(), log)
            run.update(wer=word_error_rate([reference], [run["text"]]), names=name_recall(names, reference, run["text"]))
            out[label] = run
            logger.info("call, %s: WER %.2f%%", label, 100 * run["wer"])
    return out


def print_table(results: dict[str, Any]) -> None:
    print(f"\n{'recording':<8}{'workspace':<34}{'WER':>8}{'names':>9}{'candidates':>11}{'s':>7}  hinted")
    for suite in ("sample", "call"):
        for label, run in (results.get(suite) or {}).items():
            names = run["names"]
            shown = f"{names['right']}/{names['mentions']}"
            seconds = f"{run['seconds']:.0f}" if run.get("seconds") is not None else "-"
            hinted = "; ".join(run["hint_lines"])[:90] or "-"
            print(f"{suite:<8}{label:<34}{run['wer']:>8.2%}{shown:>9}{run['candidate_names']:>11}{seconds:>7}  {hinted}")
    for label, run in (results.get("sample") or {}).items():
        print(f"sample, {label}: 'Gross margin was 48%' {'kept' if run['keeps_gross_margin'] else 'LOST'}, "
              f"'8% to 10%' {'kept' if run['keeps_guidance'] else 'LOST'}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("sample", "call"), default=None)
    parser.add_argument("--alone-from", type=Path, default=None, help="a bench/speech.py JSON whose call hypothesis is the call alone")
    parser.add_argument("--prepare", action="store_true", help="only read the PDFs' names (cached) and stop")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "vocabulary.json")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if args.prepare:
        for pdf in [OWN_REPORT, *(PDFS / f"{n}.pdf" for n in UNRELATED)]:
            document_terms(pdf, Settings())
        return 0
    log = HintLog()
    logging.getLogger("tools.transcribe").addHandler(log)
    settings = Settings(speech_language="en")
    transcriber = make_transcriber(settings)
    transcriber.warm_up()
    results: dict[str, Any] = {"model": settings.speech_model, "compute_type": settings.speech_compute_type}
    if args.only in (None, "sample"):
        results["sample"] = bench_sample(transcriber, settings, log)
    if args.only in (None, "call") and (CALL_SUITE / "manifest.jsonl").is_file():
        results["call"] = bench_call(transcriber, settings, log, args.alone_from)
    print_table(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
