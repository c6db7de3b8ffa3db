"""Speech benchmark: WER and real-time factor on ../shared/eval/speech and on the 3M earnings call.

The call's clips are concatenated in id order into one recording, transcribed as one file and
scored against the concatenated references. Prints a table and writes JSON.

    .venv/bin/python bench/speech.py [--limit N] [--limit-call N] [--out bench/results/speech.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.evaluation.speech import read_manifest, run_speech_suite, word_error_rate  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from tools.audio import SAMPLE_RATE, concat_audio  # noqa: E402
from tools.transcribe import VAD_PARAMETERS, Transcriber, make_transcriber  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
SPEECH_SUITE = EVAL / "speech"
CALL_SUITE = EVAL / "earnings_call_3m_2017q1"
logger = logging.getLogger("bench.speech")


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_suite(transcriber: Transcriber, limit: int | None) -> dict[str, Any] | None:
    if not (SPEECH_SUITE / "manifest.jsonl").is_file():
        print(f"skipped speech suite: {SPEECH_SUITE} is missing")
        return None
    result = run_speech_suite(SPEECH_SUITE, transcriber, limit)
    result["audio_seconds"] = sum(i["audio_seconds"] for i in result["items"])
    result["peak_rss_mib"] = peak_rss_mib()
    return result


def bench_call(transcriber: Transcriber, limit: int | None) -> dict[str, Any] | None:
    if not (CALL_SUITE / "manifest.jsonl").is_file():
        print(f"skipped earnings call: {CALL_SUITE} is missing")
        return None
    rows = sorted(read_manifest(CALL_SUITE), key=lambda r: str(r["id"]))[: limit if limit is not None else None]
    started = time.perf_counter()
    audio = concat_audio(CALL_SUITE / str(r["audio"]) for r in rows)
    decode_seconds = time.perf_counter() - started
    reference = " ".join(str(r["reference"]) for r in rows)
    last_report = [0.0]

    def progress(done: float, total: float) -> None:
        if done - last_report[0] >= 120 or done >= total:
            last_report[0] = done
            logger.info("call: %.0f / %.0f s", done, total)

    started = time.perf_counter()
    transcript = transcriber.run(audio, progress=progress)
    seconds = time.perf_counter() - started
    audio_seconds = audio.size / SAMPLE_RATE
    return {
        "n": len(rows),
        "wer": word_error_rate([reference], [transcript.text]),
        "rtf": (decode_seconds + seconds) / audio_seconds,
        "rtf_transcribe_only": seconds / audio_seconds,
        "decode_seconds": decode_seconds,
        "transcribe_seconds": seconds,
        "audio_seconds": audio_seconds,
        "segments": len(transcript.segments),
        "reference_words": len(reference.split()),
        "hypothesis_words": len(transcript.text.split()),
        "hypothesis": transcript.text,
        "peak_rss_mib": peak_rss_mib(),
    }


def print_table(results: dict[str, Any]) -> None:
    print(f"\nspeech benchmark: {results['backend']} {results['model']} {results['compute_type']}, "
          f"threads={results['threads']}, vad={results['vad']}, load {results['load_seconds']:.1f} s")
    print(f"{'suite':<28}{'n':>5}{'audio s':>10}{'WER':>8}{'RTF':>8}{'peak MiB':>10}")
    for key in ("speech", "earnings_call"):
        r = results.get(key)
        if r:
            print(f"{key:<28}{r['n']:>5}{r['audio_seconds']:>10.1f}{r['wer']:>8.2%}{r['rtf']:>8.3f}{r['peak_rss_mib']:>10.0f}")
    suite = results.get("speech")
    if suite:
        print(f"\n{'clip':<24}{'audio s':>9}{'proc s':>8}{'RTF':>7}{'WER':>8}")
        for item in suite["items"]:
            rtf = item["seconds"] / item["audio_seconds"] if item["audio_seconds"] else 0.0
            print(f"{item['id']:<24}{item['audio_seconds']:>9.2f}{item['seconds']:>8.2f}{rtf:>7.3f}{item['wer']:>8.2%}")
    print(f"\npeak memory (ru_maxrss): {results['peak_rss_mib']:.0f} MiB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="clips of the speech suite (default all)")
    parser.add_argument("--limit-call", type=int, default=None, help="first N clips of the call (default all)")
    parser.add_argument("--skip-call", action="store_true", help="only the speech suite")
    parser.add_argument("--backend", default="faster-whisper")
    parser.add_argument("--model", default="embedded-base")
    parser.add_argument("--language", default="en", help="empty string: detect per file")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--no-vad", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "speech.json")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    settings = Settings(
        speech_backend=args.backend, speech_model=args.model, speech_language=args.language,
        threads=args.threads, speech_vad=not args.no_vad,
    )  # fmt: skip
    transcriber = make_transcriber(settings)
    started = time.perf_counter()
    transcriber.warm_up()
    results: dict[str, Any] = {
        "backend": settings.speech_backend,
        "model": settings.speech_model,
        "compute_type": settings.speech_compute_type,
        "threads": settings.threads,
        "vad": settings.speech_vad,
        "vad_parameters": VAD_PARAMETERS if settings.speech_vad else None,
        "language": settings.speech_language,
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "load_seconds": time.perf_counter() - started,
    }
    results["speech"] = bench_suite(transcriber, args.limit)
    results["earnings_call"] = None if args.skip_call else bench_call(transcriber, args.limit_call)
    results["peak_rss_mib"] = peak_rss_mib()
    print_table(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
