"""Erasing a forgotten source from disk, not only from the store's listing.

Chroma's embedded store (1.5) keeps every write in the ``embeddings_queue`` table of
``chroma.sqlite3`` (its write-ahead log, documents and metadata included) until *every* segment of
the collection has persisted past it; the HNSW vector segment persists only after
``sync_threshold`` (1000) changes, so a small workspace may keep a deleted chunk's text in the log
for ever. Deleted rows of the metadata segment and of the trigram full-text index
(``embedding_fulltext_search``) also stay readable in sqlite's free pages. So after the chunks and
the record are deleted, :func:`purge_store` does, per collection of the workspace:

1. flush: ``collection.modify(configuration={"hnsw": {"sync_threshold": 1}})``, one no-op
   ``delete`` (through a second, short-lived Chroma ``System`` on the folder: a running client's HNSW
   writer keeps the threshold it was loaded with) so the vector segment persists at the newest log
   position, then the threshold is put back. With ``automatically_purge`` on (Chroma's default since 0.5.6, stored in
   ``embeddings_queue_config``) Chroma then drops the log up to the lowest position every segment has
   persisted: the same purge that ``chroma vacuum`` runs (``purge_logs`` to the segments' min seq id).
2. compact (embedded store only): ``PRAGMA secure_delete = ON``, the FTS5 ``'optimize'`` command
   (merges the full-text index's segments, dropping the deleted rows' trigrams) and ``VACUUM``
   (rewrites the file without free pages), as ``chroma vacuum`` ends with ``VACUUM``.

The HNSW files (``<segment uuid>/*.bin``) hold vectors and integer labels only, never text; a
deleted chunk's vector stays in ``data_level0.bin`` as a deleted slot until Chroma reuses it. With a
Chroma server (``store = "http://..."``) step 1 runs over HTTP; step 2 is the server operator's
``chroma vacuum --path DIR`` (the server's files are out of reach).

An interrupted removal is finished on the next open: the workspace's ``forgetting-<workspace>.json``
journal in the store folder lists what was being removed (written before anything is deleted, removed
after the last step), so after a SIGKILL a source is either still fully present (no journal yet) or
is fully erased by the next process that opens the workspace (or by rerunning ``forget``).

Example:
    >>> journal = ForgetJournal(Path("data/store"), "default")   # doctest: +SKIP
    >>> journal.pending()                                       # doctest: +SKIP
    []
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from assistant.extract import file_hash

logger = logging.getLogger(__name__)

SQLITE_FILE = "chroma.sqlite3"
FTS_TABLE = "embedding_fulltext_search"
DEFAULT_SYNC_THRESHOLD = 1000  # chromadb's default, restored when an interrupted flush left 1
LIBRARY_FOLDER = "library"
FLUSH_ID = "modalyst-log-flush"  # an id no chunk has: deleting it is a logged no-op
_SIDE: dict[str, Any] = {}
_SIDE_LOCK = threading.Lock()
SCANNED_FOLDERS = ("uploads", "ui-sessions")  # transient copies of files, matched by content hash


class ForgetJournal:
    """The sources of one workspace whose removal has begun and not finished (a small JSON file)."""

    def __init__(self, store_dir: Path, workspace: str) -> None:
        self.path = store_dir / f"forgetting-{workspace}.json"

    def pending(self) -> list[dict[str, Any]]:
        try:
            return list(json.loads(self.path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return []
        except (ValueError, OSError) as exc:  # a torn write cannot happen (atomic replace); say so anyway
            logger.warning("ignoring an unreadable removal journal %s: %s", self.path, exc)
            return []

    def begin(self, source: dict[str, Any]) -> None:
        """Record ``source`` (a source record's fields: ``id``, ``path``, ...) as being removed."""
        entries = [e for e in self.pending() if e.get("id") != source["id"]] + [source]
        self._write(entries)

    def done(self, source_id: str) -> None:
        entries = [e for e in self.pending() if e.get("id") != source_id]
        if entries:
            self._write(entries)
        else:
            self.path.unlink(missing_ok=True)

    def _write(self, entries: list[dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        part = self.path.with_name(self.path.name + ".part")
        with part.open("w", encoding="utf-8") as handle:
            json.dump(entries, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(part, self.path)


def flush_log(collections: list[Any], store_dir: Path | None) -> None:
    """Make Chroma persist each collection's vector segment now, so that its automatic log purge
    drops every logged write (the text and metadata of deleted chunks included).

    A running client's HNSW writer keeps the ``sync_threshold`` it was loaded with, so for the
    embedded store the no-op write goes through a second, short-lived Chroma ``System`` on the same
    folder, whose writer loads the lowered threshold from the collection's configuration."""
    kept: list[tuple[Any, int]] = []
    try:
        for collection in collections:
            hnsw = dict((getattr(collection, "configuration", None) or {}).get("hnsw") or {})
            keep = int(hnsw.get("sync_threshold") or DEFAULT_SYNC_THRESHOLD)
            kept.append((collection, keep if keep > 1 else DEFAULT_SYNC_THRESHOLD))  # 1: left by an interrupted flush
            collection.modify(configuration={"hnsw": {"sync_threshold": 1}})
        if store_dir is None:  # a Chroma server: its own writers (best effort; `chroma vacuum` there)
            for collection in collections:
                collection.delete(ids=[FLUSH_ID])
        else:
            _flush_in_side_system(store_dir, [c.name for c in collections])
    finally:
        for collection, keep in kept:
            collection.modify(configuration={"hnsw": {"sync_threshold": keep}})


def _flush_in_side_system(store_dir: Path, names: list[str]) -> None:
    side = _side_client(store_dir)
    for name in names:
        side.get_collection(name).delete(ids=[FLUSH_ID])  # a logged write that changes nothing


def _side_client(store_dir: Path) -> Any:
    """One second Chroma ``System`` per store folder for the process, kept open: stopping it tears down
    state Chroma's Rust core shares per folder, after which new clients of the folder fail."""
    from chromadb.api.client import Client
    from chromadb.config import Settings as ChromaSettings, System

    key = str(store_dir.resolve())
    with _SIDE_LOCK:
        if key not in _SIDE:
            system = System(ChromaSettings(is_persistent=True, persist_directory=key, anonymized_telemetry=False))
            system.start()
            _SIDE[key] = Client.from_system(system)
        return _SIDE[key]


def compact_sqlite(store_dir: Path, timeout: float = 60.0) -> float:
    """Overwrite deleted rows in ``chroma.sqlite3``: secure_delete, FTS5 optimize, VACUUM. Returns seconds."""
    started = time.perf_counter()
    db = sqlite3.connect(str(store_dir / SQLITE_FILE), timeout=timeout, isolation_level=None)
    try:
        db.execute("PRAGMA secure_delete = ON")
        if db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (FTS_TABLE,)).fetchone():
            db.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")
        db.execute("VACUUM")
    finally:
        db.close()
    return time.perf_counter() - started


def purge_store(collections: list[Any], store_dir: Path | None) -> None:
    """Flush each collection's log (any store), then compact the embedded store's sqlite file."""
    flush_log(collections, store_dir)
    if store_dir is not None and (store_dir / SQLITE_FILE).is_file():
        seconds = compact_sqlite(store_dir)
        logger.info("store compacted after a removal in %.2f s", seconds)


def remove_copies(data_dir: Path, library: Path, source_id: str, path: str) -> list[Path]:
    """Delete every stored copy of a source: ``library/<workspace>/<id>-*`` (any upload name, and a
    DICOM's de-identified copy), its own path when inside the data folder, and files with the same
    content in the data folder's upload and session folders. Returns what was deleted."""
    doomed = set(library.glob(f"{source_id}-*")) if library.is_dir() else set()
    own = Path(path)
    if own.is_file() and own.resolve().is_relative_to(data_dir.resolve()):
        doomed.add(own)
    for folder in SCANNED_FOLDERS:
        root = data_dir / folder
        if root.is_dir():
            doomed.update(p for p in root.rglob("*") if p.is_file() and not p.is_symlink() and file_hash(p) == source_id)
    for item in doomed:
        item.unlink(missing_ok=True)
    return sorted(doomed)
