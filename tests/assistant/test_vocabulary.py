"""The workspace's names reach the speech decoder only as candidates; the user's terms always.
Voice questions and `transcribe` follow the same rule as ingest. Fake transcriber."""

from assistant.embeddings import HashEmbedding
from assistant.orchestrator import Assistant
from assistant.types import Turn
from assistant.vocabulary import Hints, build_vocabulary
from tests.conftest import DATA, SAMPLES
from tools.transcribe import FakeTranscriber


class Recording(FakeTranscriber):
    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.seen: list[tuple[list[str], list[str]]] = []

    def run(self, audio, vocabulary=(), progress=None, names=()):
        self.seen.append((list(vocabulary), list(names)))
        return super().run(audio, vocabulary, progress, names)


def test_build_vocabulary_keeps_terms_apart_from_workspace_names() -> None:
    hints = build_vocabulary(["NWI"], ["Amazon Web Services and Amazon Web Services; North America."], speakers=["Sam Okafor, CFO"])
    assert hints == Hints(terms=("NWI", "Sam Okafor"), names=("Amazon Web Services", "North America"))
    assert hints.with_speakers(["Dana Reyes, CEO", "Sam Okafor, CFO"]).terms == ("Dana Reyes", "Sam Okafor", "NWI")


def test_voice_questions_and_transcribe_get_terms_always_and_names_as_candidates(settings) -> None:
    transcriber = Recording(settings)
    bot = Assistant(settings.model_copy(update={"vocabulary": "Okafor"}), embedder=HashEmbedding(), transcriber=transcriber)
    bot.ingest([SAMPLES / "northwind_q1_2026_report.pdf"])
    bot.ask(Turn(audio=str(DATA / "speech_short.wav")))
    bot.transcribe(DATA / "speech_short.wav")
    assert len(transcriber.seen) == 2
    for terms, names in transcriber.seen:
        assert terms == ["Okafor"]
        assert "Northwind Instruments" in names and "Okafor" not in names
