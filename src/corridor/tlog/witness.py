"""A witness: cosigns a log's checkpoint only if it is consistent with the last one it cosigned.

Each party runs one on its own machine, with its own key. The state (per log origin, the size
and root hash last cosigned, and the log's verifier key it was given) lives in a JSON file
beside the key, replaced atomically, so the intermediary running the log cannot show one party
a history and the other a different one; the party's client also checks every log it is shown
against that state before it signs anything.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from corridor.tlog.errors import VerificationError, WitnessRefused
from corridor.tlog.keys import SignerKey, VerifierKey
from corridor.tlog.merkle import verify_consistency
from corridor.tlog.note import Note, cosign, open_checkpoint

ProofSource = Callable[[int, int], Sequence[bytes]]
"""(old size, new size) -> consistency proof, served by the log."""


def state_path_for(key_path: Path) -> Path:
    return key_path.with_name(key_path.name + ".witness.json")


class Witness:
    def __init__(self, key: SignerKey, state_path: Path) -> None:
        self.key = key
        self.state_path = state_path

    def _load(self) -> dict[str, dict[str, object]]:
        if not self.state_path.exists():
            return {}
        try:
            data = json.loads(self.state_path.read_text())
        except (OSError, ValueError) as exc:
            raise WitnessRefused(self.key.name, f"cannot read its state {self.state_path}") from exc
        if not isinstance(data, dict):
            raise WitnessRefused(self.key.name, f"its state {self.state_path} is not an object")
        return data

    def _save(self, state: dict[str, dict[str, object]]) -> None:
        tmp = self.state_path.with_name(self.state_path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(state, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.state_path)

    def last_cosigned(self, origin: str) -> tuple[int, bytes] | None:
        entry = self._load().get(origin)
        if entry is None:
            return None
        size, root = entry.get("size"), entry.get("root")
        if not isinstance(size, int) or not isinstance(root, str):
            raise WitnessRefused(self.key.name, f"its state for {origin} is damaged")
        return size, base64.b64decode(root)

    def pinned_log_keys(self) -> dict[str, str]:
        """Origin -> the log's verifier key, for each log this witness has cosigned."""
        return {
            origin: str(entry["log_key"])
            for origin, entry in self._load().items()
            if isinstance(entry, dict) and isinstance(entry.get("log_key"), str)
        }

    def cosign(
        self,
        checkpoint_note: bytes,
        log_key: VerifierKey,
        proof_source: ProofSource,
        timestamp: int,
    ) -> Note:
        """Return the checkpoint with this witness's cosignature added, or refuse.

        ``timestamp`` (seconds since the Unix epoch, from the caller's clock) is the time the
        cosignature states."""
        try:
            note, checkpoint = open_checkpoint(checkpoint_note, log_key)
        except VerificationError as exc:
            raise WitnessRefused(self.key.name, str(exc)) from exc
        last = self.last_cosigned(checkpoint.origin)
        if last is not None:
            old_size, old_root = last
            if checkpoint.size < old_size:
                raise WitnessRefused(
                    self.key.name,
                    f"tree size {checkpoint.size} is smaller than {old_size}, cosigned before",
                )
            if old_size > 0:
                try:
                    proof = list(proof_source(old_size, checkpoint.size))
                    verify_consistency(
                        old_size, checkpoint.size, proof, old_root, checkpoint.root_hash
                    )
                except (VerificationError, ValueError) as exc:
                    raise WitnessRefused(
                        self.key.name,
                        f"tree {checkpoint.size} is not consistent with tree {old_size} "
                        f"cosigned before ({exc})",
                    ) from exc
        when = timestamp
        cosigned = note.with_signature(cosign(note, self.key, when))
        state = self._load()
        state[checkpoint.origin] = {
            "size": checkpoint.size,
            "root": base64.b64encode(checkpoint.root_hash).decode(),
            "time": when,
            "log_key": log_key.text(),
        }
        self._save(state)
        return cosigned
