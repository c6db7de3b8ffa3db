"""Decode any audio or video file to 16 kHz mono float32 samples with PyAV (FFmpeg in the wheel).

Decoding streams frame by frame through a resampler, so memory grows with the output only;
``iter_audio_blocks`` yields fixed-length blocks so a long recording never sits in memory whole.
``plan_clips`` groups speech regions into decoder-sized clips cut at pauses.

Example:
    >>> samples = decode_audio("tests/data/speech_short.wav")  # doctest: +SKIP
    >>> samples.dtype, samples.ndim  # doctest: +SKIP
    (dtype('float32'), 1)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.errors import BackendUnavailableError, BadInputError, require_file

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
AUDIO_SUFFIXES = frozenset({".wav", ".mp3", ".m4a", ".ogg", ".opus", ".flac", ".webm", ".mp4", ".aac", ".wma", ".mkv"})
_PYAV_INSTALL = "pip install 'av>=14'"


def _av():
    try:
        import av
    except ImportError as exc:  # pragma: no cover - av is a core dependency
        raise BackendUnavailableError(f"PyAV is not installed; run: {_PYAV_INSTALL}") from exc
    return av


def _open(file: Path):
    av = _av()
    try:
        container = av.open(str(file), mode="r", metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise BadInputError(f"{file}: cannot decode audio ({_reason(exc)})") from exc
    if not container.streams.audio:
        container.close()
        raise BadInputError(f"{file}: has no audio stream")
    return container


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return str(text).splitlines()[0][:200]


def _resampled_chunks(container, file: Path) -> Iterator[np.ndarray]:
    av = _av()
    stream = container.streams.audio[0]
    stream.thread_type = "AUTO"
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    try:
        for frame in container.decode(stream):
            frame.pts = None  # let the resampler time frames itself (robust to odd timestamps)
            for out in resampler.resample(frame):
                yield out.to_ndarray().reshape(-1)
        for out in resampler.resample(None):  # flush the resampler's buffer
            yield out.to_ndarray().reshape(-1)
    except av.error.FFmpegError as exc:
        raise BadInputError(f"{file}: cannot decode audio ({_reason(exc)})") from exc


def decode_audio(path: str | Path) -> np.ndarray:
    """Decode ``path`` (wav, mp3, m4a, ogg, opus, flac, webm, mp4 ...) to 16 kHz mono float32 in [-1, 1].

    Raises BadInputError naming the file when it is missing, empty, undecodable or has no audio.
    """
    file = require_file(path, "audio file")
    container = _open(file)
    try:
        chunks = list(_resampled_chunks(container, file))
    finally:
        container.close()
    if not chunks:
        raise BadInputError(f"{file}: audio stream holds no samples")
    pcm = np.concatenate(chunks)
    if pcm.size == 0:
        raise BadInputError(f"{file}: audio stream holds no samples")
    samples = pcm.astype(np.float32) / 32768.0
    logger.debug("decoded %s: %.2f s", file, samples.size / SAMPLE_RATE)
    return samples


def audio_duration(path: str | Path) -> float:
    """Duration in seconds, from the container header when it has one, else by decoding."""
    file = require_file(path, "audio file")
    container = _open(file)
    try:
        stream = container.streams.audio[0]
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        if container.duration is not None:
            return container.duration / 1_000_000  # av.time_base: microseconds
    finally:
        container.close()
    return decode_audio(file).size / SAMPLE_RATE


def concat_audio(paths: Iterable[str | Path], gap_seconds: float = 0.0) -> np.ndarray:
    """Decode several files and join them in order, with ``gap_seconds`` of silence between clips."""
    gap = np.zeros(int(round(gap_seconds * SAMPLE_RATE)), dtype=np.float32)
    parts: list[np.ndarray] = []
    for i, path in enumerate(paths):
        if i and gap.size:
            parts.append(gap)
        parts.append(decode_audio(path))
    if not parts:
        raise BadInputError("no audio files to join")
    return np.concatenate(parts)


def iter_audio_blocks(path: str | Path, block_seconds: float) -> Iterator[np.ndarray]:
    """Decode ``path`` as consecutive 16 kHz mono float32 blocks of ``block_seconds`` (the last may be shorter).

    Memory stays at about one block whatever the recording's length. BadInputError as in ``decode_audio``.
    """
    size = max(1, int(round(block_seconds * SAMPLE_RATE)))
    file = require_file(path, "audio file")
    container = _open(file)
    pending: list[np.ndarray] = []
    held = 0
    total = 0
    try:
        for chunk in _resampled_chunks(container, file):
            pending.append(chunk)
            held += chunk.size
            while held >= size:
                joined = np.concatenate(pending)
                yield joined[:size].astype(np.float32) / 32768.0
                total += size
                rest = joined[size:]
                pending, held = ([rest] if rest.size else []), rest.size
    finally:
        container.close()
    if held:
        total += held
        yield np.concatenate(pending).astype(np.float32) / 32768.0
    if total == 0:
        raise BadInputError(f"{file}: audio stream holds no samples")


@dataclass(frozen=True)
class Clip:
    """A stretch of audio in seconds, at most one decoder window long, cut at pauses."""

    start: float
    end: float


def plan_clips(
    regions: Sequence[tuple[float, float]],
    duration: float,
    *,
    max_seconds: float = 28.0,
    margin: float = 1.0,
    limit: float = 30.0,
) -> list[Clip]:
    """Group speech ``regions`` (start, end seconds, sorted) into clips no longer than ``max_seconds``.

    Consecutive regions join one clip while it fits; a region longer than ``max_seconds`` is cut
    into equal parts. Each clip then reaches up to ``margin`` seconds into the pauses on either
    side (never past the middle of a pause, never outside [0, duration], never beyond ``limit``
    seconds in all), so the voice detector's borders cannot clip the first or last word.

    >>> plan_clips([(1.0, 5.0), (6.0, 20.0), (22.0, 40.0)], 45.0)
    [Clip(start=0.0, end=21.0), Clip(start=21.0, end=41.0)]
    """
    pieces: list[tuple[float, float]] = []
    for start, end in regions:
        start, end = max(0.0, float(start)), min(float(duration), float(end))
        if end <= start:
            continue
        parts = max(1, int(np.ceil((end - start) / max_seconds)))
        step = (end - start) / parts
        pieces.extend((start + i * step, start + (i + 1) * step) for i in range(parts))
    groups: list[list[float]] = []
    for start, end in pieces:
        if groups and end - groups[-1][0] <= max_seconds:
            groups[-1][1] = end
        else:
            groups.append([start, end])
    clips: list[Clip] = []
    for i, (start, end) in enumerate(groups):
        before = groups[i - 1][1] if i else 0.0
        after = groups[i + 1][0] if i + 1 < len(groups) else float(duration)
        room = max(limit - (end - start), 0.0)
        lead = min(margin, (start - before) / 2 if i else start - before, room / 2)
        tail = min(margin, (after - end) / 2 if i + 1 < len(groups) else after - end, room / 2)
        clips.append(Clip(round(start - max(lead, 0.0), 3), round(end + max(tail, 0.0), 3)))
    return clips


def cut_point(regions: Sequence[tuple[float, float]], length: float, search: float = 120.0) -> float:
    """Where to end a window of ``length`` s: the middle of the longest pause in its last ``search`` s
    (at most a quarter of the window), given speech regions as sorted (start, end) seconds.

    >>> cut_point([(0.0, 500.0), (502.0, 590.0), (591.0, 600.0)], 600.0)
    501.0
    """
    search = min(search, length / 4)
    gaps = [(b[0] - a[1], (a[1] + b[0]) / 2) for a, b in zip(regions, regions[1:], strict=False)
            if (a[1] + b[0]) / 2 > length - search]
    last_end = regions[-1][1] if regions else 0.0
    if last_end < length - 0.5:
        gaps.append((length - last_end, (max(last_end, length - search) + length) / 2))
    return max(gaps)[1] if gaps else length  # no pause at all: cut at the end


def array_blocks(samples: np.ndarray, seconds: float) -> Iterator[np.ndarray]:
    """Views of ``samples`` (16 kHz) ``seconds`` long, the last possibly shorter: no copies."""
    size = int(seconds * SAMPLE_RATE)
    for start in range(0, samples.size, size):
        yield samples[start : start + size]
