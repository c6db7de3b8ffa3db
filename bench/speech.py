"""Speech benchmark: WER and real-time factor on ../shared/eval/speech and on the 3M earnings call.

The call's clips are concatenated in id order into one recording, written to one WAV file,
transcribed from that file (streamed in windows, as a user's upload would be) and scored against
the concatenated references. The call's RTF counts wall time including the model load. Also
reports warm-model latency for a short voice question. Prints a table and writes JSON.

    .venv/bin/python bench/speech.py [--limit N] [--limit-call N] [--per-clip] [--out bench/results/speech.json]
    .venv/bin/python bench/speech.py --memory-check   # peak memory at half and full call length
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.evaluation.speech import read_manifest, run_speech_suite, word_error_rate  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from tools.audio import SAMPLE_RATE, concat_audio  # noqa: E402
from tools import transcribe as transcribe_module  # noqa: E402
from tools.transcribe import Transcriber, make_transcriber  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
SPEECH_SUITE = EVAL / "speech"
QUESTION = ROOT / "tests" / "data" / "speech_short.wav"
CALL_SUITE = EVAL / "earnings_call_3m_2017q1"
logger = logging.getLogger("bench.speech")


def _load() -> str:
    """The 1/5/15-minute load averages: timings on a shared machine mean little without them."""
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


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


def _write_wav(samples, path: Path) -> None:
    pcm = np.clip(np.round(samples * 32768.0), -32768, 32767).astype("<i2")  # exact inverse of the decoder
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm.tobytes())


def call_vocabulary(rows: list[dict[str, Any]], how: str) -> list[str]:
    """What an analyst would give at ingest: the company and the speaker list."""
    if how == "none":
        return []

    return ["3M", *dict.fromkeys(str(r["speaker"]) for r in rows if r.get("speaker"))]


def bench_call(transcriber: Transcriber, limit: int | None, load_seconds: float, vocabulary: str) -> dict[str, Any] | None:
    if not (CALL_SUITE / "manifest.jsonl").is_file():
        print(f"skipped earnings call: {CALL_SUITE} is missing")
        return None
    rows = sorted(read_manifest(CALL_SUITE), key=lambda r: str(r["id"]))[: limit if limit is not None else None]
    reference = " ".join(str(r["reference"]) for r in rows)
    words = call_vocabulary(rows, vocabulary)
    last_report = [0.0]

    def progress(done: float, total: float) -> None:
        if done - last_report[0] >= 120 or done >= total:
            last_report[0] = done
            logger.info("call: %.0f / %.0f s", done, total)

    with tempfile.TemporaryDirectory(prefix="modalyst-bench-") as folder:
        recording = Path(folder) / "call.wav"
        audio = concat_audio(CALL_SUITE / str(r["audio"]) for r in rows)
        audio_seconds = audio.size / SAMPLE_RATE
        _write_wav(audio, recording)
        del audio
        rss_before = peak_rss_mib()
        started = time.perf_counter()
        transcript = transcriber.run(recording, vocabulary=words, progress=progress)
        seconds = time.perf_counter() - started
    return {
        "n": len(rows),
        "wer": word_error_rate([reference], [transcript.text]),
        "rtf": (load_seconds + seconds) / audio_seconds,
        "rtf_transcribe_only": seconds / audio_seconds,
        "transcribe_seconds": seconds,
        "load_seconds": load_seconds,
        "audio_seconds": audio_seconds,
        "segments": len(transcript.segments),
        "reference_words": len(reference.split()),
        "hypothesis_words": len(transcript.text.split()),
        "vocabulary": words,
        "hypothesis": transcript.text,
        "peak_rss_mib_before": rss_before,
        "peak_rss_mib": peak_rss_mib(),
    }


def bench_call_per_clip(transcriber: Transcriber, limit: int | None) -> dict[str, Any] | None:
    """The same call, one clip at a time (the speech-suite way)."""
    if not (CALL_SUITE / "manifest.jsonl").is_file():
        return None
    result = run_speech_suite(CALL_SUITE, transcriber, limit)
    result["audio_seconds"] = sum(i["audio_seconds"] for i in result["items"])
    result["peak_rss_mib"] = peak_rss_mib()
    return result


def bench_question(transcriber: Transcriber, repeats: int = 3) -> dict[str, Any] | None:
    """Warm-model latency of a short voice question (decode + transcribe), median of ``repeats``."""
    if not QUESTION.is_file():
        return None
    transcriber.run(QUESTION)  # warm caches
    times, text = [], ""
    for _ in range(repeats):
        started = time.perf_counter()
        text = transcriber.run(QUESTION).text
        times.append(time.perf_counter() - started)
    from tools.audio import audio_duration

    return {"audio_seconds": audio_duration(QUESTION), "latency_seconds": statistics.median(times), "text": text}


def print_table(results: dict[str, Any]) -> None:
    print(f"\nspeech benchmark: {results['backend']} {results['model']} {results['compute_type']}, "
          f"threads={results['threads']}, vad={results['vad']}, load {results['load_seconds']:.1f} s")
    print(f"{'suite':<28}{'n':>5}{'audio s':>10}{'WER':>8}{'RTF':>8}{'peak MiB':>10}")
    for key in ("speech", "earnings_call", "earnings_call_per_clip"):
        r = results.get(key)
        if r:
            print(f"{key:<28}{r['n']:>5}{r['audio_seconds']:>10.1f}{r['wer']:>8.2%}{r['rtf']:>8.3f}{r['peak_rss_mib']:>10.0f}")
    suite = results.get("speech")
    if suite:
        print(f"\n{'clip':<24}{'audio s':>9}{'proc s':>8}{'RTF':>7}{'WER':>8}")
        for item in suite["items"]:
            rtf = item["seconds"] / item["audio_seconds"] if item["audio_seconds"] else 0.0
            print(f"{item['id']:<24}{item['audio_seconds']:>9.2f}{item['seconds']:>8.2f}{rtf:>7.3f}{item['wer']:>8.2%}")
    call = results.get("earnings_call")
    if call:
        print(f"\nwhole call: RTF {call['rtf']:.3f} incl. model load ({call['rtf_transcribe_only']:.3f} transcribe only), "
              f"peak memory before the call {call['peak_rss_mib_before']:.0f} MiB, after {call['peak_rss_mib']:.0f} MiB")
    question = results.get("voice_question")
    if question:
        print(f"voice question ({question['audio_seconds']:.1f} s, warm model): {question['latency_seconds']:.2f} s")
    print(f"load average at start / end: {results['load_average_start']} / {results['load_average_end']}")
    print(f"\npeak memory (ru_maxrss): {results['peak_rss_mib']:.0f} MiB")


def memory_check(args: argparse.Namespace) -> int:
    """Transcribe the first half of the call and the whole call, each in a fresh process, and compare
    their peak memory: windowed decoding keeps it flat in the recording's length."""
    import subprocess

    rows = read_manifest(CALL_SUITE) if (CALL_SUITE / "manifest.jsonl").is_file() else []
    if not rows:
        print(f"skipped memory check: {CALL_SUITE} is missing")
        return 0
    runs = []
    with tempfile.TemporaryDirectory(prefix="modalyst-bench-") as folder:
        for clips in (len(rows) // 2, len(rows)):
            out = Path(folder) / f"call-{clips}.json"
            subprocess.run([sys.executable, __file__, "--skip-suite", "--limit-call", str(clips), "--out", str(out),
                            "--threads", str(args.threads)], check=True, stdout=subprocess.DEVNULL)
            call = json.loads(out.read_text(encoding="utf-8"))["earnings_call"]
            runs.append({key: call[key] for key in ("n", "audio_seconds", "wer", "rtf", "peak_rss_mib", "peak_rss_mib_before")})
    ratio = runs[1]["peak_rss_mib"] / runs[0]["peak_rss_mib"]
    print(f"\n{'clips':>6}{'audio s':>10}{'peak MiB':>10}{'RTF':>8}")
    for run in runs:
        print(f"{run['n']:>6}{run['audio_seconds']:>10.1f}{run['peak_rss_mib']:>10.0f}{run['rtf']:>8.3f}")
    print(f"peak memory ratio whole / half call: {ratio:.2f} for {runs[1]['audio_seconds'] / runs[0]['audio_seconds']:.2f}x the audio")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    out = args.out.with_name("speech_memory.json")
    out.write_text(json.dumps({"runs": runs, "peak_ratio": ratio}, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


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
    parser.add_argument("--vocabulary", choices=("speakers", "none"), default="none",
                        help="call vocabulary: the company and the manifest's speaker list, or none")
    parser.add_argument("--per-clip", action="store_true", help="also transcribe the call clip by clip")
    parser.add_argument("--skip-suite", action="store_true", help="no speech suite and no voice question")
    parser.add_argument("--memory-check", action="store_true",
                        help="peak memory of the call alone at half and full length, each in its own process")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "speech.json")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    if args.memory_check:
        return memory_check(args)
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
        "vad_parameters": transcribe_module.VAD_PARAMETERS if settings.speech_vad else None,
        "clip_vad_parameters": transcribe_module.CLIP_VAD_PARAMETERS if settings.speech_vad else None,
        "batch_size": transcribe_module.BATCH_SIZE,
        "beam_size": transcribe_module.BEAM_SIZE,
        "window_seconds": transcribe_module.WINDOW_SECONDS,
        "sequential_max_seconds": transcribe_module.SEQUENTIAL_MAX_SECONDS,
        "load_average_start": _load(),
        "language": settings.speech_language,
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "load_seconds": time.perf_counter() - started,
    }
    load_seconds = results["load_seconds"]
    results["earnings_call"] = None if args.skip_call else bench_call(transcriber, args.limit_call, load_seconds, args.vocabulary)
    results["speech"] = None if args.skip_suite else bench_suite(transcriber, args.limit)
    results["voice_question"] = None if args.skip_suite else bench_question(transcriber)
    if args.per_clip and not args.skip_call:
        results["earnings_call_per_clip"] = bench_call_per_clip(transcriber, args.limit_call)
    results["load_average_end"] = _load()
    results["peak_rss_mib"] = peak_rss_mib()
    print_table(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
