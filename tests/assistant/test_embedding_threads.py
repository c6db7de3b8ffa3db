"""Single questions are embedded on one torch thread; the pool size comes back afterwards."""

from __future__ import annotations


import pytest

torch = pytest.importorskip("torch")

from assistant.embeddings import one_thread  # noqa: E402


def test_one_thread_inside_and_restored_after_nested_use() -> None:
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        seen: list[int] = []
        with one_thread():
            seen.append(torch.get_num_threads())
            with one_thread():
                seen.append(torch.get_num_threads())
            with one_thread():
                seen.append(torch.get_num_threads())
            seen.append(torch.get_num_threads())
        assert seen == [1, 1, 1, 1] and torch.get_num_threads() == 2
        with one_thread(active=False):
            assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_a_question_is_encoded_on_one_thread_and_a_batch_on_the_pool() -> None:
    import numpy as np

    from assistant.embeddings import SentenceTransformerEmbedding

    class Recorder:
        def __init__(self) -> None:
            self.threads: list[int] = []

        def encode(self, texts, **kwargs):
            self.threads.append(torch.get_num_threads())
            return np.zeros((len(texts), 3), dtype=np.float32)

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        embedder = SentenceTransformerEmbedding("unused")
        embedder._model = Recorder()
        embedder(["What was revenue?"])
        embedder([f"document {i}" for i in range(32)])
        assert embedder._model.threads == [1, 2] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
