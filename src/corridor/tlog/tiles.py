"""C2SP tlog-tiles static layout: ``checkpoint``, ``tile/<L>/<N>[.p/<W>]`` and
``tile/entries/<N>[.p/<W>]``.

A hash tile at level L holds up to 256 consecutive hashes of perfect subtrees of height 8·L; an
entry bundle holds up to 256 entries, each a big-endian uint16 length then the entry bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Iterator

from corridor.tlog.errors import VerificationError
from corridor.tlog.merkle import MemoryTree, leaf_hash

TILE_WIDTH = 256
TILE_HEIGHT = 8
MAX_ENTRY = 0xFFFF


def index_path(n: int) -> str:
    """``1234067`` -> ``x001/x234/067`` (C2SP tlog-tiles index encoding)."""
    text = f"{n:03d}"
    if len(text) % 3:
        text = "0" * (3 - len(text) % 3) + text
    groups = [text[i : i + 3] for i in range(0, len(text), 3)]
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


def tile_path(level: int | str, n: int, width: int) -> str:
    suffix = f".p/{width}" if width < TILE_WIDTH else ""
    return f"tile/{level}/{index_path(n)}{suffix}"


def tile_counts(count: int) -> Iterator[tuple[int, int]]:
    """(tile index, width) of every tile needed to hold ``count`` items."""
    full, partial = divmod(count, TILE_WIDTH)
    for n in range(full):
        yield n, TILE_WIDTH
    if partial:
        yield full, partial


def encode_bundle(entries: Iterable[bytes]) -> bytes:
    out = bytearray()
    for entry in entries:
        if len(entry) > MAX_ENTRY:
            raise VerificationError("entry", f"is {len(entry)} bytes, over the {MAX_ENTRY} limit")
        out += struct.pack(">H", len(entry)) + entry
    return bytes(out)


def decode_bundle(data: bytes, width: int, what: str) -> list[bytes]:
    entries: list[bytes] = []
    at = 0
    while at < len(data):
        if at + 2 > len(data):
            raise VerificationError(what, "ends inside an entry length")
        (length,) = struct.unpack(">H", data[at : at + 2])
        if at + 2 + length > len(data):
            raise VerificationError(what, "ends inside an entry")
        entries.append(data[at + 2 : at + 2 + length])
        at += 2 + length
    if len(entries) != width:
        raise VerificationError(what, f"holds {len(entries)} entries, not {width}")
    return entries


COSIGNED = "cosigned"
"""``cosigned/<key ID>``: the newest checkpoint each witness cosigned (log signature and that
witness's cosignature), by the hex of its C2SP cosigner key ID, so that a verifier can check
that the log grew from what each witness saw."""


def tile_files(
    entries: Iterable[bytes],
    checkpoint_note: bytes,
    cosigned: dict[str, bytes] | None = None,
) -> Iterator[tuple[str, bytes]]:
    """The whole layout for the entries (in log order), as (relative path, bytes) to write in
    this order (the files themselves are written by ``adapters.tile_files``).

    The caller passes exactly the entries the checkpoint covers, and ``cosigned``: each
    witness's newest cosigned checkpoint by its key ID (hex). The checkpoint comes last,
    once every tile it needs is in place.
    """
    tree = MemoryTree()
    bundle: list[bytes] = []
    n = 0
    for entry in entries:
        bundle.append(entry)
        tree.append_leaf_hash(leaf_hash(entry))
        if len(bundle) == TILE_WIDTH:
            yield tile_path("entries", n // TILE_WIDTH, TILE_WIDTH), encode_bundle(bundle)
            bundle = []
        n += 1
    if bundle:
        yield tile_path("entries", n // TILE_WIDTH, len(bundle)), encode_bundle(bundle)
    for tile_level in range(0, len(tree.levels), TILE_HEIGHT):
        hashes = tree.levels[tile_level]
        for index, width in tile_counts(len(hashes)):
            start = index * TILE_WIDTH
            data = b"".join(hashes[start : start + width])
            yield tile_path(tile_level // TILE_HEIGHT, index, width), data
    for key_id, note in (cosigned or {}).items():
        yield f"{COSIGNED}/{key_id}", note
    yield "checkpoint", checkpoint_note


TileReader = Callable[[str], bytes]
"""Reads one file of an exported layout by its relative path; OSError when it is missing."""


def read_entries(read: TileReader, size: int) -> Iterator[bytes]:
    for index, width in tile_counts(size):
        rel = tile_path("entries", index, width)
        try:
            data = read(rel)
        except OSError as exc:
            raise VerificationError(rel, "is missing") from exc
        yield from decode_bundle(data, width, rel)


def check_hash_tiles(read: TileReader, tree: MemoryTree) -> None:
    """Every hash tile the tree's size needs must hold exactly the recomputed hashes."""
    for tile_level in range(0, len(tree.levels), TILE_HEIGHT):
        hashes = tree.levels[tile_level]
        for index, width in tile_counts(len(hashes)):
            rel = tile_path(tile_level // TILE_HEIGHT, index, width)
            try:
                data = read(rel)
            except OSError as exc:
                raise VerificationError(rel, "is missing") from exc
            start = index * TILE_WIDTH
            if data != b"".join(hashes[start : start + width]):
                raise VerificationError(rel, "does not hold the hashes of the entries")
