"""Private at rest: the data folder (store, library, uploads, UI sessions, model cache) is readable by
its owner only.

Every entry point (the CLI, the HTTP API, the Streamlit app) calls :func:`private_umask` first, so
whatever the process creates is 0700 (folders) or 0600 (files), Chroma's files included.
:func:`private_data_dir`, run when the store is opened, creates the data folder 0700 and, when an
existing one (made before this, or by another program) lets group or others in, takes those bits
off everything under it, with one notice line.

Example:
    >>> private_umask()                       # doctest: +SKIP
    >>> private_data_dir(Path("~/.local/share/modalyst").expanduser())   # doctest: +SKIP
    0
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

logger = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
OPEN_BITS = stat.S_IRWXG | stat.S_IRWXO


def private_umask() -> int:
    """Set the process umask to 0o077 (new folders 0700, files 0600); returns the previous one."""
    return os.umask(PRIVATE_UMASK)


def _is_open(path: Path) -> bool:
    try:
        return bool(path.lstat().st_mode & OPEN_BITS) and not path.is_symlink()
    except OSError:
        return False


def private_data_dir(data_dir: Path) -> int:
    """Create ``data_dir`` 0700, or make an existing one private; returns the entries whose modes were
    fixed. Only the folder and its direct entries are checked on a clean start (cheap); the whole tree
    is fixed when any of them is open to group or others."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    top = [data_dir, *data_dir.iterdir()]
    if not any(_is_open(p) for p in top):
        return 0
    before = stat.S_IMODE(data_dir.stat().st_mode)
    fixed = 0
    for root, folders, files in os.walk(data_dir):
        for path in [Path(root), *(Path(root) / f for f in folders + files)]:
            if _is_open(path):
                try:
                    os.chmod(path, stat.S_IMODE(path.lstat().st_mode) & ~OPEN_BITS)
                    fixed += 1
                except OSError as exc:  # another user's file: report, carry on
                    logger.warning("could not make %s private: %s", path, exc)
        folders[:] = [f for f in folders if not (Path(root) / f).is_symlink()]
    logger.warning("made the data folder %s private (was %o): %d entries now owner-only", data_dir, before, fixed)
    return fixed


def private_write(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` as a 0600 file in 0700 folders (whatever the umask)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    return path
