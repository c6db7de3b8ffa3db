"""Single questions are embedded on one torch thread; batches are split across one-thread workers;
the pool size comes back afterwards."""

from __future__ import annotations

import threading

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from assistant.embeddings import SMALL_BATCH, SentenceTransformerEmbedding, encode_shared, one_thread  # noqa: E402


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


class Recorder:
    """Stands in for a SentenceTransformer: each vector is [text length, thread count, 0]."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int]] = []
        self.lock = threading.Lock()

    def encode(self, texts, **kwargs):
        with self.lock:
            self.calls.append((threading.current_thread().name, torch.get_num_threads(), len(texts)))
        return np.array([[len(t), torch.get_num_threads(), 0] for t in texts], dtype=np.float32)


def test_a_question_is_encoded_on_one_thread_and_a_batch_split_across_one_thread_workers() -> None:
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        embedder = SentenceTransformerEmbedding("unused")
        embedder._model = Recorder()
        embedder(["What was revenue?"])
        texts = [f"document {'x' * (i * 7 % 23)} {i}" for i in range(32)]
        vectors = embedder(texts)
        calls = embedder._model.calls
        assert [c[1] for c in calls] == [1, 1, 1] and torch.get_num_threads() == 2
        assert calls[0][0] == threading.current_thread().name and calls[0][2] == 1
        assert {c[0].startswith("embed") for c in calls[1:]} == {True} and sorted(c[2] for c in calls[1:]) == [16, 16]
        assert [v[0] for v in vectors] == [len(t) for t in texts]  # back in the caller's order
    finally:
        torch.set_num_threads(before)


def test_a_batch_stays_whole_on_a_one_thread_pool() -> None:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model = Recorder()
        vectors = encode_shared(model, [f"text {i}" for i in range(SMALL_BATCH + 6)])
        assert len(model.calls) == 1 and model.calls[0][2] == SMALL_BATCH + 6 and len(vectors) == SMALL_BATCH + 6
    finally:
        torch.set_num_threads(before)
