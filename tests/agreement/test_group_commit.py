"""Group commit and the signature workers give exactly what one-by-one, in-process checks give."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import random
import threading
import time
from pathlib import Path

import pytest
from conftest import EXAMPLE_START, ceremony, fixed_clock

from corridor.adapters.log_store import LogStore, LogWriter, StorageError
from corridor.adapters.tile_files import TileFolder
from corridor.domain.agreement import Follows, Kind, LogState, statement
from corridor.domain.proposal import ROLES, example_documents
from corridor.errors import CorridorError, InputError
from corridor.services.agreement import (
    AgreementService,
    MessageRefused,
    SubmitResult,
    _renumbered,
    prechecked,
    replay_entries,
    sign_statement,
)
from corridor.services.log import LogService
from corridor.tlog import dsse, parallel
from corridor.tlog.errors import VerificationError
from corridor.tlog.keys import SignerKey
from corridor.tlog.tiles import MAX_ENTRY

NOW = "2026-12-01T12:00:00Z"
KEYS = {
    r: SignerKey.from_seed(r.replace("_", "-"), bytes([i + 1]) * 32) for i, r in enumerate(ROLES)
}
STRANGER = SignerKey.from_seed("party-a", bytes([99]) * 32)  # claims party A's name


def clock() -> dt.datetime:
    return dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)  # the same bytes on every run


#: What the incidents follow: every agreed() log holds the same entries (fixed keys and clock).
HEAD: list[Follows | None] = [None]


def agreed(path: Path, parallel_checks: bool = False) -> tuple[AgreementService, str, str]:
    service = AgreementService(LogStore.open(str(path)), clock, parallel=parallel_checks)
    first, second = example_documents(
        {r: k.verifier().text() for r, k in KEYS.items()}, EXAMPLE_START
    )
    ceremony(service, KEYS)
    service.propose(first, KEYS["intermediary"])
    service.counter(second, KEYS["party_b"])
    for role in ("party_a", "party_b"):
        service.accept(str(first["corridor"]), KEYS[role])
    cid = str(first["corridor"])
    HEAD[0] = service.state().head()
    return service, cid, service.state().corridors[cid].latest.hash  # type: ignore[union-attr]


def incident(cid: str, digest: str, i: int, key: SignerKey, author: str | None = None) -> bytes:
    body = {"version": 2, "description": f"report {i}"}
    stmt = statement(Kind.INCIDENT, cid, author or key.name, NOW, digest, body, follows=HEAD[0])
    return sign_statement(stmt, key)


def mixed(cid: str, digest: str, n: int, seed: int) -> list[bytes]:
    """Honest reports with, at random places, forgeries, tampered bytes, repeats and oversize."""
    rng = random.Random(seed)
    out: list[bytes] = []
    first = [0.5, 0.05, 0.1, 0.17, 0.21, 0.23]  # each kind once, then at random
    for i in range(n):
        roll = first[i] if i < len(first) else rng.random()
        if roll < 0.08:
            out.append(incident(cid, digest, i, STRANGER))  # party A's name, another key
        elif roll < 0.14:
            good = incident(cid, digest, i, KEYS["party_b"])
            env = dsse.parse(good)
            bad_sig = bytes([env.signatures[0].sig[0] ^ 1]) + env.signatures[0].sig[1:]
            sigs = (dsse.Signature(env.signatures[0].keyid, bad_sig),)
            out.append(dsse.Envelope(env.payload_type, env.payload, sigs).to_bytes())
        elif roll < 0.20 and out:
            out.append(rng.choice(out))  # the same bytes again
        elif roll < 0.22:
            out.append(b"x" * (MAX_ENTRY + 1))
        elif roll < 0.24:
            out.append(b'{"payload":"not a message"}')
        else:
            out.append(incident(cid, digest, i, KEYS[rng.choice(ROLES)]))
    return out


def outcome_of(service: AgreementService, envelope: bytes) -> object:
    try:
        return service.submit(envelope)
    except CorridorError as exc:
        return (type(exc), str(exc))


def same(outcome: SubmitResult | CorridorError) -> object:
    return outcome if isinstance(outcome, SubmitResult) else (type(outcome), str(outcome))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_group_gives_what_one_by_one_gives(tmp_path: Path, seed: int) -> None:
    one, cid, digest = agreed(tmp_path / "one.db")
    group, _, _ = agreed(tmp_path / "group.db", parallel_checks=True)
    envelopes = mixed(cid, digest, 150, seed)  # >= MIN_BATCH: the workers take part
    expected = [outcome_of(one, e) for e in envelopes]
    got = [same(o) for o in group.submit_each(envelopes)]
    assert got == expected
    assert any(isinstance(o, SubmitResult) and o.duplicate for o in group.submit_each(envelopes))
    assert list(group.store.entries()) == list(one.store.entries())
    assert group.store.root() == one.store.root()
    kinds = {type(o) if not isinstance(o, tuple) else o[0] for o in expected}
    assert {SubmitResult, MessageRefused, InputError} <= kinds  # every path was taken


def test_replay_on_workers_equals_replay_in_process(tmp_path: Path) -> None:
    service, cid, digest = agreed(tmp_path / "log.db")
    honest = [incident(cid, digest, i, KEYS[ROLES[i % 3]]) for i in range(200)]
    service.submit_each(honest)
    entries = list(service.store.entries())
    assert replay_entries(entries, parallel=True) == replay_entries(entries)
    # a forgery stored behind the service's back is found at the same entry either way
    forged = [*entries[:120], incident(cid, digest, 999, STRANGER), *entries[120:]]
    for workers in (False, True):
        with pytest.raises(VerificationError, match="entry 120"):
            replay_entries(forged, parallel=workers)
        state = replay_entries(forged, strict=False, parallel=workers)
        assert [index for index, _ in state.refused] == [120]


def test_a_dead_worker_pool_falls_back_to_checking_in_process() -> None:
    broken = parallel.SignaturePool(processes=2)

    class Dead:
        def submit(self, *args: object) -> None:
            raise concurrent.futures.process.BrokenProcessPool("gone")

        def shutdown(self, wait: bool, cancel_futures: bool) -> None:
            pass

    broken._executor = Dead()  # type: ignore[assignment]
    cid, digest = "c", "0" * 64
    envelopes = [incident(cid, digest, i, KEYS["party_a"]) for i in range(70)]
    runs = list(prechecked(envelopes, broken))
    assert broken.processes == 0
    assert [e for e, _, _ in runs] == envelopes
    assert all(len(confirmed) == 32 or len(confirmed) == 6 for _, _, confirmed in runs)  # type: ignore[arg-type]


def test_pool_confirms_only_what_verifies() -> None:
    pool = parallel.SignaturePool(processes=0)
    key = KEYS["party_a"]
    message = b"DSSEv1 1 x 1 y"
    good = (key.verifier().public, key.sign(message), message)
    wrong_message = (good[0], good[1], b"DSSEv1 1 x 1 z")
    bad_key = (b"\x00" * 31, good[1], message)
    assert pool.submit([good, wrong_message, bad_key]).result() == frozenset([good])


def test_new_only_needs_the_size_it_was_checked_at(tmp_path: Path) -> None:
    store = LogStore.open(str(tmp_path / "l.db"))
    with pytest.raises(ValueError, match="expect_size"):
        store.append_many([b"x"], new_only=True)
    assert store.size == 0


def test_concurrent_submitters_each_get_their_own_outcome(tmp_path: Path) -> None:
    service, cid, digest = agreed(tmp_path / "log.db")
    service.store.close()
    log = LogService(
        LogStore.open(str(tmp_path / "log.db")),
        KEYS["intermediary"],
        TileFolder(tmp_path),
        fixed_clock(),
    )
    before = log.store.size
    envelopes = mixed(cid, digest, 400, seed=7)
    results: dict[int, object] = {}
    groups: list[int] = []
    submit_each = log.agreement.submit_each

    def counted(batch, before_commit=None, submitters=None):  # type: ignore[no-untyped-def]
        groups.append(len(batch))
        return submit_each(batch, before_commit, submitters)

    log.agreement.submit_each = counted  # type: ignore[method-assign]
    lock = threading.Lock()

    def client(worker: int) -> None:
        for i in range(worker, len(envelopes), 16):
            try:
                result, event = log.submit(envelopes[i])
                got: object = (result, event)
            except CorridorError as exc:
                got = exc
            with lock:
                results[i] = got

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(client, range(16)))
    assert max(groups) > 1  # groups did form
    stored = list(log.store.entries(before))
    indexes: dict[bytes, int] = {}
    for i, envelope in enumerate(envelopes):
        got = results[i]
        good = envelope.count(b"payload") == 1 and len(envelope) <= MAX_ENTRY
        if isinstance(got, tuple):
            result, event = got
            assert log.store.entry(result.index) == envelope
            assert indexes.setdefault(envelope, result.index) == result.index
            assert (event is None) == result.duplicate
            if event is not None:
                assert event.data["index"] == result.index
                assert event.data["kind"] == "incident"
        else:
            assert isinstance(got, (MessageRefused, InputError)), got
            assert envelope not in stored or not good
    assert len(stored) == len(set(stored)) == len(indexes)
    assert replay_entries(list(log.store.entries())).refused == []


@pytest.mark.parametrize("size", [5, 70])  # 70: the signature workers take part
def test_an_unreadable_envelope_is_refused_alone(tmp_path: Path, size: int) -> None:
    service, cid, digest = agreed(tmp_path / "log.db", parallel_checks=True)
    good = [incident(cid, digest, i, KEYS["party_a"]) for i in range(size)]
    nested = b'{"payload":' + b"[" * 5_000 + b"]" * 5_000 + b"}"
    accented = good[0].replace(b'{"payload":"', b'{"payload":"\xc3\xa9', 1)
    deep_statement = dsse.sign(b"[1.5," + b"[" * 5_000 + b"]" * 5_000 + b"]", KEYS["party_a"])
    bad = {1: nested, size // 2: accented, size - 2: deep_statement}
    envelopes = [bad.get(i, e) for i, e in enumerate(good)]
    outcomes = service.submit_each(envelopes)
    refused = [i for i, o in enumerate(outcomes) if isinstance(o, MessageRefused)]
    assert refused == sorted(bad)
    assert "nested too deeply" in str(outcomes[1])
    assert "base64" in str(outcomes[size // 2])
    kept = [e for i, e in enumerate(envelopes) if i not in bad]
    assert list(service.store.entries())[-len(kept) :] == kept
    # the same entries read back from a log (a server's, say): counted for nothing, no crash
    state = replay_entries([*service.store.entries(), *bad.values()], strict=False)
    assert len(state.refused) == 3
    with pytest.raises(VerificationError, match="entry"):
        replay_entries([*service.store.entries(), nested])


def test_a_repeat_in_a_group_is_renumbered_with_its_first_copy() -> None:
    first = SubmitResult(5, Kind.INCIDENT, "c", "party-a", "x", duplicate=False)
    repeat = SubmitResult(5, Kind.INCIDENT, "c", "party-a", "x", duplicate=True)
    older = SubmitResult(2, Kind.INCIDENT, "c", "party-a", "y", duplicate=True)
    got = _renumbered([first, repeat, older], 5, [7])
    assert [o.index for o in got] == [7, 7, 2]  # type: ignore[union-attr]


def test_readers_see_neither_a_group_being_checked_nor_one_that_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service, cid, digest = agreed(tmp_path / "log.db")
    log = LogService(service.store, KEYS["intermediary"], TileFolder(tmp_path), fixed_clock())  # type: ignore[arg-type]

    def count(state: LogState) -> int:
        return len(state.corridors[cid].incidents)

    # The state does not change under a reader: a group waits for the read to end.
    inside, appending, counts = threading.Event(), threading.Event(), []
    real = LogWriter.append

    def marked(*args, **kw):  # type: ignore[no-untyped-def]
        appending.set()  # the group is checked and applied: only the commit is left
        return real(*args, **kw)

    monkeypatch.setattr(LogWriter, "append", marked)

    def slow_read(state: LogState) -> None:
        counts.append(count(state))
        inside.set()
        appending.wait(1)  # a group that does not wait for readers gets here at once
        counts.append(count(state))

    thread = threading.Thread(target=log.read, args=(slow_read,))
    thread.start()
    inside.wait(10)
    log.submit(incident(cid, digest, 0, KEYS["party_b"]))
    thread.join(10)
    assert counts == [0, 0]
    described = log.corridor(cid, lambda c: {"incidents": c.incidents})
    assert len(described["incidents"]) == 1
    log.submit(incident(cid, digest, 2, KEYS["party_b"]))
    assert len(described["incidents"]) == 1  # an answer is a copy, not the live state
    assert log.read(count) == 2

    # A group that fails to commit is never seen, not even while it is being checked.
    applied, reading = threading.Event(), threading.Event()

    def failing(*args, **kw):  # type: ignore[no-untyped-def]
        applied.set()  # the message is applied to the state, not stored
        reading.wait(10)
        time.sleep(0.2)  # time for a reader that does not wait to read what is not stored
        raise StorageError("disk full")

    monkeypatch.setattr(LogWriter, "append", failing)
    seen: list[int] = []

    def reader() -> None:
        applied.wait(10)
        reading.set()
        seen.append(log.read(count))

    thread = threading.Thread(target=reader)
    thread.start()
    with pytest.raises(StorageError):
        log.submit(incident(cid, digest, 1, KEYS["party_a"]))
    thread.join(10)
    assert seen == [2]
    monkeypatch.setattr(LogWriter, "append", real)
    _, event = log.submit(incident(cid, digest, 1, KEYS["party_a"]))
    assert event is not None
    assert log.read(count) == 3


def test_entries_are_stored_with_their_records_or_not_at_all(tmp_path: Path) -> None:
    service, cid, digest = agreed(tmp_path / "log.db")
    size = service.store.size
    calls: list[str] = []

    def broken(conn, entries):  # type: ignore[no-untyped-def]
        calls.append("record")
        raise RuntimeError("the audit table is gone")

    log = LogService(
        service.store, KEYS["intermediary"], TileFolder(tmp_path), fixed_clock(), broken
    )  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="audit table"):
        log.submit(incident(cid, digest, 1, KEYS["party_a"]))
    assert calls == ["record"]
    assert service.store.size == size  # the entry went with its records

    published: list[int] = []

    def recording(conn, entries):  # type: ignore[no-untyped-def]
        for _, result, event in entries:
            assert event.data["index"] == result.index
            conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS seen (idx INTEGER)")
            conn.exec_driver_sql("INSERT INTO seen VALUES (?)", (result.index,))
        return lambda: published.extend(r.index for _, r, _ in entries)

    log = LogService(
        service.store, KEYS["intermediary"], TileFolder(tmp_path), fixed_clock(), recording
    )  # type: ignore[arg-type]
    result, _ = log.submit(incident(cid, digest, 1, KEYS["party_a"]))
    assert result.index == size
    assert published == [size]
    with service.store.engine.connect() as conn:
        assert [i for (i,) in conn.exec_driver_sql("SELECT idx FROM seen")] == [size]
