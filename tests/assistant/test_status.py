"""Assistant.backend_status: which backend serves each role, whether its model is loaded, and
whether content leaves the machine."""

from assistant.embeddings import HashEmbedding
from assistant.orchestrator import Assistant
from assistant.settings import Settings
from assistant.status import BackendStatus, model_loaded
from tools.describe_image.ocr import FakeOcrReader


class _Holder:
    def __init__(self, model=None) -> None:
        self._model = model


class _WithMethod:
    def _model(self):  # a method called _model is not a loaded model
        return None


def test_each_role_once_in_order_with_its_backend(tmp_path) -> None:
    bot = Assistant(Settings(data_dir=tmp_path, embedder="fake"), embedder=HashEmbedding(), ocr_reader=FakeOcrReader(Settings()))
    rows = bot.backend_status()
    assert all(isinstance(r, BackendStatus) for r in rows)
    assert [r.role for r in rows] == ["answerer", "speech", "ocr", "embedder", "store"]
    by_role = {r.role: r for r in rows}
    assert by_role["speech"].backend == "faster-whisper" and by_role["speech"].model == "embedded-base"
    assert by_role["speech"].loaded is False and by_role["speech"].state == "not loaded yet"
    assert by_role["answerer"].loaded is None and by_role["answerer"].state == "no model needed"
    assert by_role["store"].backend == "chroma (embedded)" and by_role["store"].model == str(tmp_path / "store")
    assert not any(r.remote for r in rows)


def test_loaded_follows_the_backend_model(tmp_path) -> None:
    assert model_loaded(_Holder()) is False
    assert model_loaded(_Holder(object())) is True
    assert model_loaded(_WithMethod()) is None
    assert model_loaded(object()) is None


def test_a_remote_answerer_and_store_are_flagged(tmp_path) -> None:
    settings = Settings(
        data_dir=tmp_path, embedder="fake", answerer="openai", openai_model="qwen",
        openai_base_url="http://10.1.2.3:8000/v1", store="http://chroma.example.org:8000",
    )
    by_role = {r.role: r for r in Assistant(settings, embedder=HashEmbedding()).backend_status()}
    assert by_role["answerer"].remote and by_role["answerer"].endpoint == "http://10.1.2.3:8000/v1"
    assert by_role["answerer"].model == "qwen" and by_role["answerer"].loaded is False
    assert by_role["store"].remote and by_role["store"].backend == "chroma (server)"
    assert not by_role["speech"].remote


def test_a_loopback_endpoint_is_local(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, embedder="fake", answerer="openai", openai_model="m", openai_base_url="http://127.0.0.1:11434/v1")
    answerer = Assistant(settings, embedder=HashEmbedding()).backend_status()[0]
    assert answerer.role == "answerer" and not answerer.remote


def test_an_unknown_backend_is_reported_not_raised(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, embedder="fake", speech_backend="nope")
    speech = next(r for r in Assistant(settings, embedder=HashEmbedding()).backend_status() if r.role == "speech")
    assert speech.error.startswith("unknown speech backend 'nope'")
    assert speech.state.startswith("unavailable: unknown speech backend")
