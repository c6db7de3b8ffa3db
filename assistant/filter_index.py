"""An in-memory copy of a workspace's chunk vectors and metadata, for fast filtered search.

Chroma's filtered search slows sharply as a filter gets selective (one company's filings in a
1M-chunk workspace: 0.3-0.7 s a query). This index keeps each finished source's chunk ids, unit
vectors and metadata (dictionary-encoded per key) in memory. It is loaded from the store one
batch of sources at a time and kept in step with the store's source records (sources added or
forgotten by any process, embedded or server), so a filter becomes a row mask in milliseconds
and the matching vectors are scored exactly.

Filters follow Chroma's ``where`` semantics, checked against Chroma in the tests: ``$eq``, ``$ne``,
``$gt``, ``$gte``, ``$lt``, ``$lte``, ``$in``, ``$nin`` on one key, combined with ``$and`` / ``$or``;
numbers compare as numbers (1 == 1.0), booleans only with booleans, and ``$ne`` / ``$nin`` also
match chunks without the key. Anything else (a key the index leaves out, ranges on strings) is
left to Chroma: :meth:`FilterIndex.select` returns None.

Example:
    >>> index = FilterIndex()
    >>> index.add_block("s1", ["a", "b"], np.eye(2, 3), [{"kind": "pdf"}, {"kind": "audio"}])
    >>> index.select({"kind": "pdf"}).tolist()
    [True, False]
"""

from __future__ import annotations

import logging
import operator
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

# Metadata keys holding JSON blobs nobody filters on: not encoded (a filter on them goes to Chroma).
UNINDEXED_KEYS = frozenset({"spans", "bbox"})
FEW_CODES = 4  # a test matching at most this many distinct values compares codes instead of a table look-up
_RANGE: dict[str, Callable[[Any, Any], bool]] = {"$gt": operator.gt, "$gte": operator.ge, "$lt": operator.lt, "$lte": operator.le}


def _encode(value: Any) -> tuple[str, Any] | None:
    """A metadata value as (type, value): booleans apart from numbers, ints and floats as one kind."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, (int, float)):
        return ("n", float(value))
    if isinstance(value, str):
        return ("s", value)
    return None


@dataclass(frozen=True)
class _Block:
    """One source's chunks: ids, unit vectors (rows), and per key the value codes (-1: no value)."""

    ids: tuple[str, ...]
    vectors: np.ndarray
    codes: dict[str, np.ndarray]


class FilterIndex:
    """Vectors and encoded metadata of a workspace's sources; ``select`` turns a filter into a row mask."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._blocks: dict[str, _Block] = {}
        self._values: dict[str, list[tuple[str, Any]]] = {}  # key -> code -> encoded value
        self._lookup: dict[str, dict[tuple[str, Any], int]] = {}
        self._compiled: tuple[list[str], np.ndarray, dict[str, np.ndarray], dict[str, int]] | None = None

    # -- contents ------------------------------------------------------------------------------
    @property
    def source_ids(self) -> set[str]:
        return set(self._blocks)

    def __len__(self) -> int:
        return sum(len(b.ids) for b in self._blocks.values())

    def add_block(self, source_id: str, ids: Sequence[str], vectors: Any, metadatas: Sequence[dict[str, Any]]) -> None:
        """Hold (or replace) one source's chunks; vectors are normalised to unit length here."""
        rows = np.asarray(vectors, dtype=np.float32)
        rows = rows.reshape(len(ids), -1) if len(ids) else np.zeros((0, rows.shape[-1] if rows.ndim == 2 else 0), dtype=np.float32)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        rows = rows / np.maximum(norms, 1e-12)
        codes: dict[str, np.ndarray] = {}
        for n, meta in enumerate(metadatas):
            for key, value in (meta or {}).items():
                encoded = _encode(value)
                if key in UNINDEXED_KEYS or encoded is None:
                    continue
                lookup = self._lookup.setdefault(key, {})
                code = lookup.get(encoded)
                if code is None:
                    code = lookup[encoded] = len(lookup)
                    self._values.setdefault(key, []).append(encoded)
                if key not in codes:
                    codes[key] = np.full(len(ids), -1, dtype=np.int32)
                codes[key][n] = code
        self._blocks[source_id] = _Block(tuple(ids), rows, codes)
        self._compiled = None

    def drop(self, source_id: str) -> None:
        if self._blocks.pop(source_id, None) is not None:
            self._compiled = None

    def _compile(self) -> tuple[list[str], np.ndarray, dict[str, np.ndarray], dict[str, int]]:
        """Block order, block start rows, each key's codes over all rows, and each chunk id's row."""
        if self._compiled is None:
            order = list(self._blocks)
            sizes = [len(self._blocks[s].ids) for s in order]
            starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
            columns = {}
            for key in self._values:
                parts = [self._blocks[s].codes.get(key) for s in order]
                columns[key] = np.concatenate(
                    [p if p is not None else np.full(n, -1, dtype=np.int32) for p, n in zip(parts, sizes)]
                ) if order else np.zeros(0, dtype=np.int32)
            row_of = {chunk_id: row for row, chunk_id in enumerate(i for s in order for i in self._blocks[s].ids)}
            self._compiled = (order, starts, columns, row_of)
        return self._compiled

    # -- filters -------------------------------------------------------------------------------
    def select(self, where: dict[str, Any]) -> np.ndarray | None:
        """The rows ``where`` matches as a boolean mask, or None when the filter is left to Chroma."""
        _, starts, columns, _ = self._compile()
        try:
            return self._mask(where, columns, int(starts[-1]))
        except _Unsupported as exc:
            logger.debug("filter left to Chroma: %s", exc)
            return None

    def _mask(self, where: Any, columns: dict[str, np.ndarray], rows: int) -> np.ndarray:
        if not isinstance(where, dict) or len(where) != 1:
            raise _Unsupported(f"{where!r} is not one key or one $and/$or")
        key, cond = next(iter(where.items()))
        if key in ("$and", "$or"):
            if not isinstance(cond, list) or not cond:
                raise _Unsupported(f"{key} needs a non-empty list")
            mask = self._mask(cond[0], columns, rows)
            for part in cond[1:]:
                mask = mask & self._mask(part, columns, rows) if key == "$and" else mask | self._mask(part, columns, rows)
            return mask
        if key.startswith("$") or key in UNINDEXED_KEYS:
            raise _Unsupported(f"key {key!r}")
        op, operand = next(iter(cond.items())) if isinstance(cond, dict) and len(cond) == 1 else ("$eq", cond)
        if isinstance(cond, dict) and len(cond) != 1:
            raise _Unsupported(f"condition {cond!r}")
        test = _value_test(op, operand)
        values = self._values.get(key, [])
        allowed = np.fromiter((test(v) for v in values), dtype=bool, count=len(values))
        codes = columns.get(key)
        negated = op in ("$ne", "$nin")  # chunks without the key (code -1) match these
        if codes is None:
            return np.full(rows, negated, dtype=bool)
        picked = np.flatnonzero(allowed != negated) if negated else np.flatnonzero(allowed)
        if len(picked) <= FEW_CODES:  # comparing codes beats a table look-up per row
            mask = np.zeros(rows, dtype=bool)
            for code in picked:
                mask |= codes == code
            return ~mask if negated else mask
        lut = np.append(allowed, negated)  # code -1 (no value) looks up the last entry
        return lut[codes]

    # -- search --------------------------------------------------------------------------------
    def nearest(self, query: Any, k: int, mask: np.ndarray) -> list[tuple[str, float]]:
        """The ``k`` masked chunks most similar to ``query`` (cosine), exactly: (chunk id, similarity)."""
        order, starts, _, _ = self._compile()
        target = np.asarray(query, dtype=np.float32).ravel()
        target = target / max(float(np.linalg.norm(target)), 1e-12)
        if not len(order) or not len(mask):
            return []
        per_block = np.add.reduceat(mask, np.minimum(starts[:-1], len(mask) - 1), dtype=np.int64)
        per_block[starts[1:] == starts[:-1]] = 0  # reduceat gives an empty block its next row
        ids: list[str] = []
        sims: list[np.ndarray] = []
        for b in np.flatnonzero(per_block):
            block = self._blocks[order[b]]
            if per_block[b] == len(block.ids):
                sims.append(block.vectors @ target)
                ids.extend(block.ids)
            else:
                rows = np.flatnonzero(mask[starts[b] : starts[b + 1]])
                sims.append(block.vectors[rows] @ target)
                ids.extend(block.ids[r] for r in rows)
        if not ids:
            return []
        scores = np.concatenate(sims)
        top = np.argpartition(-scores, k - 1)[:k] if len(scores) > k else np.arange(len(scores))
        top = top[np.lexsort((top, -scores[top]))]
        return [(ids[i], float(scores[i])) for i in top]

    def rows_of(self, chunk_ids: Sequence[str]) -> list[int | None]:
        """Each chunk id's row (None for chunks the index does not hold)."""
        row_of = self._compile()[3]
        return [row_of.get(i) for i in chunk_ids]


class _Unsupported(Exception):
    """A filter this index does not evaluate (Chroma does)."""


def _value_test(op: str, operand: Any) -> Callable[[tuple[str, Any]], bool]:
    """A test of one encoded metadata value for ``op`` (``$ne`` / ``$nin`` as the negated test;
    chunks without the key are handled by the caller)."""
    if op in ("$eq", "$ne"):
        want = _encode(operand)
        if want is None:
            raise _Unsupported(f"value {operand!r}")
        return (lambda v: v == want) if op == "$eq" else (lambda v: v != want)
    if op in ("$in", "$nin"):
        if not isinstance(operand, list):
            raise _Unsupported(f"{op} needs a list")
        wants = {_encode(o) for o in operand}
        if None in wants:
            raise _Unsupported(f"values {operand!r}")
        return (lambda v: v in wants) if op == "$in" else (lambda v: v not in wants)
    if op in _RANGE:
        want = _encode(operand)
        if want is None or want[0] != "n":
            raise _Unsupported(f"{op} on {operand!r}")
        compare = _RANGE[op]
        return lambda v: v[0] == "n" and compare(v[1], want[1])
    raise _Unsupported(f"operator {op!r}")
