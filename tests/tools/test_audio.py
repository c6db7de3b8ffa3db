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
    with pytest.raises(BadInputError, match="not a regular file"):
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


# --- blocks and clips --------------------------------------------------------------------------


def test_blocks_join_to_the_whole_recording():
    from tools.audio import iter_audio_blocks

    whole = decode_audio(WAV)
    blocks = list(iter_audio_blocks(WAV, 1.0))
    assert [b.size for b in blocks[:-1]] == [16_000] * (len(blocks) - 1)
    assert 0 < blocks[-1].size <= 16_000
    assert all(b.dtype == np.float32 for b in blocks)
    np.testing.assert_array_equal(np.concatenate(blocks), whole)


def test_blocks_of_a_bad_file_are_bad_input(tmp_path):
    from tools.audio import iter_audio_blocks

    fake = tmp_path / "notes.mp3"
    fake.write_text("not audio at all\n" * 20)
    with pytest.raises(BadInputError, match="notes.mp3"):
        list(iter_audio_blocks(fake, 10.0))


def test_clips_cover_the_speech_within_the_decoder_window():
    from tools.audio import plan_clips

    regions = [(0.2, 3.0), (3.5, 12.0), (12.4, 27.0), (30.0, 95.0), (96.0, 97.0)]
    clips = plan_clips(regions, 100.0)
    assert all(c.end - c.start <= 30.0 + 1e-9 for c in clips)
    assert all(a.end <= b.start for a, b in zip(clips, clips[1:]))
    for start, end in regions:  # every spoken second sits inside some clip
        for t in np.arange(start, end, 0.25):
            assert any(c.start <= t <= c.end for c in clips), t
    assert clips[0].start == 0.0 and clips[-1].end == 98.0


def test_clips_of_no_speech_are_none():
    from tools.audio import plan_clips

    assert plan_clips([], 60.0) == []
    assert plan_clips([(5.0, 5.0)], 60.0) == []


def test_windows_end_in_the_longest_late_pause():
    from tools.audio import array_blocks, cut_point

    assert cut_point([(0.0, 500.0), (502.0, 590.0), (591.0, 600.0)], 600.0) == 501.0
    assert cut_point([(0.0, 550.0)], 600.0) == 575.0  # silent tail: cut inside it
    assert cut_point([(0.0, 600.0)], 600.0) == 600.0  # no pause anywhere: the window's end
    assert cut_point([], 600.0) == 540.0  # all silence: the middle of the searched tail
    blocks = list(array_blocks(np.arange(35_000, dtype=np.float32), 1.0))
    assert [b.size for b in blocks] == [16_000, 16_000, 3_000]
    assert blocks[1].base is not None  # views, not copies
