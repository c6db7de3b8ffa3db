"""Speech hints: which names reach the decoder, and only where a first pass nearly heard them.
Fake Whisper models record the hotwords of every decoding."""

from types import SimpleNamespace

import numpy as np
import pytest

from assistant.settings import Settings
from tools.hints import MAX_HINTS, heard, hint_line, splice
from tools.transcribe import FasterWhisperTranscriber, spliced_pieces

FILING = ["Amazon Web Services", "North America", "Securities Exchange Commission", "Free Cash Flow", "AWS", "Jeffrey Bezos"]


def test_near_misses_are_heard_exact_and_absent_names_are_not() -> None:
    text = "Thanks Inge and good morning. Nicholas Gangisted here with the North Wind Instruments results; free cash flow rose."
    names = ["Nicholas Gangestad", "Northwind Instruments", "Free Cash Flow", "Inge Thulin", *FILING]
    assert heard(names, text) == ["Northwind Instruments", "Nicholas Gangestad"]  # closest first


def test_a_filing_s_names_are_not_heard_in_an_unrelated_call() -> None:
    call = ("Good morning everyone, and thank you for joining the Northwind Instruments first quarter 2026 earnings call. "
            "Gross margin was 48 percent. For the full year, we now expect revenue growth of 8 to 10 percent.")  # fmt: skip
    assert heard(FILING, call) == []


def test_short_names_never_match_fuzzily_and_hints_are_capped() -> None:
    assert heard(["AWS", "NWI", "3M"], "it was a win for 3 m") == []
    names = [f"Kowalczyk{i}" for i in range(30)]
    assert len(heard(names, "mister kowalczyc spoke")) == MAX_HINTS
    assert hint_line(["3M", " Inge Thulin", "", "3M"], ["Nicholas Gangestad"]) == "3M Inge Thulin Nicholas Gangestad"
    assert hint_line([f"t{i}" for i in range(20)]).split() == [f"t{i}" for i in range(MAX_HINTS)]
    assert hint_line([]) is None


def test_a_hinted_decoding_changes_only_the_words_of_a_heard_name() -> None:
    first = "joining the North Wind Instruments first quarter call. Revenue was 4.2 billion dollars, we now expect growth".split()
    hinted = "joining the Northwind Instruments first quarter, call. Revenue was $4.2 billion, we have expected growth".split()
    words, changed = splice(first, hinted, ["Northwind Instruments"])
    assert changed == 1
    assert " ".join(words) == "joining the Northwind Instruments first quarter call. Revenue was 4.2 billion dollars, we now expect growth"
    long_rewrite = "a b c d e f g h Northwind".split()
    assert splice("x y".split(), long_rewrite, ["Northwind"]) == (["x", "y"], 0)  # never a long rewrite


def _word(text: str, start: float) -> SimpleNamespace:
    return SimpleNamespace(word=text, start=start, end=start + 0.4)


def test_spliced_pieces_keep_word_timings_and_refuse_a_looping_decoding() -> None:
    first = [SimpleNamespace(start=0.0, end=3.0, text=" Thanks Nick Gangisted.", words=[_word(" Thanks", 0.0), _word(" Nick", 0.5), _word(" Gangisted.", 1.0)], compression_ratio=1.2)]
    hinted = [SimpleNamespace(start=0.0, end=3.0, text=" Thanks, Nick Gangestad.", words=[_word(" Thanks,", 0.0), _word(" Nick", 0.6), _word(" Gangestad.", 1.1)], compression_ratio=1.2)]
    [piece], changed = spliced_pieces(first, hinted, ["Nicholas Gangestad"])
    assert changed == 1 and piece.text == " Thanks Nick Gangestad." and [w.start for w in piece.words] == [0.0, 0.5, 1.1]
    hinted[0].compression_ratio = 3.0
    assert spliced_pieces(first, hinted, ["Nicholas Gangestad"]) == (first, 0)


class _Model:
    """A sequential faster-whisper model: says ``first`` without hotwords, ``hinted`` with them."""

    def __init__(self, first: str, hinted: str) -> None:
        self.first, self.hinted, self.hotwords = first, hinted, []

    def transcribe(self, audio, **options):
        assert "initial_prompt" not in options  # hints go as hotwords, never as a prose prompt
        self.hotwords.append(options["hotwords"])
        text = self.hinted if options["hotwords"] and "Gangestad" in options["hotwords"] else self.first
        piece = SimpleNamespace(start=0.0, end=3.0, text=text, no_speech_prob=0.01, avg_logprob=-0.2, compression_ratio=1.3)
        return iter([piece]), SimpleNamespace(language="en", duration=audio.size / 16_000)


def _transcriber(model) -> FasterWhisperTranscriber:
    transcriber = FasterWhisperTranscriber(Settings(speech_language="en", speech_vad=False))
    transcriber._model = model
    return transcriber


def test_voice_question_is_decoded_again_only_with_the_names_it_nearly_said() -> None:
    model = _Model(" What did Nicholas Gangisted say about margins?", " What did Nicholas Gangestad say about margin?")
    transcript = _transcriber(model).run(np.zeros(16_000 * 3, dtype=np.float32), vocabulary=["3M"], names=["Nicholas Gangestad", *FILING])
    assert model.hotwords == ["3M", "3M Nicholas Gangestad"]  # the user's term always; the filing's names never
    assert transcript.text == "What did Nicholas Gangestad say about margins?"


def test_nothing_heard_means_one_decoding_without_hotwords() -> None:
    model = _Model(" Gross margin was 48 percent.", "unused")
    transcript = _transcriber(model).run(np.zeros(16_000 * 3, dtype=np.float32), names=FILING)
    assert model.hotwords == [None] and transcript.text == "Gross margin was 48 percent."


def test_long_audio_decodes_again_only_the_clips_that_nearly_name_someone(monkeypatch) -> None:
    import faster_whisper

    import tools.transcribe as transcribe

    calls = []

    class Pipeline:
        def __init__(self, model) -> None:
            pass

        def transcribe(self, audio, clip_timestamps, hotwords=None, **options):
            calls.append({"clips": [c["start"] for c in clip_timestamps], "hotwords": hotwords})
            pieces = []
            for clip in clip_timestamps:
                name = "Nicholas Gangestad" if hotwords else "Nicholas Gangisted"
                said = f" {name} spoke about sales in the quarter" if clip["start"] == 0 else " sales rose in the quarter again"
                if hotwords:
                    said = said.replace("sales", "cells")  # a hint must not change other words
                words = [_word(f" {w}", clip["start"] + k) for k, w in enumerate(said.split())]
                pieces.append(SimpleNamespace(start=clip["start"], end=clip["end"], text=said, words=words,
                                              no_speech_prob=0.01, avg_logprob=-0.2, compression_ratio=1.3))  # fmt: skip
            return iter(pieces), SimpleNamespace(language="en", duration=audio.size / 16_000)

    monkeypatch.setattr(faster_whisper, "BatchedInferencePipeline", Pipeline)
    monkeypatch.setattr(transcribe, "SEQUENTIAL_MAX_SECONDS", 10.0)
    monkeypatch.setattr(transcribe, "MIN_WORDS_PER_SECOND", 0.0)  # no too-short redo in this test
    monkeypatch.setattr(FasterWhisperTranscriber, "_speech_regions", lambda self, w: [(0.0, 20.0), (30.0, 50.0)])
    transcriber = _transcriber(object())
    transcript = transcriber.run(np.zeros(16_000 * 56, dtype=np.float32), names=["Nicholas Gangestad", *FILING])
    assert calls[0]["hotwords"] is None and len(calls[0]["clips"]) == 2
    assert calls[1] == {"clips": [0.0], "hotwords": "Nicholas Gangestad"}  # only the first clip, only the name it nearly said
    assert transcript.text == "Nicholas Gangestad spoke about sales in the quarter sales rose in the quarter again"


@pytest.mark.parametrize("names", [(), FILING])
def test_long_audio_without_a_near_miss_is_decoded_once(monkeypatch, names) -> None:
    import faster_whisper

    import tools.transcribe as transcribe

    calls = []

    class Pipeline:
        def __init__(self, model) -> None:
            pass

        def transcribe(self, audio, clip_timestamps, hotwords=None, **options):
            calls.append(hotwords)
            pieces = [SimpleNamespace(start=c["start"], end=c["end"], text=" gross margin was 48 percent", words=None,
                                      no_speech_prob=0.01, avg_logprob=-0.2, compression_ratio=1.3) for c in clip_timestamps]  # fmt: skip
            return iter(pieces), SimpleNamespace(language="en", duration=audio.size / 16_000)

    monkeypatch.setattr(faster_whisper, "BatchedInferencePipeline", Pipeline)
    monkeypatch.setattr(transcribe, "SEQUENTIAL_MAX_SECONDS", 10.0)
    monkeypatch.setattr(transcribe, "MIN_WORDS_PER_SECOND", 0.0)
    monkeypatch.setattr(FasterWhisperTranscriber, "_speech_regions", lambda self, w: [(0.0, 20.0), (30.0, 50.0)])
    _transcriber(object()).run(np.zeros(16_000 * 56, dtype=np.float32), names=names)
    assert calls == [None]
