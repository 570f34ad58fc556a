"""Offline verification of an exported log (tlog-tiles layout), naming the first problem."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from corridor.tlog.errors import VerificationError
from corridor.tlog.keys import VerifierKey
from corridor.tlog.merkle import MemoryTree, leaf_hash, verify_consistency
from corridor.tlog.note import Checkpoint, open_checkpoint, verify_cosignature
from corridor.tlog.tiles import check_hash_tiles, read_entries

EntryChecker = Callable[[Sequence[bytes]], None]
"""Checks the entries themselves (signatures, authorship); raises on the first bad one."""


@dataclass(frozen=True)
class VerifyResult:
    checkpoint: Checkpoint
    entries: list[bytes]
    witnesses: dict[str, int]
    """Witness name -> time of its cosignature."""


def verify_log(
    checkpoint_note: bytes,
    entries: Sequence[bytes],
    log_key: VerifierKey,
    witnesses: Sequence[VerifierKey] = (),
    previous_checkpoint: bytes | None = None,
    check_entries: EntryChecker | None = None,
    tree: MemoryTree | None = None,
) -> VerifyResult:
    """Check the log signature, every cosignature, the tree, the entries, and (when given)
    consistency with a checkpoint saved earlier."""
    note, checkpoint = open_checkpoint(checkpoint_note, log_key)
    cosigned = {w.name: verify_cosignature(note, w) for w in witnesses}
    if len(entries) != checkpoint.size:
        raise VerificationError(
            "log", f"holds {len(entries)} entries but the checkpoint says {checkpoint.size}"
        )
    if tree is None:
        tree = MemoryTree()
        for entry in entries:
            tree.append_leaf_hash(leaf_hash(entry))
    if tree.root() != checkpoint.root_hash:
        raise VerificationError("log", "the entries do not hash to the checkpoint's root")
    if previous_checkpoint is not None:
        _, old = open_checkpoint(previous_checkpoint, log_key)
        if old.origin != checkpoint.origin:
            raise VerificationError("previous checkpoint", f"is for another log ({old.origin})")
        if old.size > checkpoint.size:
            raise VerificationError(
                "previous checkpoint",
                f"has {old.size} entries, more than the {checkpoint.size} of this log: "
                "the log has been rolled back",
            )
        if old.size > 0:
            verify_consistency(
                old.size,
                checkpoint.size,
                tree.consistency_proof(old.size),
                old.root_hash,
                checkpoint.root_hash,
            )
            if tree.root(old.size) != old.root_hash:
                raise VerificationError(
                    "previous checkpoint", "this log is a fork: its history differs"
                )
    if check_entries is not None:
        check_entries(entries)
    return VerifyResult(checkpoint, list(entries), cosigned)


def verify_directory(
    directory: Path,
    log_key: VerifierKey,
    witnesses: Sequence[VerifierKey] = (),
    previous_checkpoint: bytes | None = None,
    check_entries: EntryChecker | None = None,
) -> VerifyResult:
    try:
        checkpoint_note = (directory / "checkpoint").read_bytes()
    except OSError as exc:
        raise VerificationError(str(directory / "checkpoint"), "is missing") from exc
    _, checkpoint = open_checkpoint(checkpoint_note, log_key)
    entries = list(read_entries(directory, checkpoint.size))
    tree = MemoryTree()
    for entry in entries:
        tree.append_leaf_hash(leaf_hash(entry))
    result = verify_log(
        checkpoint_note, entries, log_key, witnesses, previous_checkpoint, check_entries, tree
    )
    check_hash_tiles(directory, tree)
    return result
