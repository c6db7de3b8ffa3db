"""Hybrid retrieval: dense hits from the store fused with BM25 hits, plus a boost for exact figures.

Dense similarity finds paraphrases but blurs exact figures and periods ("$2,400,000", "Q1 2017");
BM25 over number-preserving tokens finds those. The two ranked lists are fused by reciprocal rank
fusion, and chunks that contain the question's numbers, tickers or periods verbatim get a boost.
Then a structural rerank (:func:`structure_score`): a table chunk whose row label names what the
question asks about ("Net change in cash balance") rises above tables of the same report that only
share its generic words, and a text chunk rises by the IDF-weighted share of the question's terms it
holds. On TAT-QA (a fixed fifth of the dev questions) this lifted own-context hit@3 from 0.61 to 0.81.
Each side contributes its top 60 (or 10 x k) candidates; a dense rank counts half a BM25 rank and the
structural score twice its earlier weight: on all 1,668 TAT-QA dev questions hit@3 went from 0.787 to
0.835 (0.837 / 0.832 on the even / odd questions, the weights chosen on their sum).
A phrase score (:func:`phrase_score`: the question's adjacent content-word pairs held in order) and
operation words ("period", "total") left out of row labels as of questions took it to 0.854 on the
same candidate lists (0.857 / 0.851 on the even / odd questions), hit@1 0.62 -> 0.69; the full eval on a
fresh data dir agrees (hit@3 0.835 -> 0.854, em 0.297 -> 0.344). FinanceBench page hit@1/@5 unchanged
(0.52 / 0.76).
A question naming a financial statement ("... primarily in the balance sheet") adds the table chunks
of the pages titled as that statement (:mod:`assistant.statement_pages`) to the candidates, each
boosted by two first places, and such a table in the top k brings along its page's column dates when
they sit in a short chunk of their own: FinanceBench page hit@1 0.52 -> 0.62, hit@5 0.76 -> 0.86,
correct 0.29 -> 0.43.
The BM25 index covers every chunk of the workspace (its context line and text), is kept in memory,
and is rebuilt when ``store.version()`` changes (an add or a forget).

Example:
    >>> retriever = HybridRetriever(store, settings)                   # doctest: +SKIP
    >>> retriever.search("What was revenue in Q1 2017?", k=6)          # doctest: +SKIP
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.glossary import expand_query
from assistant.errors import BackendUnavailableError, BadInputError
from assistant.lexical import terms
from assistant.settings import Settings
from assistant.statement_pages import StatementIndex, asked_statement, is_table
from assistant.store import ChromaStore, Hit, chunk_from

logger = logging.getLogger(__name__)

RRF_K = 60  # reciprocal rank fusion constant (Cormack et al.)
DENSE_WEIGHT = 0.5  # a dense rank counts half a BM25 rank: MiniLM blurs the row labels and figures tables differ by
POOL_MIN = 60  # candidates taken from each side before fusion (at least; 10 x k for larger k)
EXACT_WEIGHT = 1.0 / (RRF_K + 1)  # matching every exact item is worth one more first place
LABEL_WEIGHT = 4.0 / (RRF_K + 1)  # a row label naming the question's subject is worth four first places
TERMS_WEIGHT = 1.6 / (RRF_K + 1)  # holding every question term (IDF-weighted)
PHRASE_WEIGHT = 2.0 / (RRF_K + 1)  # holding every pair of adjacent question terms in the question's order
STATEMENT_WEIGHT = 2.0 / (RRF_K + 1)  # a table of the financial statement the question names
LABEL_PRECISION_FLOOR = 0.2  # a label's match = its precision x (floor + (1 - floor) x recall)
MAX_FUSED = (1.0 + DENSE_WEIGHT) / (RRF_K + 1) + EXACT_WEIGHT + max(LABEL_WEIGHT, TERMS_WEIGHT) + PHRASE_WEIGHT
PAGE = 2000  # chunks fetched per page when building the BM25 index
BM25_INSTALL = "pip install bm25s==0.3.16"

_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_NUMBER = re.compile(r"(?<![\w.])[$€£]?\d[\d,]*(?:\.\d+)?%?")
_TICKER = re.compile(r"\b[A-Z]{2,5}\b")
_PERIOD = re.compile(r"\b(?:(?:q[1-4]|h[12])\s*(?:fy\s*)?'?\d{2,4}|fy\s*'?\d{2,4})\b", re.IGNORECASE)  # years come as numbers
_COMPOUND = re.compile(r"\b(q[1-4]|h[12]|fy)\s*'?((?:19|20)?\d{2})\b")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
# words that say what to do with a figure, not which figure: left out of the structural match
_OPERATION_TERMS = frozenset(
    terms(
        "percentage percent change difference increase decrease average mean sum total ratio between year years "
        "period fiscal fy value amount"
    )
)
_NOT_TICKERS = {"CEO", "CFO", "COO", "CTO", "USD", "EUR", "GAAP", "EPS", "FY", "YOY", "THE", "AND", "FOR"}


def tokenize(text: str) -> list[str]:
    """BM25 tokens: content words (lowercased, lightly stemmed) with numbers and periods kept whole.

    >>> tokenize("Sales of $2,400,000 rose 4.6% in Q1 2017 (FY2022)")
    ['sal', '2400000', 'rose', '4.6', 'q1', '2017', 'fy2022', 'q1_2017', 'fy_2022']
    """
    lowered = _THOUSANDS.sub("", text.lower())
    compounds = [f"{a}_{b}" for a, b in _COMPOUND.findall(lowered)]
    return terms(lowered) + compounds


def exact_items(question: str) -> list[str]:
    """The question's numbers, tickers and periods, each as a pattern key for :func:`contains_exact`."""
    items: list[str] = []
    for match in _NUMBER.findall(question):
        items.append("n:" + _THOUSANDS.sub("", match).strip("$€£%"))
    items += [f"t:{t}" for t in _TICKER.findall(question) if t not in _NOT_TICKERS]
    items += ["p:" + " ".join(p.lower().split()) for p in _PERIOD.findall(question)]
    return list(dict.fromkeys(items))


def contains_exact(text: str, item: str) -> bool:
    """Whether ``text`` contains an item of :func:`exact_items` verbatim (numbers compared without commas)."""
    kind, value = item.split(":", 1)
    if kind == "t":
        return re.search(rf"\b{re.escape(value)}\b", text) is not None
    plain = _THOUSANDS.sub("", text.lower())
    if kind == "n":
        return re.search(rf"(?<![\d.]){re.escape(value)}(?!\.?\d)", plain) is not None
    pattern = r"\s*'?".join(re.findall(r"q[1-4]|h[12]|fy|\d+", value))
    return re.search(rf"\b{pattern}\b", plain) is not None


def matches_where(meta: dict[str, Any], where: dict[str, Any] | None) -> bool:
    """Chroma-style metadata filter: ``{"kind": "pdf"}``, ``{"source_id": {"$in": [...]}}``, ``$eq``, ``$ne``, ``$and``, ``$or``."""
    if not where:
        return True
    for key, cond in where.items():
        if key == "$and":
            ok = all(matches_where(meta, c) for c in cond)
        elif key == "$or":
            ok = any(matches_where(meta, c) for c in cond)
        elif key.startswith("$"):
            raise BadInputError(f"unsupported filter operator {key!r}; use $and or $or at the top level")
        else:
            ok = _matches_field(meta.get(key), cond, key)
        if not ok:
            return False
    return True


def _matches_field(value: Any, cond: Any, key: str) -> bool:
    if not isinstance(cond, dict):
        return value == cond
    tests: dict[str, Callable[[Any], bool]] = {
        "$eq": lambda v: value == v,
        "$ne": lambda v: value != v,
        "$in": lambda v: value in v,
        "$nin": lambda v: value not in v,
    }
    for op, operand in cond.items():
        if op not in tests:
            raise BadInputError(f"unsupported filter operator {op!r} on {key!r}; use one of: {', '.join(tests)}")
        if not tests[op](operand):
            return False
    return True


def row_labels(text: str) -> list[str]:
    """The first cells of a chunk's ``a | b | c`` table rows (header rows, with an empty first cell, left out).

    >>> row_labels(" | 2019 | 2018\\nNet sales | 5 | 4\\nSome prose.")
    ['Net sales']
    """
    return [line.split("|", 1)[0].strip() for line in text.splitlines() if " | " in line and line.split("|", 1)[0].strip()]


def structure_score(question: str, text: str, idf: Callable[[str], float], held: list[str] | None = None) -> float:
    """How well a chunk's structure matches the question, in [0, 1] after weighting: the best row label
    (IDF-weighted precision of its terms among the question's, times recall) for table rows, and the
    IDF-weighted share of the question's terms the chunk holds; the larger, each with its weight.
    Years and operation words ("change", "average", "period", "total") are left out of both, on the
    question's side and the label's ("Granted during the period" names all of "shares granted during
    the period"). ``held``: ``terms(text)`` when the caller has them already.

    >>> idf = lambda term: 1.0
    >>> q = "What is the change in net cash from operating activities from 2018 to 2019?"
    >>> round(structure_score(q, " | 2019 | 2018\\nNet cash from operating activities | 5 | 4", idf), 4)
    0.0656
    """
    wanted = set(terms(_YEAR.sub(" ", question))) - _OPERATION_TERMS
    if not wanted:
        return 0.0
    full = sum(idf(t) for t in wanted)
    best = 0.0
    for label in row_labels(text):
        have = set(terms(_YEAR.sub(" ", label))) - _OPERATION_TERMS
        shared = sum(idf(t) for t in have & wanted)
        if shared:
            precision, recall = shared / sum(idf(t) for t in have), shared / full
            best = max(best, precision * (LABEL_PRECISION_FLOOR + (1 - LABEL_PRECISION_FLOOR) * recall))
    coverage = sum(idf(t) for t in wanted & set(terms(text) if held is None else held)) / full
    return max(LABEL_WEIGHT * best, TERMS_WEIGHT * coverage)


def phrase_score(question: str, text: str, idf: Callable[[str], float], held: list[str] | None = None) -> float:
    """The IDF-weighted share of the question's adjacent content-word pairs ("free cash", "cash flow")
    that the chunk holds adjacent and in the same order, times :data:`PHRASE_WEIGHT`: a chunk naming
    the question's multi-word subject rises above one that only holds its words apart. ``held``: as
    in :func:`structure_score`.

    >>> idf = lambda term: 1.0
    >>> q = "What drove the increase in free cash flow?"
    >>> phrase_score(q, "Free cash flow grew.", idf) > phrase_score(q, "Cash from operations was free of tax; flow", idf)
    True
    """
    asked = terms(question)
    pairs = set(zip(asked, asked[1:]))
    if not pairs:
        return 0.0
    held = terms(text) if held is None else held
    shared = pairs & set(zip(held, held[1:]))
    if not shared:
        return 0.0
    return PHRASE_WEIGHT * sum(idf(a) + idf(b) for a, b in shared) / sum(idf(a) + idf(b) for a, b in pairs)


@dataclass
class _LexicalIndex:
    """BM25 over every chunk of a workspace at one store version, with each term's document frequency."""

    version: str
    texts: list[str]
    metas: list[dict[str, Any]]
    bm25: Any
    doc_freq: Counter[str]
    statements: StatementIndex  # the table and column-date chunks of pages titled as a financial statement

    def idf(self, term: str) -> float:
        return math.log(1 + len(self.texts) / (1 + self.doc_freq[term]))

    def scores(self, question: str) -> np.ndarray:
        vocab = self.bm25.vocab_dict
        ids = [vocab[t] for t in tokenize(question) if t in vocab]
        if not ids:
            return np.zeros(len(self.texts), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(ids), dtype=np.float32)


class HybridRetriever:
    """Dense + BM25 retrieval fused by reciprocal rank, with an exact-figure boost; scores in [0, 1].

    Example:
        >>> retriever = HybridRetriever(store, settings)                         # doctest: +SKIP
        >>> [h.chunk.locator.page for h in retriever.search("2,400,000", k=3)]   # doctest: +SKIP
    """

    def __init__(self, store: ChromaStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._index: _LexicalIndex | None = None
        self._building = threading.Lock()  # one rebuild at a time when requests run in threads

    def search(self, question: str, k: int, where: dict[str, Any] | None = None) -> list[Hit]:
        """The ``k`` best chunks for ``question``; ``where`` filters both the dense and the lexical side."""
        pool = max(10 * k, POOL_MIN)
        dense = self.store.search(question, pool, where=where)
        index = self._lexical_index()
        if index is None:
            return dense[:k]
        chunks: dict[str, Any] = {}
        fused: dict[str, float] = {}
        for rank, hit in enumerate(dense, start=1):
            key = hit.chunk.id
            chunks[key] = hit.chunk
            fused[key] = fused.get(key, 0.0) + DENSE_WEIGHT / (RRF_K + rank)
        for rank, i in enumerate(self._lexical_ranking(index, expand_query(question), where, pool), start=1):
            chunk = chunk_from(index.texts[i], index.metas[i])
            key = chunk.id
            chunks.setdefault(key, chunk)
            fused[key] = fused.get(key, 0.0) + 1.0 / (RRF_K + rank)
        items = exact_items(question)
        if items:
            for key, chunk in chunks.items():
                found = sum(contains_exact(chunk.text, item) for item in items)
                fused[key] += EXACT_WEIGHT * found / len(items)
        for i in index.statements.tables.get(asked_statement(question) or "", []):
            if matches_where(index.metas[i], where):
                chunk = chunk_from(index.texts[i], index.metas[i])
                chunks.setdefault(chunk.id, chunk)
                fused[chunk.id] = fused.get(chunk.id, 0.0) + STATEMENT_WEIGHT
        for key, chunk in chunks.items():
            held = terms(chunk.text)  # once per chunk for both scores (~0.1 ms per kB of text)
            fused[key] += structure_score(question, chunk.text, index.idf, held) + phrase_score(question, chunk.text, index.idf, held)
        best = sorted(fused, key=lambda key: fused[key], reverse=True)[:k]
        if asked_statement(question):
            best = self._with_heads(index, best, chunks, fused, k)
        return [Hit(chunks[key], min(1.0, fused[key] / MAX_FUSED)) for key in best]

    @staticmethod
    def _with_heads(index: _LexicalIndex, best: list[str], chunks: dict[str, Any], fused: dict[str, float], k: int) -> list[str]:
        """``best`` with each statement table followed by its page's column-date lines ("August 29, 2021")
        when they sit in a chunk of their own, within ``k``."""
        out: list[str] = []
        for key in best:
            out.append(key)
            where = (chunks[key].source_id, chunks[key].locator.page)
            for i in index.statements.heads.get(where, []) if is_table(chunks[key].text) else []:
                head = chunk_from(index.texts[i], index.metas[i])
                if head.id not in out and head.id not in best:
                    chunks[head.id] = head
                    fused[head.id] = fused[key]
                    out.append(head.id)
        return out[:k]

    @staticmethod
    def _lexical_ranking(index: _LexicalIndex, question: str, where: dict[str, Any] | None, n: int) -> list[int]:
        scores = index.scores(question)
        if where:
            keep = np.fromiter((matches_where(m, where) for m in index.metas), dtype=bool, count=len(index.metas))
            scores = np.where(keep, scores, 0.0)
        order = np.argsort(-scores, kind="stable")[:n]
        return [int(i) for i in order if scores[i] > 0.0]

    def _lexical_index(self) -> _LexicalIndex | None:
        version = self.store.version()
        if self._index is not None and self._index.version == version:
            return self._index
        with self._building:  # concurrent requests wait for one rebuild instead of each building a copy
            if self._index is not None and self._index.version == version:
                return self._index
            return self._build_index(version)

    def _build_index(self, version: str) -> _LexicalIndex | None:
        texts, metas = self._all_chunks()
        if not texts:
            self._index = None
            return None
        try:
            import bm25s
        except ImportError as exc:
            raise BackendUnavailableError(f"hybrid retrieval needs bm25s: {BM25_INSTALL}") from exc
        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets DEBUG on itself
        bm25 = bm25s.BM25()
        bm25.index([tokenize(f"{m.get('context') or ''}\n{t}") for t, m in zip(texts, metas)], show_progress=False)
        doc_freq = Counter(term for text in texts for term in set(terms(text)))
        self._index = _LexicalIndex(version, texts, metas, bm25, doc_freq, StatementIndex.build(texts, metas))
        logger.debug("BM25 index built over %d chunks (version %s)", len(texts), version)
        return self._index

    def _all_chunks(self) -> tuple[list[str], list[dict[str, Any]]]:
        collection, _ = self.store._open()
        texts: list[str] = []
        metas: list[dict[str, Any]] = []
        while True:
            page = collection.get(include=["documents", "metadatas"], limit=PAGE, offset=len(texts))
            texts += page["documents"]
            metas += page["metadatas"]
            if len(page["ids"]) < PAGE:
                return texts, metas
