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

from assistant.erasure import LIBRARY_FOLDER
from assistant.errors import ModalystError, StoreError
from assistant.extract import EXTRACTORS, ExtractContext, checked_kind, file_hash
from assistant.sidecars import Pairing
from assistant.settings import Settings
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


def expand(paths: Iterable[Path], warnings: list[str] | None = None) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files named, and the files under folders named (hidden files and sidecars left out). A symlink
    inside a folder that points outside it is skipped, with a line in ``warnings``."""
    files: list[Path] = []
    missing: list[tuple[str, str]] = []
    for path in paths:
        if path.is_dir():
            root = path.resolve()
            for p in sorted(path.rglob("*")):
                if not p.is_file() or p.name.startswith(".") or p.name.endswith(".speakers.json"):
                    continue
                if p.is_symlink() and not p.resolve().is_relative_to(root):
                    if warnings is not None:
                        warnings.append(f"skipped {p}: a symlink to a file outside {path}")
                    continue
                files.append(p)
        elif path.exists():
            files.append(path)
        else:
            missing.append((str(path), f"{path}: no such file or folder"))
    return files, missing


def library_dir(settings: Settings) -> Path:
    """Where a workspace's kept files lie: uploads, and the de-identified copies of DICOM files."""
    return settings.data_dir / LIBRARY_FOLDER / settings.workspace


def shown_path(path: Path) -> str:
    """The name to show for a file while it is read: a DICOM's neutral name, else the path."""
    from tools.describe_image.images import is_dicom

    if is_dicom(path):
        from tools.describe_image.deid import neutral_name

        return neutral_name(path)
    return str(path)


def _deidentified(path: Path, source_id: str, ctx: ExtractContext) -> Path:
    """The de-identified copy of a DICOM file in the workspace's library (written once): what the
    source is stored, cited and kept as. The raw file is never kept (see :func:`_drop_raw`)."""
    from tools.describe_image.deid_file import write_deidentified

    target = library_dir(ctx.settings) / f"{source_id}-dicom-{source_id}.dcm"
    if not target.is_file():
        write_deidentified(path, target, ctx.ocr_reader())
    return target


def _drop_raw(path: Path, kept: Path, settings: Settings) -> None:
    """Delete a raw DICOM that lies in the data folder (an upload kept by the UI or the API)."""
    raw = path.resolve()
    if raw != kept.resolve() and raw.is_relative_to(settings.data_dir.resolve()):
        raw.unlink(missing_ok=True)


def ingest_file(path: Path, store: ChromaStore, ctx: ExtractContext) -> tuple[Source, bool, list[str]]:
    """Ingest one file; returns its source, whether it was new, and warnings. Raises on bad input.

    A DICOM file is de-identified first (PS3.15 Basic Profile, see tools/describe_image/deid.py) into
    ``library/<workspace>/<id>-dicom-<id>.dcm``; that copy is what is read, stored and cited."""
    kind = checked_kind(path, ctx.settings)
    source_id = file_hash(path)
    existing = store.get_source(source_id)
    from tools.describe_image.images import is_dicom

    dicom = kind == "image" and is_dicom(path)
    if existing is not None:
        if dicom:
            _drop_raw(path, Path(existing.path), ctx.settings)
        return existing, False, []
    read = _deidentified(path, source_id, ctx) if dicom else path.resolve()
    try:
        extracted = EXTRACTORS[kind](read.resolve(), source_id, ctx)
        source = Source(
            id=source_id,
            path=str(read.resolve()),
            kind=kind,
            chunks=len({c.id for c in extracted.chunks}),
            pages=extracted.pages,
            duration=extracted.duration,
            speakers=extracted.speakers,
        )
        store.add_source(source, extracted.chunks)
    except BaseException:
        if dicom:
            read.unlink(missing_ok=True)
        raise
    if dicom:
        _drop_raw(path, read, ctx.settings)
    return source, True, extracted.warnings


def ingest_paths(
    paths: Iterable[Path], store: ChromaStore, ctx: ExtractContext, progress: Progress | None = None
) -> IngestReport:
    """Ingest files and folders into the store's workspace; bad files are reported and skipped.
    Speaker sidecars go last and pair with their recordings (:mod:`assistant.sidecars`)."""
    skipped: list[str] = []
    files, missing = expand(paths, skipped)
    report = IngestReport(failed=list(missing), warnings=skipped)
    pairing = Pairing(files, store, ctx)
    sidecars = set(pairing.sidecars)
    files = [p for p in files if p not in sidecars] + pairing.sidecars
    ctx = pairing.context()
    for index, path in enumerate(files):
        if progress:
            progress(shown_path(path), index, len(files))
        try:
            if path in sidecars:
                checked_kind(path, ctx.settings)  # the size limit holds for sidecars too
                source, added = pairing.ingest_sidecar(path)
                warnings: list[str] = []
            else:
                source, added, warnings = ingest_file(path, store, ctx)
                pairing.recorded(source)
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
