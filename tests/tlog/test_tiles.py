"""The C2SP tlog-tiles layout beyond one tile: paths, partial tiles, higher levels."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.adapters.tile_files import export_tiles, verify_directory
from corridor.tlog.errors import VerificationError
from corridor.tlog.keys import SignerKey
from corridor.tlog.merkle import MemoryTree
from corridor.tlog.note import Checkpoint, sign_note
from corridor.tlog.tiles import index_path

KEY = SignerKey.from_seed("log.example", bytes(32))


@pytest.mark.parametrize(
    ("n", "path"),
    [(0, "000"), (5, "005"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")],
)
def test_tile_index_encoding(n: int, path: str) -> None:
    assert index_path(n) == path


def test_a_log_of_600_entries_has_full_partial_and_level_one_tiles(tmp_path: Path) -> None:
    entries = [b"entry %d" % i for i in range(600)]
    tree = MemoryTree()
    for entry in entries:
        tree.append(entry)
    note = sign_note(Checkpoint(KEY.name, 600, tree.root()).text(), KEY).to_bytes()
    assert export_tiles(tmp_path, entries, note) == 600
    files = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()}
    assert files == {
        "checkpoint",
        "tile/0/000",
        "tile/0/001",
        "tile/0/002.p/88",
        "tile/1/000.p/2",
        "tile/entries/000",
        "tile/entries/001",
        "tile/entries/002.p/88",
    }
    assert (tmp_path / "tile/0/001").read_bytes() == b"".join(tree.levels[0][256:512])
    assert (tmp_path / "tile/1/000.p/2").read_bytes() == b"".join(tree.levels[8][:2])
    result = verify_directory(tmp_path, KEY.verifier())
    assert result.checkpoint.size == 600
    (tmp_path / "tile/1/000.p/2").write_bytes(bytes(64))
    with pytest.raises(VerificationError, match=r"tile/1/000\.p/2"):
        verify_directory(tmp_path, KEY.verifier())
    (tmp_path / "tile/entries/001").unlink()
    with pytest.raises(VerificationError, match="tile/entries/001: is missing"):
        verify_directory(tmp_path, KEY.verifier())
