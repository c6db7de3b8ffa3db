"""Uploads of the HTTP API and what its answers show of files.

Each request's uploads go to its own ``<data_dir>/uploads/<random>/`` folder under sanitised names,
counted against the request's size limit and the process-wide disk cap (:class:`DiskBudget`), and the
folder is deleted when the request ends. :func:`public` turns server paths in an answer into file
names, so a client learns file names and source ids, never where the server keeps them.

Example:
    >>> file_name("/srv/data/library/acme/0123456789abcdef-Q1 report.pdf")
    'Q1 report.pdf'
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import Request, UploadFile

from assistant.errors import ModalystError
from assistant.server_auth import DiskBudget, UploadTooLargeError, megabytes

COPY_BLOCK = 1 << 20
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
KEPT_PREFIX = re.compile(r"^[0-9a-f]{16}-")


# -- uploads --------------------------------------------------------------------------------------
def safe_name(name: str | None) -> str:
    """The base name of an uploaded file name, in safe characters: no folders, no leading dots.

    >>> safe_name("../../etc/passwd"), safe_name("C:\\\\x\\\\Q1 report.pdf"), safe_name("..")
    ('passwd', 'Q1_report.pdf', 'upload')
    """
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = SAFE_NAME.sub("_", base).lstrip("._-")[-120:]
    return base or "upload"


class Uploads:
    """A per-request folder under ``<data_dir>/uploads``; removed by ``close``."""

    def __init__(self, data_dir: Path, limit: int, disk: DiskBudget | None = None) -> None:
        self.folder = data_dir / "uploads" / secrets.token_hex(12)
        self.folder.mkdir(parents=True)
        self._limit = limit
        self._written = 0
        self._taken = 0
        self._disk = disk or DiskBudget(limit, reserve=0)

    def save(self, upload: UploadFile) -> Path:
        name = safe_name(upload.filename)
        target = self.folder / name
        stem, suffix, n = target.stem, target.suffix, 1
        while target.exists():
            target, n = self.folder / f"{stem}-{n}{suffix}", n + 1
        with target.open("xb") as out:
            while block := upload.file.read(COPY_BLOCK):
                self._written += len(block)
                if self._written > self._limit:
                    raise UploadTooLargeError(f"the upload is larger than the limit of {megabytes(self._limit)}")
                self._disk.take(len(block), self.folder)
                self._taken += len(block)
                out.write(block)
        return target

    def scrub(self, data: Any) -> Any:
        """``data`` with this folder's paths shortened to bare file names (they are gone after the request)."""
        prefix = f"{self.folder}{os.sep}"
        if isinstance(data, str):
            return data.replace(prefix, "")
        if isinstance(data, list):
            return [self.scrub(v) for v in data]
        if isinstance(data, dict):
            return {k: self.scrub(v) for k, v in data.items()}
        return data

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        self._disk.give(self._taken)


@contextmanager
def uploads(request: Request) -> Iterator[Uploads]:
    folder = Uploads(request.app.state.workspaces.data_dir, request.app.state.max_upload_bytes, request.app.state.disk)
    try:
        yield folder
    except ModalystError as exc:
        raise type(exc)(folder.scrub(str(exc))) from exc
    finally:
        folder.close()



def public(data: Any, request: Request) -> Any:
    """``data`` as clients see it: a ``path`` is the file's name (as uploaded), never a server path,
    and paths under the data folder inside messages become file names too."""
    return _public(data, _data_paths(request.app.state.workspaces.data_dir))


def _data_paths(data_dir: Path) -> re.Pattern[str]:
    return re.compile(re.escape(f"{data_dir}{os.sep}") + r"[^\s'\",;()]+")


def _public(data: Any, under: re.Pattern[str], key: str = "") -> Any:
    if isinstance(data, str):
        if key == "path":
            return file_name(data)
        return under.sub(lambda m: file_name(m.group(0)), data)
    if isinstance(data, list):
        return [_public(v, under, key) for v in data]
    if isinstance(data, dict):
        return {k: _public(v, under, k) for k, v in data.items()}
    return data


def file_name(path: str) -> str:
    """The name a user knows a stored file by: its base name without the library's hash prefix.

    >>> file_name("/srv/data/library/acme/0123456789abcdef-Q1 report.pdf"), file_name("notes.txt")
    ('Q1 report.pdf', 'notes.txt')
    """
    return KEPT_PREFIX.sub("", path.replace("\\", "/").rsplit("/", 1)[-1])
