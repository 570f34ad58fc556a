"""OSM extracts a scenario may name: uploaded ones in the data directory's ``osm/`` folder, then
those bundled with the project (``data/osm/``): the
:class:`~corridor.services.ports.ExtractStore` the scenario service is given."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

BUNDLED_OSM = Path(__file__).resolve().parents[3] / "data" / "osm"
T = TypeVar("T")


class ExtractFolder:
    """Extracts uploaded to ``uploaded`` (created at the first upload), then the bundled ones."""

    def __init__(self, uploaded: Path, bundled: Path = BUNDLED_OSM) -> None:
        self.uploaded = uploaded
        self.bundled = bundled

    def find(self, name: str) -> Path | None:
        """The extract called ``name`` (a plain file name), uploaded first; None if none is."""
        for folder in (self.uploaded, self.bundled):
            if (folder / name).is_file():
                return (folder / name).resolve()
        return None

    def listing(self, matches: Callable[[str], bool]) -> list[tuple[str, int, str]]:
        """(name, bytes, "uploaded" or "bundled") of the files whose name ``matches``, uploaded
        first, each name once, in name order within each folder."""
        out: dict[str, tuple[str, int, str]] = {}
        for origin, folder in (("uploaded", self.uploaded), ("bundled", self.bundled)):
            if folder.is_dir():
                for p in sorted(folder.iterdir()):
                    if matches(p.name) and p.name not in out:
                        out[p.name] = (p.name, p.stat().st_size, origin)
        return list(out.values())

    def uploaded_digest(self, name: str) -> str | None:
        """The SHA-256 of the extract uploaded as ``name``; None when there is none."""
        target = self.uploaded / name
        if not target.is_file():
            return None
        return hashlib.sha256(target.read_bytes()).hexdigest()

    def put(self, name: str, data: bytes, check: Callable[[Path], T]) -> T:
        """Keep ``data`` as the uploaded extract ``name`` once ``check`` (given the file written
        aside) returns; what it raises leaves nothing behind. The rename is atomic."""
        self.uploaded.mkdir(parents=True, exist_ok=True)
        tmp = self.uploaded / f".upload-{uuid.uuid4().hex}-{name}"
        try:
            tmp.write_bytes(data)
            result = check(tmp)
            os.replace(tmp, self.uploaded / name)
        finally:
            tmp.unlink(missing_ok=True)
        return result
