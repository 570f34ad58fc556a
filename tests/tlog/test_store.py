"""The log's storage, on SQLite and again on the PostgreSQL server of this machine."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from corridor.adapters.log_store import LogStore, StaleLog
from corridor.errors import InputError
from corridor.tlog import merkle
from corridor.tlog.errors import VerificationError
from corridor.tlog.keys import SignerKey
from corridor.tlog.note import Checkpoint, cosign, open_checkpoint, verify_cosignature

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    """A factory of stores on one fresh database: each call is a new connection pool."""
    if request.param == "sqlite":
        target, schema = str(tmp_path / "log.db"), None
    else:
        if not _postgres_reachable():
            pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
        target, schema = PG_URL, f"log_test_{uuid.uuid4().hex[:12]}"
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    stores: list[LogStore] = []

    def factory() -> LogStore:
        store = LogStore.open(target, schema=schema)
        stores.append(store)
        return store

    yield factory
    for store in stores:
        store.close()
    if schema is not None:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def test_appends_proofs_and_roots_match_an_independent_tree(open_store) -> None:  # type: ignore[no-untyped-def]
    store = open_store()
    tree = merkle.MemoryTree()
    entries = [f"entry {i}".encode() for i in range(300)]
    assert store.append_many(entries[:137]) == list(range(137))
    for i, entry in enumerate(entries[137:], start=137):
        assert store.append(entry) == i
    for entry in entries:
        tree.append(entry)
    assert store.size == 300
    for size in (1, 2, 3, 137, 256, 257, 300):
        assert store.root(size) == tree.root(size)
        for index in (0, size // 2, size - 1):
            proof = store.inclusion_proof(index, size)
            assert proof == tree.inclusion_proof(index, size)
            merkle.verify_inclusion(
                index, size, merkle.leaf_hash(entries[index]), proof, tree.root(size)
            )
        assert store.consistency_proof(1, size) == tree.consistency_proof(1, size)
    assert list(store.entries(batch=64)) == entries
    assert store.entry(299) == entries[299]


def test_retry_of_the_same_bytes_returns_the_same_index(open_store) -> None:  # type: ignore[no-untyped-def]
    store = open_store()
    assert store.append_many([b"a", b"b", b"a"]) == [0, 1, 0]
    assert store.append(b"b") == 1
    assert store.append(b"c") == 2
    assert store.size == 3


def test_acknowledged_appends_survive_reopening_and_interleaved_writers(open_store) -> None:  # type: ignore[no-untyped-def]
    first = open_store()
    for i in range(10):
        first.append(b"x%d" % i)
    second = open_store()  # another process, in effect: its own pool and tree frontier
    assert second.size == 10
    second.append(b"from second")
    first.append(b"from first")  # first's cached frontier is stale and must be reloaded
    tree = merkle.MemoryTree()
    for entry in [*(b"x%d" % i for i in range(10)), b"from second", b"from first"]:
        tree.append(entry)
    third = open_store()
    assert third.size == 12
    assert third.root() == tree.root()


def test_an_oversized_entry_is_refused_and_nothing_is_stored(open_store) -> None:  # type: ignore[no-untyped-def]
    store = open_store()
    store.append(b"kept")
    with pytest.raises(InputError, match="65535"):
        store.append_many([b"fine", b"x" * 70_000])
    assert store.size == 1
    assert list(store.entries()) == [b"kept"]


def test_checkpoints_and_cosignatures_are_stored_and_verify(open_store) -> None:  # type: ignore[no-untyped-def]
    store = open_store()
    log_key = SignerKey.from_seed("log", bytes(32))
    witness = SignerKey.from_seed("party-a", bytes([7]) * 32)
    assert store.latest_checkpoint() is None
    store.append_many([b"one", b"two", b"three"])
    signed = store.sign_checkpoint(log_key)
    note, checkpoint = open_checkpoint(signed, log_key.verifier())
    assert checkpoint == Checkpoint("log", 3, store.root())
    cosigned = note.with_signature(cosign(note, witness, 1_700_000_000))
    store.add_cosignatures(cosigned.to_bytes(), witness.verifier())
    latest = store.latest_checkpoint()
    assert latest is not None
    again, _ = open_checkpoint(latest, log_key.verifier())
    assert verify_cosignature(again, witness.verifier()) == 1_700_000_000
    stranger = note.with_signature(cosign(note, witness, 1)).to_bytes().replace(b"\n3\n", b"\n4\n")
    with pytest.raises(VerificationError, match="invalid cosignature"):
        store.add_cosignatures(stranger, witness.verifier())


def test_an_append_checked_against_an_older_log_is_not_stored(open_store) -> None:  # type: ignore[no-untyped-def]
    store = open_store()
    store.append(b"first")
    with pytest.raises(StaleLog):
        store.append_many([b"checked against an empty log"], expect_size=0)
    assert list(store.entries()) == [b"first"]
    assert store.append_many([b"second"], expect_size=1) == [1]
