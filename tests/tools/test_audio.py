from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from assistant.errors import BadInputError
from tools.audio import SAMPLE_RATE, audio_duration, concat_audio, decode_audio

DATA = Path(__file__).resolve().parents[1] / "data"
WAV = DATA / "speech_short.wav"
SHORT_SECONDS = 69503 / SAMPLE_RATE  # espeak-ng clip resampled by sox: 69,503 samples at 16 kHz


def _encode(samples: np.ndarray, path: Path, codec: str, rate: int = 48_000) -> Path:
    """Encode 16 kHz mono float samples to ``path`` with PyAV (resampled to ``rate`` stereo)."""
    pcm = (samples * 32767).astype(np.int16).reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
    frame.sample_rate = SAMPLE_RATE
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=rate, layout="stereo")
        resampler = av.AudioResampler(format=stream.codec_context.format.name, layout="stereo", rate=rate)
        for resampled in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(resampled):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def test_decode_wav_gives_16k_mono_float32():
    samples = decode_audio(WAV)
    assert samples.dtype == np.float32
    assert samples.ndim == 1
    assert samples.size == 69503
    assert 0.5 < float(np.abs(samples).max()) <= 1.0


def test_lossless_formats_decode_to_the_same_samples():
    wav = decode_audio(WAV)
    flac = decode_audio(DATA / "speech_short.flac")
    np.testing.assert_array_equal(wav, flac)


def test_ogg_vorbis_decodes_close_to_the_wav():
    wav = decode_audio(WAV)
    ogg = decode_audio(DATA / "speech_short.ogg")
    assert ogg.size == wav.size
    assert np.corrcoef(wav, ogg)[0, 1] > 0.95


@pytest.mark.parametrize(
    ("suffix", "codec"),
    [(".mp3", "libmp3lame"), (".m4a", "aac"), (".opus", "libopus"), (".webm", "libopus"), (".mp4", "aac")],
)
def test_lossy_containers_decode_to_the_same_length(tmp_path, suffix, codec):
    wav = decode_audio(WAV)
    encoded = _encode(wav, tmp_path / f"clip{suffix}", codec)
    samples = decode_audio(encoded)
    # Encoders add priming/padding frames: allow 0.1 s either way.
    assert abs(samples.size - wav.size) < 0.1 * SAMPLE_RATE
    assert abs(audio_duration(encoded) - SHORT_SECONDS) < 0.1


def test_audio_duration_reads_the_header():
    assert audio_duration(WAV) == pytest.approx(SHORT_SECONDS, abs=1e-3)


def test_concat_audio_joins_in_order_with_gap():
    wav = decode_audio(WAV)
    joined = concat_audio([WAV, DATA / "speech_short.flac"], gap_seconds=0.5)
    assert joined.size == 2 * wav.size + SAMPLE_RATE // 2
    np.testing.assert_array_equal(joined[: wav.size], wav)
    assert not joined[wav.size : wav.size + SAMPLE_RATE // 2].any()


def test_concat_audio_of_nothing_is_bad_input():
    with pytest.raises(BadInputError, match="no audio files"):
        concat_audio([])


def test_missing_file_is_bad_input(tmp_path):
    with pytest.raises(BadInputError, match=r"nope\.wav: audio file not found"):
        decode_audio(tmp_path / "nope.wav")


def test_empty_file_is_bad_input(tmp_path):
    empty = tmp_path / "empty.mp3"
    empty.write_bytes(b"")
    with pytest.raises(BadInputError, match=r"empty\.mp3: audio file is empty"):
        decode_audio(empty)


def test_directory_is_bad_input(tmp_path):
    with pytest.raises(BadInputError, match="not a file"):
        decode_audio(tmp_path)


def test_text_named_wav_is_bad_input(tmp_path):
    fake = tmp_path / "notes.wav"
    fake.write_text("this is not audio at all\n" * 20)
    with pytest.raises(BadInputError, match=r"notes\.wav: cannot decode audio \(.+\)"):
        decode_audio(fake)
    with pytest.raises(BadInputError, match=r"notes\.wav: cannot decode audio"):
        audio_duration(fake)


def test_video_without_audio_is_bad_input(tmp_path):
    video = tmp_path / "silent.mp4"
    with av.open(str(video), "w") as out:
        stream = out.add_stream("mpeg4", rate=5)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), 40 * i, dtype=np.uint8), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 5)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    with pytest.raises(BadInputError, match=r"silent\.mp4: has no audio stream"):
        decode_audio(video)
