"""Read a workspace's store directly (not through modalyst's own listing) and check its integrity.

Run as ``python -m tests.reliability.storecheck DATA_DIR WORKSPACE [STORE_URL]`` to read a store other
processes wrote (prints the snapshot as JSON), or call :func:`snapshot` in-process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path


def is_vector_index_file(path: Path) -> bool:
    """Chroma's HNSW segment files (``store/<segment uuid>/*.bin``). Chroma writes unused capacity of
    these buffers without clearing it, so they can hold stray bytes of whatever the writing process
    had in memory (seen: a removed DICOM's description in ``length.bin``, in about one run in three).
    Byte scans report them apart; modalyst cannot clear them (a known limit in RELIABILITY.md)."""
    return path.suffix == ".bin" and path.parent.parent.name == "store" and len(path.parent.name) == 36


def data_files(data: Path, vector_index: bool = False) -> list[Path]:
    """Every regular file under ``data`` (no symlinks); the HNSW files only with ``vector_index``."""
    return sorted(p for p in data.rglob("*") if p.is_file() and not p.is_symlink() and is_vector_index_file(p) == vector_index)


@dataclass(frozen=True)
class Snapshot:
    """Source records (id -> recorded chunk count) and every chunk (id, its source id)."""

    sources: dict[str, int]
    chunks: list[tuple[str, str]]

    def problems(self) -> list[str]:
        """Orphaned chunks, duplicated chunk ids, and sources whose chunk count differs from their record."""
        found: list[str] = []
        ids = Counter(cid for cid, _ in self.chunks)
        found += [f"chunk {cid} stored {n} times" for cid, n in ids.items() if n > 1]
        per_source = Counter(sid for _, sid in self.chunks)
        found += [f"orphan: {n} chunks of {sid}, which has no source record" for sid, n in per_source.items() if sid not in self.sources]
        found += [
            f"source {sid} records {want} chunks, store holds {per_source.get(sid, 0)}"
            for sid, want in self.sources.items()
            if per_source.get(sid, 0) != want
        ]
        return found


def snapshot(data_dir: Path, workspace: str, store: str = "") -> Snapshot:
    from assistant.embeddings import HashEmbedding
    from assistant.settings import Settings
    from assistant.store import ChromaStore

    st = ChromaStore(Settings(data_dir=data_dir, workspace=workspace, embedder="fake", store=store), HashEmbedding())
    chunks, sources = st._open()
    got = chunks.get(include=["metadatas"])
    recs = sources.get(include=["metadatas"])
    return Snapshot(
        sources={m["id"]: int(m["chunks"]) for m in recs["metadatas"]},
        chunks=sorted((cid, m["source_id"]) for cid, m in zip(got["ids"], got["metadatas"])),
    )


def snapshot_in_subprocess(data_dir: Path, workspace: str, store: str = "") -> Snapshot:
    """A snapshot taken by a fresh process (this process's Chroma caches may predate other writers)."""
    repo = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-m", "tests.reliability.storecheck", str(data_dir), workspace, store],
        capture_output=True, text=True, cwd=repo, timeout=120, check=True,
    )
    data = json.loads(out.stdout)
    return Snapshot(sources=data["sources"], chunks=[tuple(c) for c in data["chunks"]])


def fresh_snapshot(data_dir: Path, workspace: str, store: str = "") -> Snapshot:
    """A snapshot read from disk now: Chroma's per-process client cache is dropped before and after,
    so what other processes wrote is seen and no handle stays open here."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    try:
        return snapshot(data_dir, workspace, store)
    finally:
        SharedSystemClient.clear_system_cache()


if __name__ == "__main__":
    shot = snapshot(Path(sys.argv[1]), sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "")
    print(json.dumps(asdict(shot)))
