"""The files a person names: the one atomic write and the one strict JSON read.

Writing: a crash or a full disk never leaves half of a file.

The bytes go to a temporary file in the same folder, are flushed to the disk, and replace the
target in one rename; on any failure the temporary file is removed and the old file stays.
Reading: :func:`read_json_file` reads the bytes and hands them to
:func:`~corridor.domain.json_text.parse_strict_json`.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from corridor.domain.json_text import parse_strict_json
from corridor.errors import InputError


def write_atomic(path: Path, data: bytes | str, *, mode: int | None = None) -> Path:
    """Replace ``path`` with ``data`` in one step (``mode``: the new file's permissions)."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def check_writable(path: Path, where: str, suffix: str | None = None) -> None:
    """Before any work: ``path`` (given as ``where``) can be written as a new file: not a
    folder, in a folder that exists, and ending in ``suffix`` where one is required (a drawing
    library would add it or refuse the name, after the other files were written)."""
    target = Path(path)
    if target.is_dir():
        raise InputError(where, f"{path} is a folder, not a file to write", str(path))
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(where, f"{path}: folder {folder} does not exist", str(path))
    if suffix is not None and target.suffix.lower() != suffix:
        raise InputError(where, f"{path} must end in {suffix}", str(path))


def write_json_file(path: Path, doc: Any, *, indent: int = 1) -> Path:
    """``doc`` as JSON (UTF-8, a newline at the end) to a file a person named: a folder, or a
    folder that does not exist, is an :class:`InputError` naming the path."""
    target = Path(path)
    if target.is_dir():
        raise InputError(str(path), "is a folder, not a file to write")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(str(path), f"folder {folder} does not exist")
    return write_atomic(target, json.dumps(doc, indent=indent, ensure_ascii=False) + "\n")


def read_json_file(path: str | Path, what: str = "file") -> Any:
    """Read a JSON file a person named, strictly (no NaN/Infinity, no repeated key, UTF-8
    only): a missing or unreadable file, or bad JSON, is an :class:`InputError` naming it."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(str(p), f"no such {what}") from None
    except OSError as exc:
        raise InputError(str(p), f"cannot be read: {exc}") from None
    return parse_strict_json(data, str(p))
