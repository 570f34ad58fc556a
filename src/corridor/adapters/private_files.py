"""Files of the service that only its own user may read: the data directory (0700), the SQLite
database (0600, and SQLite gives its journal and WAL files the database's mode), key files (0600).

The registry's personal fields are encrypted, but the database also holds tokens' hashes,
positions and the audit trail, and the data directory holds the log's private key: another
account on the machine has no business reading any of it.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sqlalchemy import make_url

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) owner-only, or tighten it to 0700 if it exists and is ours."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    with contextlib.suppress(PermissionError):  # not ours: leave it, the files in it are 0600
        if path.stat().st_mode & 0o077:
            os.chmod(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Make sure ``path`` exists and is 0600 before anything writes to it."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    os.close(fd)
    with contextlib.suppress(PermissionError):
        if path.stat().st_mode & 0o077:
            os.chmod(path, FILE_MODE)
    return path


def private_sqlite(db_url: str) -> None:
    """For a SQLite file database, create the file 0600 before SQLite does (it would use the
    process's umask, commonly 0644)."""
    url = make_url(db_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    private_file(Path(url.database))
