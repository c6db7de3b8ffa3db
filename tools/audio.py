"""Decode any audio or video file to 16 kHz mono float32 samples with PyAV (FFmpeg in the wheel).

Decoding streams frame by frame through a resampler, so memory grows with the output only.

Example:
    >>> samples = decode_audio("tests/data/speech_short.wav")  # doctest: +SKIP
    >>> samples.dtype, samples.ndim
    (dtype('float32'), 1)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from assistant.errors import BackendUnavailableError, BadInputError

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


def _check_file(path: str | Path) -> Path:
    file = Path(path)
    if not file.exists():
        raise BadInputError(f"{file}: audio file not found")
    if not file.is_file():
        raise BadInputError(f"{file}: not a file")
    if file.stat().st_size == 0:
        raise BadInputError(f"{file}: audio file is empty")
    return file


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
    file = _check_file(path)
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
    file = _check_file(path)
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
