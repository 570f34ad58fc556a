"""RFC 9162 Merkle tree hashing, with inclusion and consistency proofs.

Proofs are generated from *perfect subtree* hashes: the hash of the 2**level leaves starting at
``index * 2**level``. Every range the RFC 9162 recursion asks for starts at a multiple of a power
of two at least its own length, so it is the fold of O(log n) perfect subtrees, and a proof at
any tree size needs at most 2·log2(n) stored hashes, fetched in one round trip.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from corridor.tlog.errors import VerificationError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeKey = tuple[int, int]
"""(level, index) of a perfect subtree."""

NodeFetcher = Callable[[Sequence[NodeKey]], Sequence[bytes]]
"""Returns the hashes of the given perfect subtrees, in the same order."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """Largest power of two strictly less than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def cover(lo: int, hi: int) -> list[NodeKey]:
    """The perfect subtrees, left to right, whose fold is MTH(D[lo:hi]) (lo suitably aligned)."""
    keys: list[NodeKey] = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        while lo % (1 << level):
            level -= 1
        keys.append((level, lo >> level))
        lo += 1 << level
    return keys


def fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its cover: H(c0, H(c1, ... H(c_{k-2}, c_{k-1})))."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges whose MTHs form PATH(index, D[0:size]), in proof order (RFC 9162 2.1.3.1)."""
    out: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _largest_power_of_two_below(hi - lo)
        if index < lo + k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo += k
    out.reverse()
    return out


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """The ranges whose MTHs form PROOF(size1, D[0:size2]), in proof order (RFC 9162 2.1.4.1)."""
    out: list[tuple[int, int]] = []
    lo, hi, m, complete = 0, size2, size1, True
    while True:
        if m == hi - lo:
            if not complete:
                out.append((lo, hi))
            break
        k = _largest_power_of_two_below(hi - lo)
        if m <= k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo += k
            m -= k
            complete = False
    out.reverse()
    return out


def hashes_of_ranges(ranges: Sequence[tuple[int, int]], fetch: NodeFetcher) -> list[bytes]:
    covers = [cover(lo, hi) for lo, hi in ranges]
    flat = [key for c in covers for key in c]
    found = fetch(flat) if flat else []
    out: list[bytes] = []
    at = 0
    for c in covers:
        out.append(fold(found[at : at + len(c)]))
        at += len(c)
    return out


def inclusion_proof(index: int, size: int, fetch: NodeFetcher) -> list[bytes]:
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    return hashes_of_ranges(inclusion_ranges(index, size), fetch)


def consistency_proof(size1: int, size2: int, fetch: NodeFetcher) -> list[bytes]:
    if not 0 < size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to size {size2}")
    if size1 == size2:
        return []
    return hashes_of_ranges(consistency_ranges(size1, size2), fetch)


def root(size: int, fetch: NodeFetcher) -> bytes:
    return fold(list(fetch(cover(0, size)))) if size else EMPTY_ROOT


def _check_hash(what: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise VerificationError(what, f"is {len(value)} bytes long, not {HASH_SIZE}")


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes
) -> None:
    """RFC 9162 2.1.3.2. Raises :class:`VerificationError` unless the proof is valid."""
    what = f"inclusion proof of leaf {index} in tree {size}"
    if not 0 <= index < size:
        raise VerificationError(what, "the leaf index is outside the tree")
    _check_hash(f"{what}: leaf hash", leaf)
    _check_hash(f"{what}: root hash", root_hash)
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        _check_hash(f"{what}: proof element", p)
        if sn == 0:
            raise VerificationError(what, "the proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError(what, "the proof is too short")
    if r != root_hash:
        raise VerificationError(what, "the computed root does not match")


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """RFC 9162 2.1.4.2. Raises :class:`VerificationError` unless the proof is valid."""
    what = f"consistency proof from tree {size1} to tree {size2}"
    if size1 <= 0 or size1 > size2:
        raise VerificationError(what, "the sizes are not 0 < size1 <= size2")
    if size1 == size2:
        if proof:
            raise VerificationError(what, "the proof must be empty for equal sizes")
        if root1 != root2:
            raise VerificationError(what, "the roots differ for equal sizes")
        return
    if not proof:
        raise VerificationError(what, "the proof is empty")
    _check_hash(f"{what}: first root", root1)
    _check_hash(f"{what}: second root", root2)
    for p in proof:
        _check_hash(f"{what}: proof element", p)
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationError(what, "the proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError(what, "the proof is too short")
    if fr != root1:
        raise VerificationError(what, "the proof does not reproduce the first root")
    if sr != root2:
        raise VerificationError(what, "the proof does not reproduce the second root")


class MemoryTree:
    """Every perfect subtree hash of a tree held in memory: for exports, verifiers and tests."""

    def __init__(self) -> None:
        self.levels: list[list[bytes]] = [[]]

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def append_leaf_hash(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Append; returns the new perfect subtrees ``(level, index, hash)`` this completes."""
        new = [(0, len(self.levels[0]), leaf)]
        self.levels[0].append(leaf)
        level, index = 0, len(self.levels[0]) - 1
        while index & 1:
            parent = node_hash(self.levels[level][index - 1], self.levels[level][index])
            level += 1
            index >>= 1
            if len(self.levels) == level:
                self.levels.append([])
            self.levels[level].append(parent)
            new.append((level, index, parent))
        return new

    def append(self, data: bytes) -> None:
        self.append_leaf_hash(leaf_hash(data))

    def fetch(self, keys: Sequence[NodeKey]) -> list[bytes]:
        return [self.levels[level][index] for level, index in keys]

    def root(self, size: int | None = None) -> bytes:
        return root(self.size if size is None else size, self.fetch)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(index, self.size if size is None else size, self.fetch)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        return consistency_proof(size1, self.size if size2 is None else size2, self.fetch)
