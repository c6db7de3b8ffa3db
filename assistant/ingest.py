"""Batch ingest: expand folders, skip what is already in, extract, store. One bad file never stops a batch.

Example:
    >>> report = ingest_paths([Path("samples")], store, ctx)   # doctest: +SKIP
    >>> [s.path for s in report.added]                        # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import ModalystError, StoreError
from assistant.extract import EXTRACTORS, ExtractContext, checked_kind, file_hash
from assistant.store import ChromaStore
from assistant.types import Source

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


@dataclass
class IngestReport:
    """What a batch did: sources added, sources already present, files that failed and why."""

    added: list[Source] = field(default_factory=list)
    skipped: list[Source] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "added": [s.to_dict() for s in self.added],
            "skipped": [s.to_dict() for s in self.skipped],
            "failed": [{"path": p, "error": e} for p, e in self.failed],
            "warnings": self.warnings,
        }


def expand(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files named, and the files under folders named (hidden files and sidecars left out)."""
    files: list[Path] = []
    missing: list[tuple[str, str]] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and not p.name.startswith(".") and not p.name.endswith(".speakers.json")
            )
        elif path.exists():
            files.append(path)
        else:
            missing.append((str(path), f"{path}: no such file or folder"))
    return files, missing


def ingest_file(path: Path, store: ChromaStore, ctx: ExtractContext) -> tuple[Source, bool, list[str]]:
    """Ingest one file; returns its source, whether it was new, and warnings. Raises on bad input."""
    kind = checked_kind(path, ctx.settings)
    source_id = file_hash(path)
    existing = store.get_source(source_id)
    if existing is not None:
        return existing, False, []
    extracted = EXTRACTORS[kind](path.resolve(), source_id, ctx)
    source = Source(
        id=source_id,
        path=str(path.resolve()),
        kind=kind,
        chunks=len({c.id for c in extracted.chunks}),
        pages=extracted.pages,
        duration=extracted.duration,
    )
    store.add_source(source, extracted.chunks)
    return source, True, extracted.warnings


def ingest_paths(
    paths: Iterable[Path], store: ChromaStore, ctx: ExtractContext, progress: Progress | None = None
) -> IngestReport:
    """Ingest files and folders into the store's workspace; bad files are reported and skipped."""
    files, missing = expand(paths)
    report = IngestReport(failed=list(missing))
    for index, path in enumerate(files):
        if progress:
            progress(str(path), index, len(files))
        try:
            source, added, warnings = ingest_file(path, store, ctx)
        except StoreError:
            raise  # the store itself failed (unwritable, unreachable): no later file can succeed either
        except ModalystError as exc:
            report.failed.append((str(path), str(exc)))
            continue
        except Exception as exc:  # a bug on one file must not abort the batch; it is reported and logged
            logger.error("ingest of %s failed: %s: %s", path, type(exc).__name__, exc)
            logger.debug("ingest of %s failed", path, exc_info=True)
            report.failed.append((str(path), f"internal error while reading it ({type(exc).__name__}: {exc})"))
            continue
        (report.added if added else report.skipped).append(source)
        report.warnings.extend(warnings)
    if progress:
        progress("", len(files), len(files))
    return report
