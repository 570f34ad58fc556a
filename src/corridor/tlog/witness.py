"""A witness: cosigns a log's checkpoint only if it is consistent with the last one it cosigned.

Each party runs one on its own machine, with its own key. The state (per log origin, the size
and root hash last cosigned, and the log's verifier key it was given) lives in a JSON file
beside the key, replaced atomically (``adapters.witness_state``: this module opens no file), so
the intermediary running the log cannot show one party
a history and the other a different one; the party's client also checks every log it is shown
against that state before it signs anything.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from corridor.tlog.errors import VerificationError, WitnessRefused
from corridor.tlog.keys import SignerKey, VerifierKey
from corridor.tlog.merkle import verify_consistency
from corridor.tlog.note import Note, cosign, open_checkpoint

ProofSource = Callable[[int, int], Sequence[bytes]]
"""(old size, new size) -> consistency proof, served by the log."""


def state_path_for(key_path: Path) -> Path:
    return key_path.with_name(key_path.name + ".witness.json")


class WitnessState(Protocol):
    """Where a witness keeps what it cosigned (``adapters.witness_state.WitnessStateFile``).
    ``load`` raises :class:`ValueError` naming the place when the state cannot be read."""

    def load(self) -> dict[str, dict[str, object]]: ...

    def save(self, state: dict[str, dict[str, object]]) -> None: ...


class Witness:
    def __init__(self, key: SignerKey, state: WitnessState) -> None:
        self.key = key
        self.state = state

    def _load(self) -> dict[str, dict[str, object]]:
        try:
            return self.state.load()
        except ValueError as exc:
            raise WitnessRefused(self.key.name, str(exc)) from exc

    def _save(self, state: dict[str, dict[str, object]]) -> None:
        self.state.save(state)

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
