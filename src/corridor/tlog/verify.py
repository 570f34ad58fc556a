"""Offline verification of an exported log (tlog-tiles layout), naming the first problem."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from corridor.tlog.errors import VerificationError
from corridor.tlog.keys import VerifierKey
from corridor.tlog.merkle import MemoryTree, leaf_hash, verify_consistency
from corridor.tlog.note import Checkpoint, Note, open_checkpoint, verify_cosignature
from corridor.tlog.tiles import TileReader, check_hash_tiles, read_entries

EntryChecker = Callable[[Sequence[bytes]], None]
"""Checks the entries themselves (signatures, authorship); raises on the first bad one."""


@dataclass(frozen=True)
class Cosigned:
    """What a witness cosigned: a checkpoint of ``size`` entries, at ``time`` (its word)."""

    size: int
    time: int


@dataclass(frozen=True)
class VerifyResult:
    checkpoint: Checkpoint
    entries: list[bytes]
    witnesses: dict[str, Cosigned]
    """Witness name -> the checkpoint it cosigned that this log grew from."""


def _witnessed(
    note: Note,
    checkpoint: Checkpoint,
    tree: MemoryTree,
    log_key: VerifierKey,
    witness: VerifierKey,
    cosigned: Mapping[str, bytes],
) -> Cosigned:
    """The witness's cosignature on this checkpoint, or on one that this log grew from; a
    verification error if it has cosigned neither (nothing shows it saw this history)."""
    key_id = witness.cosigner_key_id()
    if any(s.name == witness.name and s.key_id == key_id for s in note.signatures):
        return Cosigned(checkpoint.size, verify_cosignature(note, witness))
    saved = cosigned.get(key_id.hex())
    what = f"witness {witness.name}"
    if saved is None:
        raise VerificationError(
            what,
            f"has cosigned no checkpoint of this log ({checkpoint.origin}): nothing shows that "
            "it saw this history",
        )
    old_note, old = open_checkpoint(saved, log_key)
    when = verify_cosignature(old_note, witness)
    if old.size > checkpoint.size or (old.size and tree.root(old.size) != old.root_hash):
        raise VerificationError(
            what,
            f"cosigned a checkpoint of {old.size} entries that this log ({checkpoint.size} "
            "entries) does not extend: the log was forked or rolled back after it cosigned",
        )
    return Cosigned(old.size, when)


def verify_log(
    checkpoint_note: bytes,
    entries: Sequence[bytes],
    log_key: VerifierKey,
    witnesses: Sequence[VerifierKey] = (),
    previous_checkpoint: bytes | None = None,
    check_entries: EntryChecker | None = None,
    tree: MemoryTree | None = None,
    cosigned: Mapping[str, bytes] | None = None,
) -> VerifyResult:
    """Check the log signature, the tree, each witness's cosignature (on this checkpoint or,
    from ``cosigned`` by key ID, on one this log grew from), the entries, and (when given)
    consistency with a checkpoint saved earlier."""
    note, checkpoint = open_checkpoint(checkpoint_note, log_key)
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
    seen = {
        w.name: _witnessed(note, checkpoint, tree, log_key, w, cosigned or {}) for w in witnesses
    }
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
    return VerifyResult(checkpoint, list(entries), seen)


def verify_tiles(
    read: TileReader,
    cosigned: dict[str, bytes],
    log_key: VerifierKey,
    witnesses: Sequence[VerifierKey] = (),
    previous_checkpoint: bytes | None = None,
    check_entries: EntryChecker | None = None,
) -> VerifyResult:
    """Verify an exported layout through ``read`` (relative path -> bytes, OSError when
    missing) and its ``cosigned/`` files by name; ``adapters.tile_files`` reads a folder."""
    try:
        checkpoint_note = read("checkpoint")
    except OSError as exc:
        raise VerificationError("checkpoint", "is missing") from exc
    _, checkpoint = open_checkpoint(checkpoint_note, log_key)
    entries = list(read_entries(read, checkpoint.size))
    tree = MemoryTree()
    for entry in entries:
        tree.append_leaf_hash(leaf_hash(entry))
    result = verify_log(
        checkpoint_note,
        entries,
        log_key,
        witnesses,
        previous_checkpoint,
        check_entries,
        tree,
        cosigned,
    )
    check_hash_tiles(read, tree)
    return result
