import json
import shutil
from pathlib import Path

import pytest

from assistant.errors import BadInputError, UnsupportedFileError
from assistant.extract import detect_kind, label_speakers
from assistant.types import Segment, Turn
from tests.conftest import DATA, SAMPLES


def test_detect_kind_by_content_and_extension(tmp_path: Path) -> None:
    assert detect_kind(SAMPLES / "northwind_q1_2026_report.pdf") == "pdf"
    assert detect_kind(SAMPLES / "q1_call.flac") == "audio"
    fake_pdf = tmp_path / "x.pdf"
    fake_pdf.write_text("not a pdf at all")
    with pytest.raises(BadInputError, match="not a PDF"):
        detect_kind(fake_pdf)
    with pytest.raises(BadInputError, match="file is empty"):
        (tmp_path / "e.txt").write_bytes(b"")
        detect_kind(tmp_path / "e.txt")
    (tmp_path / "a.xyz").write_text("?")
    with pytest.raises(UnsupportedFileError, match=r"unsupported file type '\.xyz'"):
        detect_kind(tmp_path / "a.xyz")
    with pytest.raises(BadInputError, match="file not found"):
        detect_kind(tmp_path / "missing.pdf")


def test_pdf_chunks_carry_pages_and_reingest_adds_nothing(fake_assistant) -> None:
    pdf = SAMPLES / "northwind_q1_2026_report.pdf"
    first = fake_assistant.ingest([pdf])
    assert [s.pages for s in first.added] == [3] and not first.failed
    count = fake_assistant.store.count()
    second = fake_assistant.ingest([pdf])
    assert second.added == [] and [s.id for s in second.skipped] == [first.added[0].id]
    assert fake_assistant.store.count() == count
    pages = {c.locator.page for c in fake_assistant.store.chunks_of(first.added[0].id)}
    assert pages == {1, 2, 3}


def test_batch_reports_bad_files_and_ingests_the_rest(fake_assistant, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "notes.md").write_text("# Notes\n\nThe board approved a dividend of 0.52 per share.\n")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 garbage that is not a pdf")
    (folder / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (folder / "table.xyz").write_text("?")
    report = fake_assistant.ingest([folder, tmp_path / "nope.txt"])
    assert [Path(s.path).name for s in report.added] == ["notes.md"]
    failed = {Path(p).name: e for p, e in report.failed}
    assert set(failed) == {"broken.pdf", "latin1.txt", "table.xyz", "nope.txt"}
    assert "cannot read the PDF" in failed["broken.pdf"] and "not UTF-8" in failed["latin1.txt"]
    assert [s.path for s in fake_assistant.sources()] == [str((folder / "notes.md").resolve())]


def test_audio_is_chunked_with_times_and_sidecar_speakers(fake_assistant, tmp_path: Path) -> None:
    call = tmp_path / "call.flac"
    shutil.copy(SAMPLES / "q1_call.flac", call)
    (tmp_path / "call.speakers.json").write_text(json.dumps([{"start": 0, "end": 22.9, "speaker": "CEO"}, {"start": 22.9, "end": 44.1, "speaker": "CFO"}]))
    report = fake_assistant.ingest([call])
    source = report.added[0]
    assert source.kind == "audio" and source.duration == pytest.approx(44.05, abs=0.1)
    chunks = sorted(fake_assistant.store.chunks_of(source.id), key=lambda c: c.locator.start)
    assert chunks[0].locator.start == 0.0 and chunks[-1].locator.end == pytest.approx(44.05, abs=0.1)
    assert {c.locator.speaker for c in chunks} <= {"CEO", "CFO", "CEO, CFO"} and all(c.locator.end - c.locator.start <= 45 for c in chunks)


def test_bad_speaker_sidecar_is_reported_and_the_recording_kept(fake_assistant, tmp_path: Path) -> None:
    call = tmp_path / "call.flac"
    shutil.copy(SAMPLES / "q1_call.flac", call)
    (tmp_path / "call.speakers.json").write_text("[{\"start\": 0}]")
    report = fake_assistant.ingest([call])
    [recording] = report.added
    assert recording.speakers is None and not report.failed
    [warning] = report.warnings
    assert warning.startswith("call.speakers.json: not a speaker list") and warning.endswith("call.flac is kept without speakers")


def test_label_speakers_by_largest_overlap() -> None:
    segs = (Segment(0, 10, "a"), Segment(10, 20, "b"), Segment(50, 60, "c"))
    turns = [{"start": 0, "end": 12, "speaker": "X"}, {"start": 12, "end": 30, "speaker": "Y"}]
    assert [s.speaker for s in label_speakers(segs, turns)] == ["X", "Y", None]


def test_ask_cites_pages_of_an_ingested_pdf(fake_assistant) -> None:
    fake_assistant.ingest([SAMPLES / "northwind_q1_2026_report.pdf"])
    answer = fake_assistant.ask(Turn(text="What was the operating margin?"))
    assert "19.0%" in answer.answer
    assert [c.locator.page for c in answer.citations] == [2]
    assert set(answer.timings) == {"retrieve", "answer", "verify"} and answer.warnings == ()


def test_ask_rejects_empty_question_and_missing_attachment(fake_assistant, tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="the question is empty"):
        fake_assistant.ask(Turn(text="   "))
    with pytest.raises(BadInputError, match="file not found"):
        fake_assistant.ask(Turn(text="What is this?", images=(str(tmp_path / "gone.png"),)))


def test_voice_question_is_transcribed_into_question(fake_assistant) -> None:
    answer = fake_assistant.ask(Turn(audio=str(DATA / "speech_short.wav")))
    assert answer.question.startswith("this is a fake transcript")
    assert "transcribe" in answer.timings


def test_audio_gets_vocabulary_from_settings_speakers_and_documents(settings, tmp_path: Path) -> None:
    from assistant.embeddings import HashEmbedding
    from assistant.orchestrator import Assistant
    from tools.transcribe import FakeTranscriber

    class Recording(FakeTranscriber):
        seen: list[tuple[list[str], list[str]]] = []

        def run(self, audio, vocabulary=(), progress=None, names=()):
            self.seen.append((list(vocabulary), list(names)))
            return super().run(audio, vocabulary, progress, names)

    bot = Assistant(settings.model_copy(update={"vocabulary": "NWI, Okafor"}), embedder=HashEmbedding(), transcriber=Recording(settings))
    bot.ingest([SAMPLES / "northwind_q1_2026_report.pdf"])
    call = tmp_path / "call.flac"
    shutil.copy(SAMPLES / "q1_call.flac", call)
    (tmp_path / "call.speakers.json").write_text(json.dumps([{"start": 0, "end": 44.1, "speaker": "Dana Reyes, CEO"}]))
    bot.ingest([call])
    terms, names = Recording.seen[-1]
    assert terms == ["Dana Reyes", "NWI", "Okafor"]  # given to every decoding
    assert "Northwind Instruments" in names and "Dana Reyes" not in names  # only where a first pass nearly hears them
