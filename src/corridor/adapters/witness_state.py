"""A witness's state on disk: a JSON file beside the party's key, owner-only, replaced
atomically (:class:`corridor.tlog.witness.Witness` reads and writes it through this)."""

from __future__ import annotations

import json
from pathlib import Path

from corridor.adapters.files import write_atomic


class WitnessStateFile:
    """Per log origin: the size and root last cosigned, and the log's verifier key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, dict[str, object]]:
        """The state, or ``{}`` before the first cosignature; a :class:`ValueError` naming
        the file when it cannot be read or is not a JSON object."""
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot read its state {self.path}") from exc
        if not isinstance(data, dict):
            raise ValueError(f"its state {self.path} is not an object")
        return data

    def save(self, state: dict[str, dict[str, object]]) -> None:
        write_atomic(self.path, json.dumps(state, indent=1, sort_keys=True), mode=0o600)
