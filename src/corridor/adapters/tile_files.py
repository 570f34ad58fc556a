"""The exported log on disk (C2SP tlog-tiles layout): written and read here, laid out and
checked by the pure ``tlog.tiles`` and ``tlog.verify``."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from corridor.tlog.errors import VerificationError
from corridor.tlog.keys import VerifierKey
from corridor.tlog.tiles import COSIGNED, read_entries, tile_files
from corridor.tlog.verify import EntryChecker, VerifyResult, verify_tiles

__all__ = ["TileFolder", "export_tiles", "read_exported_entries", "verify_directory"]


def _write(root: Path, rel: str, data: bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def export_tiles(
    directory: Path,
    entries: Iterable[bytes],
    checkpoint_note: bytes,
    cosigned: dict[str, bytes] | None = None,
) -> int:
    """Write the whole layout for the entries (in log order); returns the number written.
    The checkpoint is written last, once every tile it needs is in place."""
    count = 0

    def counted() -> Iterator[bytes]:
        nonlocal count
        for entry in entries:
            count += 1
            yield entry

    for rel, data in tile_files(counted(), checkpoint_note, cosigned):
        _write(directory, rel, data)
    return count


def read_exported_entries(directory: Path, size: int) -> Iterator[bytes]:
    """The first ``size`` entries of an exported layout, from its entry bundles."""
    return read_entries(lambda rel: (directory / rel).read_bytes(), size)


def verify_directory(
    directory: Path,
    log_key: VerifierKey,
    witnesses: Sequence[VerifierKey] = (),
    previous_checkpoint: bytes | None = None,
    check_entries: EntryChecker | None = None,
) -> VerifyResult:
    """Verify an exported log folder offline (``tlog.verify.verify_tiles``)."""
    if not (directory / "checkpoint").is_file():
        raise VerificationError(str(directory / "checkpoint"), "is missing")
    folder = directory / COSIGNED
    cosigned = (
        {f.name: f.read_bytes() for f in folder.iterdir() if f.is_file()} if folder.is_dir() else {}
    )
    return verify_tiles(
        lambda rel: (directory / rel).read_bytes(),
        cosigned,
        log_key,
        witnesses,
        previous_checkpoint,
        check_entries,
    )


class TileFolder:
    """The log service's exported layout in one folder (``services.ports.TileExport``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def export(
        self, entries: Iterable[bytes], checkpoint_note: bytes, cosigned: dict[str, bytes]
    ) -> int:
        return export_tiles(self.directory, entries, checkpoint_note, cosigned)

    def served(self, rel: str) -> bytes | None:
        """One file of the layout by its relative path; None when it is not a file inside."""
        root = self.directory.resolve()
        target = (root / rel).resolve()
        if root not in target.parents or not target.is_file():
            return None
        return target.read_bytes()
